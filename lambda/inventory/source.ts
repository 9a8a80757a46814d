/**
 * What an inventory source is to the pipeline: where the rooms of one run come from (the live
 * account, the rooms a change batch names, a saved rooms file) and what it hands back, evaluated.
 */
import type { Hold, StoredState } from '../audit/lifecycle.js';
import type { AuditError, Finding, RegionInventory, Report } from '../core/types.js';

/** Who the credentials belong to, or why that is not known (the error goes into the report). */
export type Identity =
  | { accountId: string; error?: undefined }
  | { accountId?: undefined; error: AuditError };

/** What an inventory source hands the pipeline: the evaluated rooms of one run. */
export interface InventoryRun {
  report: Report;
  inventories: RegionInventory[];
  /** Things the user should know that do not stop the run. */
  warnings?: string[];
  /** Why the caller cut the run short (--timeout, Ctrl-C); then nothing is delivered or recorded. */
  stopped?: string;
}

/** Where the rooms come from: the live account, the rooms of a change batch, or a saved rooms file. */
export interface InventorySource {
  /**
   * The audited account, asked before the state is loaded (the state is kept per account).
   * Absent for a saved file, whose room ARNs name their accounts.
   */
  identify?(): Promise<Identity>;
  audit(input: {
    identity: Identity | undefined;
    previous: ReadonlyMap<string, StoredState>;
    startedAt: string;
    /**
     * Set when the caller counts unchanged findings instead of holding them (Report.unchangedOpen):
     * a source that evaluates live rooms asks it of each finding `previous` holds; a source may
     * ignore it (every finding is then listed, which is always correct).
     */
    hold?: (finding: Finding, before: StoredState) => Hold;
  }): Promise<InventoryRun>;
}
