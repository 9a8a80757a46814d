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

/** A change this writer holds: what it wrote, and the item it replaced (to undo it). */
export interface Claim {
  /** The change as decided (not a copy: its `version` is the one it was decided against). */
  record: FindingRecord;
  /** The stored version the claim wrote. */
  version: number;
  /** The sinks the claim marked it owed to, and the version that owes them (`owedFor`). */
  pendingSinks?: string[];
  owedFor?: number;
  /** The stored item the claim replaced (undefined: there was none). */
  replaced?: Record<string, unknown>;
}

/** What delivery left owed of a claimed record. */
export interface Settlement {
  claim: Claim;
  /** Sinks that still lack the record (its new `pendingSinks`). */
  lacking: readonly string[];
  /** A reminder some sink did not take: forget that people were told, so it is due again. */
  untold?: boolean;
}

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
   * stored now. Returns what was written.
   */
  claim(changes: readonly FindingRecord[], now: string, rules: ClaimRules): Promise<Claim[]>;
  /** Records what each claimed record still owes once delivery is over (only where nobody claimed it since). */
  settle(settlements: readonly Settlement[]): Promise<void>;
  /** Puts back what the claims replaced (only where nobody wrote since): no sink took the alert. */
  release(claims: readonly Claim[]): Promise<void>;
}

/** No state: every finding is new on every run. */
export const statelessStore: StateStore = {
  load: async () => new Map(),
  fetch: async () => new Map(),
  save: async () => {},
};
