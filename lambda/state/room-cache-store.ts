import type { CachedRoom } from '../core/room-cache.js';

/** Where the last fetched room documents live between runs, per account and region. */
export interface RoomCacheStore {
  loadRooms(accountId: string, region: string): Promise<Map<string, CachedRoom>>;
  saveRooms(
    accountId: string,
    region: string,
    upserts: readonly CachedRoom[],
    removals: readonly string[],
  ): Promise<void>;
}
