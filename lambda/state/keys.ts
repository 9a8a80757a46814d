/**
 * Every key of the state table, and its TTL attribute. One table holds all the auditor's state under
 * string `pk`/`sk`; each kind of item has its partition-key prefix, and this file is the only place
 * that spells one. Stored items are read back by these same builders: a key changed here strands
 * every item written before, so the layouts below never change (the legacy finding key stays
 * readable for that reason).
 *
 * - `FINDING#<account>#<region>` / `<fingerprint>`: a finding's lifecycle (target-store.ts);
 *   `FINDING#<account>` / `<fingerprint>`: the pre-region layout, read and migrated.
 * - `ROOM#<account>#<region>` / `<room arn>`: the room cache (dynamo-room-cache.ts).
 * - `FULLAUDIT#<account>#<region>` / `DUE`: a storm left the target to a full audit (full-audit-due.ts).
 * - `TRAIL#<account>#<region>` / `<time ISO>#<changeId>`: the remediation trail (remediate/trail-table.ts).
 * - `RUN#<runId>` / `TARGET#<index 6>`, `PLAN`, `RESULT#<index 6>#<chunk 4>`: one org-scale run (run-store.ts);
 *   `LISTING#<index 6>#META`, `LISTING#<index 6>#ROOMS#<generation 6>#<chunk 4>`,
 *   `LISTING#<index 6>#QUEUE#<generation 6>#<chunk 4>`: a target's listing kept across invocations (run-listing.ts).
 * - `LOCK#<account>#<region>` / `LOCK` and `HEALTH#<account>#<region>` / `HEALTH`: per target, across runs.
 * - `SNAPSHOT#<account>#<region>` / `CHUNK#<generation>#<chunk 4>` (`CHUNK#<chunk 4>` before generations),
 *   `META`; `SNAPSHOTS` / `<account>#<region>`:
 *   the room snapshots and their index (room-snapshot.ts).
 * - `IACSTACK#<account>#<region>` / `<stack id>`: what a stack declares for its rooms, per stack
 *   version, for the IaC drift check (stack-rooms.ts).
 */
import type { Target } from '../core/types.js';

/** The attribute DynamoDB expires items by (epoch seconds): resolved findings, run items, locks, marks, the trail. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** The TTL of an item kept `days` days from `fromMs` (epoch milliseconds), in whole seconds. */
export function expiresAfterDays(fromMs: number, days: number): number {
  return Math.floor(fromMs / 1000) + days * 86_400;
}

/** The TTL of an item that must last until `until`: rounded up, so it outlives `until`, never falls short. */
export function expiryOf(until: Date): number {
  return Math.ceil(until.getTime() / 1000);
}

/** The partition-key prefixes (each ends in `#`; IAM conditions grant partitions by prefix). */
export const FINDING_PREFIX = 'FINDING#';
export const ROOM_CACHE_PREFIX = 'ROOM#';
export const FULL_AUDIT_DUE_PREFIX = 'FULLAUDIT#';
export const TRAIL_PREFIX = 'TRAIL#';
const RUN_PREFIX = 'RUN#';
const LOCK_PREFIX = 'LOCK#';
const HEALTH_PREFIX = 'HEALTH#';
const SNAPSHOT_PREFIX = 'SNAPSHOT#';
export const STACK_ROOMS_PREFIX = 'IACSTACK#';

/** A key of one item. */
export interface ItemKey {
  pk: string;
  sk: string;
}

const ofTarget = (prefix: string, t: Target) => `${prefix}${t.accountId}#${t.region}`;
const digits = (n: number, width: number) => String(n).padStart(width, '0');

/** Finding records: one partition per target. */
export const findingKeys = {
  pk: (t: Target) => ofTarget(FINDING_PREFIX, t),
  /** Before regions had partitions of their own, every region of an account shared this one. */
  legacyPk: (accountId: string) => `${FINDING_PREFIX}${accountId}`,
  item: (t: Target, fingerprint: string): ItemKey => ({ pk: findingKeys.pk(t), sk: fingerprint }),
};

