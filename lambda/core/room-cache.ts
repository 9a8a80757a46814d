import { sourceOf } from './room-fields.js';
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

/**
 * The cache entry for a document fetched now: its `updateTime`, and only the fields GetRoom alone
 * returns (core/room-fields.ts): every run's list brings the summary's fresh and `resolve` lets them
 * win, and joined or derived facts are made afresh each run (a logging configuration that changes
 * state must be noticed though no room changed). Two numbers today instead of the whole room: 50,000
 * rooms fit in a few megabytes.
 */
export function cachedRoom(doc: RoomDocument, now: string): CachedRoom {
  const rest: RoomDocument = { arn: doc.arn };
  for (const [key, value] of Object.entries(doc)) {
    if (key !== 'arn' && sourceOf(key) === 'getRoom') rest[key] = value;
  }
  return doc.updateTime
    ? { arn: doc.arn, updateTime: doc.updateTime, fetchedAt: now, doc: rest }
    : { arn: doc.arn, fetchedAt: now, doc: rest };
}
