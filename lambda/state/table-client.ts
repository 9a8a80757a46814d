/**
 * The state table as every store reaches it: the document client, the table's name, the one query
 * helper, and the error wording a person reads when the table cannot be read or written. The keys
 * are named in keys.ts; the stores are built by StateTable (table.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { batchGet } from './batch-get.js';
import { batchWrite, type WriteRequest } from './batch-write.js';
import type { ItemKey } from './keys.js';
import { conditionFailed, reading, translated, writing } from './table-errors.js';

export type Item = Record<string, unknown>;

/** The items of one partition to read. */
export interface PartitionQuery {
  pk: string;
  /** Only items whose sort key begins with this. */
  skPrefix?: string;
  /** Only items whose sort key is this or after it. */
  skFrom?: string;
  /** The attributes to read (a `ProjectionExpression`). */
  projection?: string;
  /** The attribute names `projection` uses as placeholders (`#name`). */
  projectionNames?: Record<string, string>;
  /** Strongly consistent: for a reader that must see what was just written. */
  consistent?: boolean;
  /** Items per page (`Limit`): 1 for a reader that asks only whether the partition holds any. */
  pageSize?: number;
  /** Applied after reading: the items it drops are still read (and paid for), only not sent. */
  filter?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> };
  /** What a failed read says it could not read. @default `state table <name>` */
  source?: string;
}

export class TableClient {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
  ) {
    // Every store's items may carry optional attributes left undefined: they are left out, not refused.
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * The items of one partition, in sort-key order, page by page as they are consumed (a partition
   * may hold 100,000 findings). A page that cannot be read throws an AuditorError naming the table.
   */
  async *query(request: PartitionQuery): AsyncGenerator<Item> {
    const pages = paginateQuery({ client: this.doc }, queryInput(this.name, request));
    const iterator = pages[Symbol.asyncIterator]();
    const source = request.source ?? `state table ${this.name}`;
    for (;;) {
      const page = await translated(`read ${source}`, () => iterator.next());
      if (page.done) return;
      yield* page.value.Items ?? [];
    }
  }

  /** One item, strongly consistent (each caller reads what another step or writer just wrote). */
  async get(key: ItemKey): Promise<Item | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }));
    return out.Item;
  }

  /** Reads any number of items by key (batch-get.ts); a key with no item is left out. Errors are not translated. */
  batchGet(keys: readonly ItemKey[]): Promise<Item[]> {
    return batchGet(this.doc, this.name, keys);
  }

  /** Writes any number of items and deletions in batches (batch-write.ts); errors are not translated. */
  batchWrite(requests: Iterable<WriteRequest>): Promise<void> {
    return batchWrite(this.doc, this.name, requests);
  }

  /** Runs a read, an error becoming an AuditorError that names the table. */
  reading<T>(read: () => Promise<T>): Promise<T> {
    return reading(this.name, read);
  }

  /** Runs a write, an error becoming an AuditorError that names the table. */
  writing<T>(write: () => Promise<T>): Promise<T> {
    return writing(this.name, write);
  }

  /**
   * Runs a conditional write: `undefined` when its condition did not hold (an answer, not a failure),
   * an AuditorError naming the table for anything else.
   */
  conditionally<T>(write: () => Promise<T>): Promise<T | undefined> {
    return this.writing(async () => {
      try {
        return await write();
      } catch (error) {
        if (conditionFailed(error)) return undefined;
        throw error;
      }
    });
  }
}

function queryInput(tableName: string, request: PartitionQuery): QueryCommandInput {
  const { pk, skPrefix, skFrom, projection, projectionNames, consistent, pageSize, filter } = request;
  const names = { ...projectionNames, ...filter?.names };
  const sortKey =
    skPrefix !== undefined
      ? { condition: ' AND begins_with(sk, :prefix)', values: { ':prefix': skPrefix } }
      : skFrom !== undefined
        ? { condition: ' AND sk >= :from', values: { ':from': skFrom } }
        : { condition: '', values: {} };
  return {
    TableName: tableName,
    ...(consistent ? { ConsistentRead: true } : {}),
    ...(pageSize ? { Limit: pageSize } : {}),
    KeyConditionExpression: `pk = :pk${sortKey.condition}`,
    ...(filter ? { FilterExpression: filter.expression } : {}),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: { ':pk': pk, ...sortKey.values, ...filter?.values },
    ...(projection ? { ProjectionExpression: projection } : {}),
  };
}
