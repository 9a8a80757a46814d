import type { FindingRecord, StoredState } from '../audit/lifecycle.js';

/** Where finding lifecycle state lives between runs (DynamoDB in the Lambda, a JSON file for the CLI). */
export interface StateStore {
  /**
   * The stored records as reconcile reads them (lambda/audit/lifecycle.ts `StoredState`): a store may
   * leave each finding's payload out, and read it by key (`fetch`) for the few a run needs whole.
   */
  load(): Promise<Map<string, StoredState>>;
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
 * What a claim wrote. The change records are the run's own, so a claim adds nothing beside them: each
 * record it wrote carries the owed marks it was written with (`pendingSinks`, `owedFor`), and keeps the
 * `version` it was decided against (the store wrote the one after it). A first audit of 145,823
 * findings is claimed, delivered and settled with no other object per finding.
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
   * was not stored (a first audit replaces nothing), and none where the store has no undo to make.
   */
  replaced: ReadonlyMap<string, Record<string, unknown>>;
}

/** What delivery left owed of a claimed record. */
export interface Settlement {
  /** Sinks that still lack the record (its new `pendingSinks`). */
  lacking: readonly string[];
  /** A reminder some sink did not take: forget that people were told, so it is due again. */
  untold?: boolean;
}

/** A claimed record's settlement; undefined: leave it as it was claimed. */
export type SettlementOf = (record: FindingRecord) => Settlement | undefined;

/** The change to write instead when the stored record moved on since `mine` was decided (undefined: drop it). */
export type OnConflict = (
  mine: FindingRecord,
  current: FindingRecord | undefined,
) => FindingRecord | undefined;

export interface ClaimRules {
  /** The sinks a change without `pendingSinks` of its own is owed to (undefined: none). */
  owedTo(record: FindingRecord): readonly string[] | undefined;
  onConflict: OnConflict;
}

/**
 * Conditional writes for a store that several writers share (the state table: the scheduled run, the
 * org-scale aggregate step and the change path record the same findings). See lambda/pipeline/deliver.ts.
 */
export interface SharedWrites {
  /**
   * Writes each change only while the stored record is still at the change's `version` and was not
   * observed after it; otherwise asks `onConflict` what to write instead, against the record as
   * stored now. Marks each record written with what it is owed (`pendingSinks`, `owedFor`) and
   * returns what was written.
   */
  claim(changes: readonly FindingRecord[], now: string, rules: ClaimRules): Promise<Claimed>;
  /**
   * Records what each claimed record still owes once delivery is over (only where nobody claimed it
   * since), as `settlement` says of it, asked one record at a time as it is written: no list of
   * settlements is built.
   */
  settle(claimed: readonly FindingRecord[], settlement: SettlementOf): Promise<void>;
  /** Puts back what the claims replaced (only where nobody wrote since): no sink took the alert. */
  release(claimed: Claimed): Promise<void>;
}

/** No state: every finding is new on every run. */
export const statelessStore: StateStore = {
  load: async () => new Map(),
  fetch: async () => new Map(),
  save: async () => {},
};
