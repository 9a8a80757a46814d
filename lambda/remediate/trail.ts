import type { FieldValues } from '../core/fix.js';

/** One line of the audit trail: a change applied, skipped or failed, or an undo of one. */
export interface TrailEntry {
  changeId: string;
  /** `fix` writes a policy's fix; `undo` restores what a fix changed (`undoOf` names it). */
  kind: 'fix' | 'undo';
  undoOf?: string;
  outcome: 'applied' | 'skipped' | 'failed';
  /** Why a change was skipped or failed. */
  reason?: string;
  policyId: string;
  accountId: string;
  region: string;
  roomArn: string;
  roomName: string;
  /** The fields as they were (read just before the write) and as written; null: absent. */
  before: FieldValues;
  after: FieldValues;
  /** The room's updateTime before and after the write: an undo requires the second unchanged. */
  updateTimeBefore?: string;
  updateTimeAfter?: string;
  /** ISO 8601 time of the entry. */
  time: string;
  /** Who made the change: the caller's STS ARN. */
  actor: string;
}

/** Where changes are recorded: a JSONL file for the CLI, the state table for the deployed stack. */
export interface Trail {
  append(entry: TrailEntry): Promise<void>;
  /** Every entry recorded, oldest first. */
  entries(): Promise<TrailEntry[]>;
}

/** A fix the trail records as applied, and the undo of it, if one was applied. */
export interface PriorApplication {
  applied: TrailEntry;
  undone?: TrailEntry;
}

/**
 * The fixes `entries` record as applied, by change id: a plan applied again skips them instead of
 * finding their rooms "changed since the plan" (they were: by this tool).
 */
export function appliedFixes(entries: readonly TrailEntry[]): Map<string, PriorApplication> {
  const applied = new Map<string, PriorApplication>();
  for (const e of entries) {
    if (e.outcome !== 'applied') continue;
    if (e.kind === 'fix') applied.set(e.changeId, { applied: e });
    else if (e.undoOf) {
      const prior = applied.get(e.undoOf);
      if (prior) prior.undone = e;
    }
  }
  return applied;
}
