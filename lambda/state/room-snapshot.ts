/**
 * The room documents (joined facts included) the last complete audit of each target saw, kept in the
 * state table so a policy preview (`export-rooms --from-table`) reads them with read-only access and
 * no IVS Chat call. The room cache is no substitute: it keeps only the GetRoom-only fields.
 *
 * Keys (one table, `pk`/`sk` strings, named in keys.ts), every partition key starting with `SNAPSHOT` so one IAM
 * `dynamodb:LeadingKeys` condition (`SNAPSHOT*`) grants a reader these items and nothing else:
 * - `SNAPSHOT#<account>#<region>` / `CHUNK#<generation>#<4 digits>`: the documents as gzip'd JSON. Each
 *   write is a generation of its own (the audit's start, then a random tie-break), so it never
 *   overwrites the chunks a reader may be reading, nor those of the snapshot it replaces.
 * - `SNAPSHOT#<account>#<region>` / `META`: `{ takenAt, rooms, chunks, generation }`, written after all of
 *   the generation's chunks. This one PutItem is the switch: a reader sees the previous snapshot
 *   whole or the new one whole, and a write that fails before it leaves the previous one readable.
 * - `SNAPSHOTS` / `<account>#<region>`: the index of targets with a snapshot, so `list()` is a Query,
 *   never a Scan of the whole table (findings and room cache included).
 *
 * A snapshot written before generations (`CHUNK#<4 digits>`, META without `generation`) is still
 * read, and its chunks are deleted by the next write.
 *
 * Every item expires (the table's TTL) `SNAPSHOT_RETENTION_DAYS` after its write: the snapshot of a
 * target no longer audited (an account that left, a region dropped) goes instead of feeding previews
 * with rooms that may be gone. Readers treat an expired META as absent, since TTL deletes lag.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { AuditorError } from '../core/errors.js';
import type { RoomDocument } from '../core/types.js';
import type { WriteRequest } from './batch-write.js';
import { decodeChunks, GzipJsonArray, putChunks, splitChunks } from './chunks.js';
import { expiresAfterDays, snapshotKeys, TTL_ATTRIBUTE } from './keys.js';
import { type Item, TableClient } from './table-client.js';

export interface RoomSnapshot {
  accountId: string;
  region: string;
  /** When the audit that saw these rooms started (ISO 8601). */
  takenAt: string;
  rooms: RoomDocument[];
}

/** A snapshot not replaced for this long is dropped (a complete audit replaces it every run). */
export const SNAPSHOT_RETENTION_DAYS = 30;
/** Reads of one snapshot that may each meet a replacement between META and its chunks. */
const READ_ATTEMPTS = 3;
const LEGACY_CHUNK = /^CHUNK#\d{4}$/;

