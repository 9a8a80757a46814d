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
