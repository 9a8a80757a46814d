import type { FindingRecord } from '../core/lifecycle.js';

/** Where finding lifecycle state lives between runs (DynamoDB in the Lambda, a JSON file for the CLI). */
export interface StateStore {
  load(): Promise<Map<string, FindingRecord>>;
  /** Writes changed records. Called only after SNS accepted the run's notification. */
  save(changes: readonly FindingRecord[], now: string): Promise<void>;
  /**
   * Records some sink has not taken yet (`pendingSinks`), for a caller that has not loaded the state
   * (the org-scale aggregate step). Optional: without it such a caller retries nothing.
   */
  pending?(): Promise<FindingRecord[]>;
}

/** No state: every finding is new on every run. */
export const statelessStore: StateStore = {
  load: async () => new Map(),
  save: async () => {},
};