export class RoomSnapshotStore {
  private readonly table: TableClient;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.table = new TableClient(client, tableName);
  }

  /** Replaces the target's snapshot (see `putGzipped`). */
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

  /**
   * Replaces the target's snapshot with the documents gathered gzip'd as they arrived (how an audit
   * collects them): the new generation's chunks, then META switching readers to them (only if no
   * newer audit's snapshot is in place: an older audit finishing late never replaces a newer one),
   * then the index entry; the other generations' chunks are deleted last.
   */
  async putGzipped(accountId: string, region: string, takenAt: string, array: GzipJsonArray): Promise<void> {
    const rooms = array.length;
    const chunks = splitChunks(array.finish(), `the room snapshot of ${accountId}/${region}`);
    const pk = snapshotKeys.pk({ accountId, region });
    const generation = `${takenAt}.${randomBytes(4).toString('hex')}`;
    const prefix = snapshotKeys.generationPrefix(generation);
    const expiresAt = expiresAfterDays(this.now().getTime(), SNAPSHOT_RETENTION_DAYS);
    const attributes = { takenAt, generation, [TTL_ATTRIBUTE]: expiresAt };
    await putChunks({ table: this.table, pk, prefix, chunks, attributes });
    const meta = { ...attributes, rooms, chunks: chunks.length, accountId, region };
    const { doc, name: tableName } = this.table;
    const switched = await this.table.conditionally(() =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk, sk: snapshotKeys.meta, ...meta },
          ConditionExpression: 'attribute_not_exists(#g) OR #g < :g',
          ExpressionAttributeNames: { '#g': 'generation' },
          ExpressionAttributeValues: { ':g': generation },
        }),
      ),
    );
    if (switched === undefined) {
      // A newer audit's snapshot is in place: this one is not wanted, its chunks go.
      await this.deleteChunks(pk, (sk) => sk.startsWith(prefix));
      return;
    }
    await this.table.writing(() =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: snapshotKeys.indexPk, sk: snapshotKeys.indexSk({ accountId, region }), ...meta },
        }),
      ),
    );
    // Only older generations (and the layout before generations): a newer audit may have written its
    // chunks and not yet switched META to them; deleting those would leave META naming missing chunks.
    await this.deleteChunks(pk, (sk) => chunkGeneration(sk) < generation);
  }

  /** Every stored snapshot, by account then region; one snapshot's documents are held at a time. */
  async *list(): AsyncIterable<RoomSnapshot> {
    for await (const entry of this.query(snapshotKeys.indexPk, '')) {
      const snapshot = await this.get(String(entry.accountId), String(entry.region));
      if (snapshot) yield snapshot;
    }
  }

  /**
   * The target's snapshot, or undefined when it has none. META first, then the chunks of the
   * generation it names; when those are gone (a write replaced the snapshot in between and deleted
   * them), META is read again.
   */
  async get(accountId: string, region: string): Promise<RoomSnapshot | undefined> {
    const pk = snapshotKeys.pk({ accountId, region });
    const what = `the room snapshot of ${accountId}/${region} in state table ${this.table.name}`;
    let problem = '';
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const meta = await this.meta(pk);
      if (!meta) return undefined;
      const generation = meta.generation === undefined ? undefined : String(meta.generation);
      const takenAt = String(meta.takenAt);
      const total = Number(meta.chunks);
      const parts = await this.chunksOf(pk, generation, total);
      if (parts.length === total) {
        const rooms = await decodeChunks(parts, total, what);
        if (!Array.isArray(rooms)) throw new AuditorError(`${what} holds no list of rooms`);
        return { accountId, region, takenAt, rooms: rooms as RoomDocument[] };
      }
      problem = `${parts.length} of ${total} chunks`;
    }
    throw new AuditorError(
      `${what} is incomplete: an audit is probably replacing it right now; try again in a minute (${problem})`,
    );
  }

  /** The target's META, unless it has expired (TTL deletes it some time later). */
  private async meta(pk: string): Promise<Item | undefined> {
    const nowSeconds = this.now().getTime() / 1000;
    for await (const item of this.table.query({ pk, skPrefix: snapshotKeys.meta, consistent: true })) {
      if (item.sk !== snapshotKeys.meta) continue;
      const expiresAt = item[TTL_ATTRIBUTE];
      return typeof expiresAt === 'number' && expiresAt <= nowSeconds ? undefined : item;
    }
    return undefined;
  }

  /** The chunks of one generation in order, as far as they run unbroken from the first. */
  private async chunksOf(pk: string, generation: string | undefined, total: number): Promise<Uint8Array[]> {
    const prefix =
      generation === undefined ? snapshotKeys.chunkPrefix : snapshotKeys.generationPrefix(generation);
    const parts: Uint8Array[] = [];
    for await (const item of this.table.query({ pk, skPrefix: prefix, consistent: true })) {
      const sk = String(item.sk);
      if (generation === undefined && !LEGACY_CHUNK.test(sk)) continue;
      if (snapshotKeys.chunkNumber(sk) !== parts.length || parts.length === total) break;
      parts.push(item.data as Uint8Array);
    }
    return parts;
  }

  /** Deletes the target's chunk items whose sort key `doomed` picks. */
  private async deleteChunks(pk: string, doomed: (sk: string) => boolean): Promise<void> {
    const stale: WriteRequest[] = [];
    for await (const item of this.query(pk, snapshotKeys.chunkPrefix, 'sk')) {
      const sk = String(item.sk);
      if (doomed(sk)) stale.push({ DeleteRequest: { Key: { pk, sk } } });
    }
    await this.table.writing(() => this.table.batchWrite(stale));
  }

  private query(pk: string, skPrefix: string, projection?: string): AsyncGenerator<Item> {
    return this.table.query({ pk, skPrefix, ...(projection ? { projection } : {}) });
  }
}

/** The generation a chunk's sort key names (`CHUNK#<generation>#<4 digits>`); '' for the layout before generations. */
function chunkGeneration(sk: string): string {
  const first = sk.indexOf('#');
  const last = sk.lastIndexOf('#');
  return last > first ? sk.slice(first + 1, last) : '';
}