/** The room cache: one item per room, the sort key its ARN. */
export const roomCacheKeys = {
  pk: (t: Target) => ofTarget(ROOM_CACHE_PREFIX, t),
};

/** The full-audit-due mark of a target. */
export const fullAuditDueKey = (t: Target): ItemKey => ({
  pk: ofTarget(FULL_AUDIT_DUE_PREFIX, t),
  sk: 'DUE',
});

/** The remediation trail: sorted by time, so one Query reads the entries since a moment. */
export const trailKeys = {
  pk: (t: Target) => ofTarget(TRAIL_PREFIX, t),
  sk: (entry: { time: string; changeId: string }) => `${entry.time}#${entry.changeId}`,
};

/** Six digits of target index keep a run's items in index order. */
export const MAX_RUN_TARGETS = 1_000_000;

/** The items of one org-scale run. */
export const runKeys = {
  pk: (runId: string) => `${RUN_PREFIX}${runId}`,
  plan: 'PLAN',
  targetPrefix: 'TARGET#',
  target: (index: number) => `${runKeys.targetPrefix}${digits(index, 6)}`,
  /** The index a target item's sort key names. */
  targetIndex: (sk: string) => Number(sk.slice(runKeys.targetPrefix.length)),
  resultPrefix: 'RESULT#',
  /** The chunks of one target's outcome (the chunk number follows: chunks.ts). */
  result: (index: number) => `${runKeys.resultPrefix}${digits(index, 6)}#`,
  /** The target index and chunk number a result item's sort key names (undefined: not a result key). */
  resultPosition: (sk: string): { index: number; chunk: number } | undefined => {
    const [, index, chunk] = sk.split('#').map(Number);
    return index === undefined || chunk === undefined ? undefined : { index, chunk };
  },
  /** A target's listing: its progress item and, per generation, its rooms and its fetch queue in chunks. */
  listingMeta: (index: number) => `LISTING#${digits(index, 6)}#META`,
  listingRooms: (index: number, generation: number) =>
    `LISTING#${digits(index, 6)}#ROOMS#${digits(generation, 6)}#`,
  listingQueue: (index: number, generation: number) =>
    `LISTING#${digits(index, 6)}#QUEUE#${digits(generation, 6)}#`,
};

/** Which run audits a target, until when. */
export const lockKey = (t: Target): ItemKey => ({ pk: ofTarget(LOCK_PREFIX, t), sk: 'LOCK' });

/** A target's consecutive failed runs. */
export const healthKey = (t: Target): ItemKey => ({ pk: ofTarget(HEALTH_PREFIX, t), sk: 'HEALTH' });

/**
 * The room snapshots. Every partition key starts with `SNAPSHOT`, so one IAM `dynamodb:LeadingKeys`
 * condition (`SNAPSHOT*`) grants a reader these items and nothing else.
 */
export const snapshotKeys = {
  pk: (t: Target) => ofTarget(SNAPSHOT_PREFIX, t),
  meta: 'META',
  chunkPrefix: 'CHUNK#',
  /** The number a chunk item's sort key names. */
  chunkNumber: (sk: string) => Number(sk.slice(sk.lastIndexOf('#') + 1)),
  /** The chunks of one write (generation) of a snapshot: `CHUNK#<generation>#<4 digits>`. */
  generationPrefix: (generation: string) => `${snapshotKeys.chunkPrefix}${generation}#`,
  /** The index of targets with a snapshot, so listing them is a Query, never a Scan of the whole table. */
  indexPk: 'SNAPSHOTS',
  indexSk: (t: Target) => `${t.accountId}#${t.region}`,
};

/** What each stack declares for its rooms: one item per stack, the sort key its stack id (ARN). */
export const stackRoomsKey = (t: Target, stackId: string): ItemKey => ({
  pk: ofTarget(STACK_ROOMS_PREFIX, t),
  sk: stackId,
});
