/**
 * What a target's audit leaves for the aggregate step: the reconciled result when it was audited, or
 * why it was not. Stored in the state table under the run (RunStore.putOutcome), never passed through
 * Step Functions (a target can have 100,000 findings; a payload is capped at 256 KiB).
 */
import type { FindingRecord } from '../audit/lifecycle.js';
import type { Finding, Report, Target } from '../core/types.js';
import type { TargetRemediation } from '../remediate/deployed.js';

export const OUTCOME_VERSION = 1;

export interface AuditedOutcome extends Target {
  version: typeof OUTCOME_VERSION;
  status: 'audited';
  /** The reconciled report (statuses, firstSeen) of this target. */
  report: Report;
  /** Fingerprints into `report.findings` (stored once, referenced here). */
  newFindings: string[];
  reminders: string[];
  /** Resolved findings are not in the report: they are carried whole. */
  resolvedFindings: Finding[];
  /** The records to write once the run's alert was delivered. */
  changes: FindingRecord[];
  /**
   * Records some sink still lacked when the target was read (a sink failed, or a delivery was
   * claimed and never finished): the run's alert sends them again. Absent in outcomes of earlier versions.
   */
  backlog?: FindingRecord[];
  /** Invocations the target took (a first audit of 50,000 rooms takes ~20). */
  iterations: number;
  /** What remediation (setting `remediation`: plan or apply) planned and did for this target; bounded. */
  remediation?: TargetRemediation;
}

export interface NotAuditedOutcome extends Target {
  version: typeof OUTCOME_VERSION;
  /**
   * `failed`: the target could not be audited (role not assumable, access denied, the step failed).
   * `skipped`: another run still holds the target's lock (overlap); not a failure of the target.
   */
  status: 'failed' | 'skipped';
  reason: string;
}

export type TargetOutcome = AuditedOutcome | NotAuditedOutcome;

/** Rebuilds the alert lists of an audited outcome (fingerprints → the report's findings). */
export function alertLists(outcome: AuditedOutcome): { newFindings: Finding[]; reminders: Finding[] } {
  const byFingerprint = new Map(outcome.report.findings.map((f) => [f.fingerprint, f]));
  const pick = (fingerprints: readonly string[]) =>
    fingerprints.flatMap((fp) => {
      const finding = byFingerprint.get(fp);
      return finding ? [finding] : [];
    });
  return { newFindings: pick(outcome.newFindings), reminders: pick(outcome.reminders) };
}

/** Reads back a stored outcome, refusing anything this version did not write. */
export function readOutcome(value: unknown): TargetOutcome | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const o = value as Partial<TargetOutcome>;
  if (o.version !== OUTCOME_VERSION || typeof o.accountId !== 'string' || typeof o.region !== 'string') {
    return undefined;
  }
  if (o.status === 'audited' && typeof (o as AuditedOutcome).report === 'object') return o as AuditedOutcome;
  if (
    (o.status === 'failed' || o.status === 'skipped') &&
    typeof (o as NotAuditedOutcome).reason === 'string'
  ) {
    return o as NotAuditedOutcome;
  }
  return undefined;
}
