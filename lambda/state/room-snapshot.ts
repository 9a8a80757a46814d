/**
 * The room documents (joined facts included) the last complete audit of each target saw, kept in the
 * state table so a policy preview (`export-rooms --from-table`) reads them with read-only access and
 * no IVS Chat call. The room cache is no substitute: it keeps only the GetRoom-only fields.
 *
 * Keys (one table, `pk`/`sk` strings, named in keys.ts), every partition key starting with `SNAPSHOT` so one IAM
 * `dynamodb:LeadingKeys` condition (`SNAPSHOT*`) grants a reader these items and nothing else:
 * - `SNAPSHOT#<account>#<region>` / `CHUNK#<4 digits>`: the documents as gzip'd JSON, each chunk
 *   tagged with the `takenAt` of the snapshot it belongs to.
 * - `SNAPSHOT#<account>#<region>` / `META`: `{ takenAt, rooms, chunks }`, written after the chunks.
 * - `SNAPSHOTS` / `<account>#<region>`: the index of targets with a snapshot, so `list()` is a Query,
 *   never a Scan of the whole table (findings and room cache included).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { AuditorError } from '../core/errors.js';
import type { RoomDocument } from '../core/types.js';
import { decodeChunks, deleteChunksFrom, GzipJsonArray, putChunks, splitChunks } from './chunks.js';
import { snapshotKeys } from './keys.js';
import { type Item, TableClient } from './table-client.js';

export interface RoomSnapshot {
  accountId: string;
  region: string;
  /** When the audit that saw these rooms started (ISO 8601). */
  takenAt: string;
  rooms: RoomDocument[];
}

export class RoomSnapshotStore {
  private readonly table: TableClient;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new TableClient(client, tableName);
  }

  /**
   * Replaces the target's snapshot: chunks first, then META (which says how many chunks count), then
   * the index entry; chunks past the new end are deleted last. A reader that meets chunks of another
   * `takenAt` than META's read while a snapshot was being replaced, and says so.
   */
  async put(
    accountId: string,
    region: string,
    takenAt: string,
    rooms: readonly RoomDocument[],
  ): Promise<void> {
    const array = new GzipJsonArray();
    for (const room of rooms) array.push(room);
    await this.putGzipped(accountId, region, takenAt, array);
  }

  /** Like `put`, with the documents gathered gzip'd as they arrived (how an audit collects them). */
  async putGzipped(accountId: string, region: string, takenAt: string, array: GzipJsonArray): Promise<void> {
    const rooms = array.length;
    const chunks = splitChunks(array.finish(), `the room snapshot of ${accountId}/${region}`);
    const pk = snapshotKeys.pk({ accountId, region });
    const { doc, name: tableName } = this.table;
    const target = { table: this.table, pk, prefix: snapshotKeys.chunkPrefix };
    await putChunks({ ...target, chunks, attributes: { takenAt } });
    const meta = { takenAt, rooms, chunks: chunks.length, accountId, region };
    await this.table.writing(async () => {
      await doc.send(new PutCommand({ TableName: tableName, Item: { pk, sk: snapshotKeys.meta, ...meta } }));
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: snapshotKeys.indexPk, sk: snapshotKeys.indexSk({ accountId, region }), ...meta },
        }),
      );
    });
    await deleteChunksFrom(target, chunks.length, this.query(pk, snapshotKeys.chunkPrefix, 'sk'));
  }

  /** Every stored snapshot, by account then region; one snapshot's documents are held at a time. */
  async *list(): AsyncIterable<RoomSnapshot> {
    for await (const entry of this.query(snapshotKeys.indexPk, '')) {
      const snapshot = await this.get(String(entry.accountId), String(entry.region));
      if (snapshot) yield snapshot;
    }
  }

  /** The target's snapshot, or undefined when it has none. */
  async get(accountId: string, region: string): Promise<RoomSnapshot | undefined> {
    const pk = snapshotKeys.pk({ accountId, region });
    const what = `the room snapshot of ${accountId}/${region} in state table ${this.table.name}`;
    const chunks: { n: number; data: Uint8Array; takenAt: string }[] = [];
    let meta: Record<string, unknown> | undefined;
    for await (const item of this.query(pk, '')) {
      const sk = String(item.sk);
      if (sk === snapshotKeys.meta) meta = item;
      else if (sk.startsWith(snapshotKeys.chunkPrefix)) {
        const n = snapshotKeys.chunkNumber(sk);
        chunks.push({ n, data: item.data as Uint8Array, takenAt: String(item.takenAt) });
      }
    }
    if (!meta) return undefined;
    const takenAt = String(meta.takenAt);
    const total = Number(meta.chunks);
    // Chunks past META's count are a longer snapshot's tail not deleted yet: not part of this one.
    const own = chunks.filter((c) => c.n < total);
    if (own.length !== total || own.some((c, i) => c.n !== i || c.takenAt !== takenAt)) {
      throw new AuditorError(
        `${what} is incomplete: an audit is probably replacing it right now; try again in a minute`,
      );
    }
    const parts = own.map((c) => c.data);
    const rooms = await decodeChunks(parts, total, what);
    if (!Array.isArray(rooms)) throw new AuditorError(`${what} holds no list of rooms`);
    return { accountId, region, takenAt, rooms: rooms as RoomDocument[] };
  }

  private query(pk: string, skPrefix: string, projection?: string): AsyncGenerator<Item> {
    return this.table.query({ pk, skPrefix, ...(projection ? { projection } : {}) });
  }
}
