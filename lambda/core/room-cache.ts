import type { RoomDocument } from './types.js';

/** A room document as last fetched with GetRoom. */
export interface CachedRoom {
  arn: string;
  updateTime?: string;
  fetchedAt: string;
  doc: RoomDocument;
}

export interface FetchPlanOptions {
  now: string;
  /** Re-fetch a cached room after this long even when its updateTime did not move. */
  fullRefreshHours: number;
  /** False when no policy reads a field only GetRoom returns: the list summary is the whole story. */
  needGetRoom: boolean;
}

export interface FetchPlan {
  /** The document to audit without calling GetRoom, or undefined when GetRoom is needed. */
  resolve(summary: RoomDocument): RoomDocument | undefined;
  /** Lower first: never-fetched rooms, then changed ones, then the longest-cached. */
  priority(summary: RoomDocument): number;
}

/**
 * Decides which listed rooms need GetRoom. Pure. A room is reused from the cache when its
 * `updateTime` has not moved and its copy is younger than `fullRefreshHours`; the summary's own
 * fields (tags, handler, logging) still win, as they come from this run's list.
 */
export function planFetches(cache: ReadonlyMap<string, CachedRoom>, options: FetchPlanOptions): FetchPlan {
  const now = Date.parse(options.now);
  const maxAgeMs = options.fullRefreshHours * 3_600_000;
  return {
    resolve(summary) {
      if (!options.needGetRoom) return summary;
      const cached = cache.get(summary.arn);
      if (!cached || cached.updateTime !== summary.updateTime) return undefined;
      if (now - Date.parse(cached.fetchedAt) >= maxAgeMs) return undefined;
      return { ...cached.doc, ...summary };
    },
    priority(summary) {
      const cached = cache.get(summary.arn);
      if (!cached) return -2;
      if (cached.updateTime !== summary.updateTime) return -1;
      return Date.parse(cached.fetchedAt) || 0;
    },
  };
}

/** What the cache should hold after a region's inventory: fresh copies in, rooms confirmed gone out. */
export function cacheChanges(
  fetched: readonly RoomDocument[],
  deleted: readonly string[],
  cache: ReadonlyMap<string, CachedRoom>,
  now: string,
): { upserts: CachedRoom[]; removals: string[] } {
  const upserts = fetched.map((doc) => ({
    arn: doc.arn,
    ...(doc.updateTime ? { updateTime: doc.updateTime } : {}),
    fetchedAt: now,
    doc,
  }));
  return { upserts, removals: deleted.filter((arn) => cache.has(arn)) };
}
