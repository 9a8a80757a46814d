import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { AuditorError } from '../core/errors.js';
import type { FindingRecord } from '../core/lifecycle.js';
import { batchWrite } from './batch-write.js';
import { RecordReader, storedFinding } from './record.js';
import type { StateStore } from './store.js';

/**
 * Finding lifecycle in DynamoDB: one item per finding, `pk = FINDING#<account>`, `sk = <fingerprint>`.
 * Resolved findings get `expiresAt` (epoch seconds) so the table's TTL removes them after
 * `retainResolvedDays`.
 */
export class DynamoStateStore implements StateStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly accountId: string,
    private readonly retainResolvedDays = 30,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  private get pk(): string {
    return `FINDING#${this.accountId}`;
  }

  async load(): Promise<Map<string, FindingRecord>> {
    const records = new Map<string, FindingRecord>();
    const reader = new RecordReader();
    try {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': this.pk },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const record = reader.read(item);
          records.set(record.fingerprint, record);
        }
      }
    } catch (cause) {
      throw new AuditorError(`cannot read state table ${this.tableName}: ${(cause as Error).message}`, {
        cause,
      });
    }
    return records;
  }

  async save(changes: readonly FindingRecord[], now: string): Promise<void> {
    const ttl = Math.floor(Date.parse(now) / 1000) + this.retainResolvedDays * 86_400;
    const pk = this.pk;
    // Items are built batch by batch as they are written (a first audit saves 100,000+ records).
    function* requests() {
      for (const record of changes) {
        const Item = {
          pk,
          sk: record.fingerprint,
          ...record,
          finding: storedFinding(record.finding),
          ...(record.status === 'resolved' ? { expiresAt: ttl } : {}),
        };
        yield { PutRequest: { Item } };
      }
    }
    try {
      await batchWrite(this.doc, this.tableName, requests());
    } catch (cause) {
      throw new AuditorError(`cannot write state table ${this.tableName}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
}
