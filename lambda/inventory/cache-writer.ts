/**
 * Room-cache entries written while the fetching goes on: GetRoom waits on the API budget most of the
 * time, so a batch written as it fills costs the run nothing, where writing every entry after the
 * last GetRoom added its whole time to each invocation. One write at a time, in order.
 */
import type { CachedRoom } from '../core/room-cache.js';
import type { Target } from '../core/types.js';
import type { RoomCacheStore } from '../state/room-cache-store.js';

/** Entries per write: a few seconds of GetRoom at the deployed budget, a fraction of a second scaled. */
const BATCH = 250;

export class CacheWriter {
  private pending: CachedRoom[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RoomCacheStore,
    private readonly target: Target,
  ) {}

  add(room: CachedRoom): void {
    this.pending.push(room);
    if (this.pending.length >= BATCH) this.send([]);
  }

  /** Writes what is left and removes `removals`; resolves once every write is done, or rejects with the first failure. */
  async flush(removals: readonly string[]): Promise<void> {
    this.send(removals);
    await this.writing;
  }

  private send(removals: readonly string[]): void {
    const rooms = this.pending;
    this.pending = [];
    const { accountId, region } = this.target;
    const next = this.writing.then(() => this.store.saveRooms(accountId, region, rooms, removals));
    // A failure is the caller's to hear at `flush`, not an unhandled rejection while fetching goes on.
    next.catch(() => undefined);
    this.writing = next;
  }
}
