/**
 * A JSON value too large for one DynamoDB item, stored as gzip'd JSON cut into numbered chunk items
 * (`<prefix><chunk 4>`). Shared by a run's target outcomes and the room snapshots.
 */
import { promisify } from 'node:util';
import { gunzip, gzip, gzipSync } from 'node:zlib';
import { AuditorError } from '../core/errors.js';
import type { WriteRequest } from './batch-write.js';
import type { TableClient } from './table-client.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** DynamoDB caps an item at 400 KB; a chunk leaves room for the keys and attribute names. */
export const CHUNK_BYTES = 300 * 1024;
/** Four digits of chunk number: 10,000 × 300 KB ≈ 3 GB, far more than anything stored this way. */
export const MAX_CHUNKS = 10_000;

export const chunkKey = (prefix: string, chunk: number) => `${prefix}${String(chunk).padStart(4, '0')}`;

/** The gzip'd JSON of `value` in chunks; `what` names the value in errors ("the outcome of target 3"). */
export async function encodeChunks(value: unknown, what: string): Promise<Uint8Array[]> {
  const json = JSON.stringify(value);
  if (json === undefined) throw new AuditorError(`${what} is not a JSON value`);
  return splitChunks(await gzipAsync(json), what);
}

/** Gzip'd data cut into chunks. */
export function splitChunks(zipped: Uint8Array, what: string): Uint8Array[] {
  const count = Math.max(1, Math.ceil(zipped.length / CHUNK_BYTES));
  if (count > MAX_CHUNKS) throw new AuditorError(`${what} is too large (${zipped.length} bytes gzip'd)`);
  return Array.from({ length: count }, (_, i) => zipped.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
}

/** Text gzip'd once this much of it is pending: the array is held compressed, a few ms of work each. */
const FLUSH_CHARS = 256 * 1024;

/**
 * A JSON array built item by item and held gzip'd as it grows (concatenated gzip members, which
 * gunzip reads as one stream): 50,000 room documents take a few megabytes instead of some fifty.
 */
export class GzipJsonArray {
  private readonly members: Buffer[] = [];
  private pending: string[] = [];
  private pendingChars = 0;
  private items = 0;

  get length(): number {
    return this.items;
  }

  push(value: unknown): void {
    const json = JSON.stringify(value) ?? 'null';
    this.add(`${this.items === 0 ? '[' : ','}${json}`);
    this.items++;
  }

  /** The whole array, gzip'd; the builder is spent. */
  finish(): Buffer {
    this.add(this.items === 0 ? '[]' : ']');
    this.flush();
    return Buffer.concat(this.members);
  }

  private add(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.members.push(gzipSync(this.pending.join('')));
    this.pending = [];
    this.pendingChars = 0;
  }
}

/** The value back from all its chunks, in order. */
export async function decodeChunks(
  parts: readonly Uint8Array[],
  total: number,
  what: string,
): Promise<unknown> {
  if (parts.length !== total) {
    throw new AuditorError(`${what} is incomplete (${parts.length} of ${total} chunks)`);
  }
  try {
    return JSON.parse((await gunzipAsync(Buffer.concat(parts))).toString('utf8'));
  } catch (cause) {
    throw new AuditorError(`${what} cannot be read: ${(cause as Error).message}`, { cause });
  }
}

/** Where a value's chunks live: one partition, sort keys `<prefix><n, 4 digits>`. */
export interface ChunkPlace {
  table: TableClient;
  pk: string;
  prefix: string;
}

export interface ChunkWrite extends ChunkPlace {
  chunks: readonly Uint8Array[];
  /** More attributes on every chunk item (its TTL, the version the chunk belongs to). */
  attributes?: Record<string, unknown>;
}

/** Writes the chunk items; writing again overwrites the earlier ones (see `deleteChunksFrom`). */
export async function putChunks(write: ChunkWrite): Promise<void> {
  const { pk, prefix, chunks, attributes } = write;
  function* puts(): Generator<WriteRequest> {
    for (const [n, data] of chunks.entries()) {
      yield {
        PutRequest: { Item: { pk, sk: chunkKey(prefix, n), data, chunks: chunks.length, ...attributes } },
      };
    }
  }
  await write.table.writing(() => write.table.batchWrite(puts()));
}

/**
 * Deletes the chunks numbered `from` and above that `existing` (the sort keys under `prefix`) lists:
 * a shorter value never reads back with a stale tail.
 */
export async function deleteChunksFrom(
  target: ChunkPlace,
  from: number,
  existing: AsyncIterable<Record<string, unknown>>,
): Promise<void> {
  const { pk, prefix } = target;
  const stale: WriteRequest[] = [];
  for await (const item of existing) {
    if (Number(String(item.sk).slice(prefix.length)) >= from) {
      stale.push({ DeleteRequest: { Key: { pk, sk: item.sk } } });
    }
  }
  await target.table.writing(() => target.table.batchWrite(stale));
}
