import type { CachedRoom } from '../core/room-cache.js';
import type { RoomCacheStore } from './room-cache-store.js';

/** Room cache held in memory, for one process: tests, the benchmark, a one-off run. */
export class MemoryRoomCache implements RoomCacheStore {
  readonly data = new Map<string, Map<string, CachedRoom>>();
  async loadRooms(accountId: string, region: string): Promise<Map<string, CachedRoom>> {
    return new Map(this.data.get(`${accountId}/${region}`));
  }
  async saveRooms(
    accountId: string,
    region: string,
    upserts: readonly CachedRoom[],
    removals: readonly string[],
  ): Promise<void> {
    const rooms = this.data.get(`${accountId}/${region}`) ?? new Map<string, CachedRoom>();
    for (const r of upserts) rooms.set(r.arn, r);
    for (const arn of removals) rooms.delete(arn);
    this.data.set(`${accountId}/${region}`, rooms);
  }
}
