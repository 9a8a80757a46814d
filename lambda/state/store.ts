import type { FindingRecord, StoredState } from '../audit/lifecycle.js';

/** Where finding lifecycle state lives between runs (DynamoDB in the Lambda, a JSON file for the CLI). */
export interface StateStore {
  /**
   * The stored records as reconcile reads them (lambda/audit/lifecycle.ts `StoredState`): a store may
   * leave each finding's payload out, and read it by key (`fetch`) for the few a run needs whole.
   */
  load(): Promise<ReadonlyMap<string, StoredState>>;
  /**
   * The whole stored records of these (by fingerprint; one no longer stored is left out): what a run
   * resolves, and what some sink still lacks. Throws when they cannot be read.
   */
  fetch(states: readonly StoredState[]): Promise<Map<string, FindingRecord>>;
  /**
   * Writes changed records as they are. Called only after SNS accepted the run's notification, by a
   * store's only writer (the CLI's state file); a store other writers share claims instead (below).
   */
  save(changes: readonly FindingRecord[], now: string): Promise<void>;
  /**
   * Records some sink has not taken yet (`pendingSinks`), for a caller that has not loaded the state
   * (the org-scale aggregate step). Optional: without it such a caller retries nothing.
   */
  pending?(): Promise<FindingRecord[]>;
  /** Present when other writers share the store: then delivery claims, delivers, and settles. */
  shared?: SharedWrites;
}

/**
 * What a claim wrote, with nothing kept per change: a first audit of 145,823 findings is claimed,
 * delivered and settled with no object per finding beside the run's change records, which are left as
 * they were decided (`version`: the one decided against; the store wrote the one after it). What each
 * record was marked owed to is worked out again when asked (`owed`), as the claim worked it out.
 */
export interface Claimed {
  /**
   * The records written: the changes array itself when every change landed as it was decided;
   * otherwise each change or what was written instead of it (its redecision), a change dropped on a
   * conflict left out, in no promised order.
   */
  records: readonly FindingRecord[];
  /**
   * The stored items the claims replaced, by fingerprint, for `release` only: none for a finding that
   * was not stored (a first audit replaces nothing), none for a reminder (`ClaimRules.reminds`), and
   * none where the store has no undo to make.
   */
  replaced: ReadonlyMap<string, Record<string, unknown>>;
  /** The owed mark the claim wrote on one of `records` (undefined: owed to nobody). */
  owed(record: FindingRecord): OwedMark | undefined;
}

/** The sinks a claimed record is owed to, and the version whose delivery owes them. */
export interface OwedMark {
  pendingSinks: readonly string[];
  owedFor: number;
}

/** The version a claim of `record` writes: the one after the version it was decided against. */
export function claimedVersion(record: FindingRecord): number {
  return (record.version ?? 0) + 1;
}

/**
 * The owed mark a claim writes on `record`: its own (a record some sink still lacks, whose owed
 * delivery keeps its version), else the sinks `rules` say a change is owed to, for this claim's version.
 */
export function owedMark(record: FindingRecord, rules: Pick<ClaimRules, 'owedTo'>): OwedMark | undefined {
  const own = (record.pendingSinks?.length ?? 0) > 0;
  const sinks = own ? record.pendingSinks : rules.owedTo(record);
  if (!sinks?.length) return undefined;
  return { pendingSinks: sinks, owedFor: (own && record.owedFor) || claimedVersion(record) };
}

/** What delivery left owed of a claimed record. */
export interface Settlement {
  /** Sinks that still lack the record (its new `pendingSinks`). */
  lacking: readonly string[];
  /** A reminder some sink did not take: forget that people were told, so it is due again. */
  untold?: boolean;
}

/** A claimed record's settlement, given what it was owed; undefined: leave it as it was claimed. */
export type SettlementOf = (record: FindingRecord, owed: OwedMark | undefined) => Settlement | undefined;

/** The change to write instead when the stored record moved on since `mine` was decided (undefined: drop it). */
export type OnConflict = (
  mine: FindingRecord,
  current: FindingRecord | undefined,
) => FindingRecord | undefined;

export interface ClaimRules {
  /**
   * The sinks a change without `pendingSinks` of its own is owed to (undefined: none). Asked again
   * after the claim (`Claimed.owed`) instead of keeping an answer per record, so it must answer of a
   * record written as it did when the record was written.
   */
  owedTo(record: FindingRecord): readonly string[] | undefined;
  onConflict: OnConflict;
  /**
   * Whether the claim of `record` only tells people again of a finding they were told of (a
   * reminder). Such a claim owes no sink anything, so a store keeps no copy of the item it replaces:
   * the run a day after a first audit reminds of every finding, and copies of 145,823 whole items
   * held until settle were its peak. Released (no sink took the alert), the claim forgets the telling
   * instead of putting the item back: without `lastNotified` the reminder is due again, as after a
   * reminder a sink did not take (`Settlement.untold`). Optional: without it every replaced item is kept.
   */
  reminds?(record: FindingRecord): boolean;
}

/**
 * Conditional writes for a store that several writers share (the state table: the scheduled run, the
 * org-scale aggregate step and the change path record the same findings). See lambda/pipeline/deliver.ts.
 */
export interface SharedWrites {
  /**
   * Writes each change only while the stored record is still at the change's `version` and was not
   * observed after it; otherwise asks `onConflict` what to write instead, against the record as
   * stored now. Each record written is marked with what it is owed (`owedMark`). Returns what was
   * written; the change records themselves are left as they were.
   */
  claim(changes: readonly FindingRecord[], now: string, rules: ClaimRules): Promise<Claimed>;
  /**
   * Records what each claimed record still owes once delivery is over (only where nobody claimed it
   * since), as `settlement` says of it, asked one record at a time as it is written: no list of
   * settlements is built.
   */
  settle(claimed: Claimed, settlement: SettlementOf): Promise<void>;
  /**
   * Puts back what the claims replaced, deletes what they created, and makes the reminders due again
   * (each only where nobody wrote since): no sink took the alert.
   */
  release(claimed: Claimed): Promise<void>;
}

/** No state: every finding is new on every run. */
export const statelessStore: StateStore = {
  load: async () => new Map(),
  fetch: async () => new Map(),
  save: async () => {},
};
