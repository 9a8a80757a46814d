/**
 * The invocations between a large target's first and its last in one run: GetRoom for the rooms the
 * run's kept listing still queues, in its order, into the room cache, and nothing else. No ListRooms,
 * no evaluation and no load of the room cache: the invocation that empties the queue evaluates every
 * room from the kept listing and the cache (live-audit.ts), so these invocations spend their time on
 * the API calls alone.
 */
import type { AwsConnection } from '../aws/clients.js';
import { ivschatClient } from '../aws/clients.js';
import { getRoomConcurrency, getRooms } from '../aws/inventory.js';
import { withApiBudget } from '../aws/rate-limit.js';
import { emptyInventory } from '../core/empty-inventory.js';
import { cachedRoom } from '../core/room-cache.js';
import type { Target } from '../core/types.js';
import type { RoomCacheStore } from '../state/room-cache-store.js';
import type { RunListingStore } from '../state/run-listing.js';
import { CacheWriter } from './cache-writer.js';

export interface ListedFetchOptions {
  target: Target;
  connection: AwsConnection;
  listing: RunListingStore;
  roomCache: RoomCacheStore;
  /** The fetch time the cache records: the run's start, so the last invocation takes them as fresh. */
  startedAt: string;
  /** Client-side calls per second; undefined = no client-side budget. */
  apiBudgetTps?: number;
  /** Parallel GetRoom calls in flight (the API budget decides the rate). */
  concurrency?: number;
  /** Stop starting GetRoom calls once this returns true (the invocation's deadline is near). */
  shouldStop?: () => boolean;
}

export interface ListedFetch {
  /** GetRoom calls made. */
  calls: number;
  /** Rooms still queued for a later invocation. */
  remaining: number;
}

/**
 * Fetches the queued rooms until the queue is empty or `shouldStop` says so, and moves the queue's
 * cursor past the rooms fetched. Undefined when there is nothing to fetch this way: no listing kept,
 * a listing the deadline cut short (the next audit continues it), or a queue already empty.
 */
export async function fetchListedRooms(options: ListedFetchOptions): Promise<ListedFetch | undefined> {
  const { listing, target } = options;
  const progress = await listing.progress();
  if (!progress || progress.nextToken !== undefined || progress.fetched >= progress.queued) return undefined;
  const queue = await listing.queue(progress);
  const client = ivschatClient(target.region, options.connection);
  if (options.apiBudgetTps) withApiBudget(client, options.apiBudgetTps);
  const inventory = emptyInventory(target.accountId, target.region);
  const writer = new CacheWriter(options.roomCache, target);
  try {
    await getRooms({
      client,
      arns: queue,
      inventory,
      concurrency: options.concurrency ?? getRoomConcurrency(options.apiBudgetTps),
      shouldStop: options.shouldStop ?? (() => false),
      onRoom: (doc) => writer.add(cachedRoom(doc, options.startedAt)),
    });
  } finally {
    client.destroy();
  }
  // A room gone (or refused) is left to the last invocation, which asks again and records the answer.
  await writer.flush(inventory.deleted);
  const pending = new Set(inventory.notReached);
  const stoppedAt = queue.findIndex((arn) => pending.has(arn));
  const done = stoppedAt < 0 ? queue.length : stoppedAt;
  await listing.advance(progress, progress.fetched + done);
  return { calls: inventory.calls.getRoom, remaining: queue.length - done };
}
