/**
 * The state table's partition-key prefixes (keys.ts) the change path touches. The change function's role is
 * limited to them (`dynamodb:LeadingKeys`, lib/auditor/changes.ts); a test records every key the
 * change path reads and writes and checks it against these lists, so a new key cannot go unnoticed.
 *
 * Runs, targets, locks, health and snapshots belong to the scheduled engine alone; the remediation
 * trail (`TRAIL#`) is read to explain a finding the auditor fixed, and written by the audit function only.
 */

import { FINDING_PREFIX, FULL_AUDIT_DUE_PREFIX, ROOM_CACHE_PREFIX, TRAIL_PREFIX } from './keys.js';

/**
 * Partitions the change path writes (and deletes in: the finding migration, the room cache): finding
 * records (with the pre-region `FINDING#<account>` it migrates), the room cache, the full-audit-due mark.
 */
export const CHANGE_PATH_WRITES = [FINDING_PREFIX, ROOM_CACHE_PREFIX, FULL_AUDIT_DUE_PREFIX] as const;
/** Partitions the change path reads: what it writes, and the trail. */
export const CHANGE_PATH_READS = [...CHANGE_PATH_WRITES, TRAIL_PREFIX] as const;
