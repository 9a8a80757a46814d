/**
 * One target's listing kept across the invocations of one state-machine run: the room summaries
 * ListRooms returned, where ListRooms stopped (its `nextToken`, when the deadline cut the listing
 * short), and the rooms still to fetch in the order the audit fetches them. The first invocation of a
 * large target lists; later ones only fetch (`inventory/listed-fetch.ts`), and the one that completes
 * evaluates every room from these summaries and the room cache.
 *
 * Items (keys.ts) live under the run's partition with the run's TTL: a progress item (`META`) and, per
 * generation, the rooms and the queue as gzip'd JSON chunks (chunks.ts). A save writes a new
 * generation's chunks first and the progress item last, so a reader never sees a generation half
 * written; earlier generations are left to the TTL.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuditorError } from '../core/errors.js';
import type { RoomDocument } from '../core/types.js';
import { decodeChunks, encodeChunks, type GzipJsonArray, putChunks, splitChunks } from './chunks.js';
import { expiresAfterDays, runKeys, TTL_ATTRIBUTE } from './keys.js';
import { TableClient } from './table-client.js';

/** How far a target's audit got in the run: what the progress item holds. */
export interface ListingProgress {
  /** Counts up with each save; names the chunks of the rooms and queue saved with it. */
  generation: number;
  /** Room summaries listed so far. */
  listed: number;
  /** Where ListRooms continues; absent once every page has been read. */
  nextToken?: string;
  /** Rooms in the fetch queue, and how many of them have been fetched (the queue's cursor). */
  queued: number;
  fetched: number;
}

/** What a save stores: the rooms listed so far, where the listing stopped, the rooms left to fetch. */
export interface ListingSave {
  /** The summaries as listed, gzip'd as they came (the builder is spent by the save). */
  rooms: GzipJsonArray;
  nextToken?: string;
  queue: readonly string[];
}

export interface RunListingOptions {
  /** Days the items are kept (the table's TTL removes them), as the run's other items. @default 7 */
  ttlDays?: number;
  now?: () => Date;
}

/** The listing of target `index` of run `runId`. Reads are strongly consistent (an earlier invocation wrote). */
export class RunListingStore {
  private readonly table: TableClient;
  private readonly pk: string;
  private readonly ttlDays: number;
  private readonly now: () => Date;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    private readonly runId: string,
    private readonly index: number,
    options: RunListingOptions = {},
  ) {
    this.table = new TableClient(client, tableName);
    this.pk = runKeys.pk(runId);
    this.ttlDays = options.ttlDays ?? 7;
    this.now = options.now ?? (() => new Date());
  }

  /** The progress an earlier invocation saved, or undefined (none: the target has not been cut short). */
  async progress(): Promise<ListingProgress | undefined> {
    const item = await this.table.reading(() =>
      this.table.get({ pk: this.pk, sk: runKeys.listingMeta(this.index) }),
    );
    if (!item) return undefined;
    const progress = {
      generation: Number(item.generation),
      listed: Number(item.listed),
      ...(typeof item.nextToken === 'string' ? { nextToken: item.nextToken } : {}),
      queued: Number(item.queued),
      fetched: Number(item.fetched),
    };
    // Anyone who may write the table could have written this item: a cursor that is not a count
    // would fetch the wrong rooms, so it fails the step with what is wrong instead.
    const { generation, listed, queued, fetched } = progress;
    if (
      ![generation, listed, queued, fetched].every((n) => Number.isSafeInteger(n) && n >= 0) ||
      fetched > queued
    ) {
      throw new AuditorError(
        `${this.what('progress')} is not one this auditor wrote (counts ${JSON.stringify({ generation, listed, queued, fetched })})`,
      );
    }
    return progress;
  }

  /** The room summaries of `progress`, in list order. */
  async rooms(progress: ListingProgress): Promise<RoomDocument[]> {
    const value = await this.read(runKeys.listingRooms(this.index, progress.generation), 'rooms');
    if (!Array.isArray(value) || !value.every((r) => typeof (r as RoomDocument | null)?.arn === 'string')) {
      throw new AuditorError(`${this.what('rooms')} is not a list of room summaries this auditor wrote`);
    }
    return value as RoomDocument[];
  }

  /** The rooms of `progress` still to fetch, in order (those before its cursor are left out). */
  async queue(progress: ListingProgress): Promise<string[]> {
    const value = await this.read(runKeys.listingQueue(this.index, progress.generation), 'queue');
    if (!Array.isArray(value) || !value.every((arn) => typeof arn === 'string')) {
      throw new AuditorError(`${this.what('queue')} is not a list of room ARNs this auditor wrote`);
    }
    return value.slice(progress.fetched);
  }

  /** Stores a new generation: its chunks, then the progress item that makes it the current one. */
  async save(listing: ListingSave, previous: ListingProgress | undefined): Promise<ListingProgress> {
    const generation = (previous?.generation ?? 0) + 1;
    const what = this.what('listing');
    const rooms = splitChunks(listing.rooms.finish(), what);
    const queue = await encodeChunks(listing.queue, what);
    const attributes = { [TTL_ATTRIBUTE]: this.expiry() };
    const place = { table: this.table, pk: this.pk };
    await putChunks({
      ...place,
      prefix: runKeys.listingRooms(this.index, generation),
      chunks: rooms,
      attributes,
    });
    await putChunks({
      ...place,
      prefix: runKeys.listingQueue(this.index, generation),
      chunks: queue,
      attributes,
    });
    const progress: ListingProgress = {
      generation,
      listed: listing.rooms.length,
      ...(listing.nextToken !== undefined ? { nextToken: listing.nextToken } : {}),
      queued: listing.queue.length,
      fetched: 0,
    };
    await this.putProgress(progress);
    return progress;
  }

  /** Moves the queue's cursor: the rooms before it have been fetched (the room cache holds them). */
  async advance(progress: ListingProgress, fetched: number): Promise<ListingProgress> {
    const next = { ...progress, fetched };
    await this.putProgress(next);
    return next;
  }

  private async putProgress(progress: ListingProgress): Promise<void> {
    const item = {
      pk: this.pk,
      sk: runKeys.listingMeta(this.index),
      ...progress,
      [TTL_ATTRIBUTE]: this.expiry(),
    };
    await this.table.writing(() => this.table.batchWrite([{ PutRequest: { Item: item } }]));
  }

  private async read(prefix: string, part: string): Promise<unknown> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const item of this.table.query({ pk: this.pk, skPrefix: prefix, consistent: true })) {
      parts.push(item.data as Uint8Array);
      total = Number(item.chunks);
    }
    return decodeChunks(parts, total, this.what(part));
  }

  private what(part: string): string {
    return `run ${this.runId}: the ${part} of target ${this.index}`;
  }

  private expiry(): number {
    return expiresAfterDays(this.now().getTime(), this.ttlDays);
  }
}
