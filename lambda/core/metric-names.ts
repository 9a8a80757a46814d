/**
 * Every CloudWatch name the handler emits, in one place: the handler writes them and the stack's
 * alarms watch them (lib/ imports this file), so the two cannot drift apart.
 */

import { PRODUCT_NAME } from './product.js';

export const METRICS_NAMESPACE = 'IvsChatAuditor';
export const SERVICE_NAME = PRODUCT_NAME;
/** Every metric carries this dimension, valued by the function's AUDITOR_NAME (one per auditor instance). */
export const AUDITOR_DIMENSION = 'Auditor';

export const METRIC = {
  roomsAudited: 'RoomsAudited',
  findings: 'Findings',
  newFindings: 'NewFindings',
  resolvedFindings: 'ResolvedFindings',
  apiErrors: 'ApiErrors',
  auditComplete: 'AuditComplete',
  durationMs: 'DurationMs',
  /** Emitted only by a run without API errors: the missed-audit alarm watches it. */
  auditSucceeded: 'AuditSucceeded',
  /** Per state-machine run (the aggregate step): targets planned, audited, and not audited. */
  targetsPlanned: 'TargetsPlanned',
  targetsAudited: 'TargetsAudited',
  targetsNotAudited: 'TargetsNotAudited',
  /** The longest run of consecutive runs any one target was not audited in (alarm: ≥ N). */
  maxConsecutiveTargetFailures: 'MaxConsecutiveTargetFailures',
  runDurationMs: 'RunDurationMs',
  /** IVS Chat calls one audit-target invocation made (the dashboard sets them against the budget). */
  apiCalls: 'ApiCalls',
  /** Setting `remediation` plan or apply, per run: changes planned; made, skipped, failed; targets a guard stopped. */
  remediationPlanned: 'RemediationPlanned',
  remediationApplied: 'RemediationApplied',
  remediationSkipped: 'RemediationSkipped',
  remediationFailed: 'RemediationFailed',
  remediationGuardTripped: 'RemediationGuardTripped',
} as const;

/**
 * Findings a sink still owes after a run (0 when it took everything): `SinkUndelivered_securityhub`, …
 * Emitted for every configured sink, so an alarm on it sees a lagging sink and its recovery.
 */
export const sinkUndeliveredMetric = (sink: string): string => `SinkUndelivered_${sink}`;

/** Per-severity finding counts: `Findings_high`, … */
export const findingsBySeverityMetric = (severity: string): string => `Findings_${severity}`;

/** The change path (one batch of IVS Chat change events; lambda/modes/changes/batch.ts). */
export const CHANGE_METRIC = {
  events: 'ChangeEvents',
  ignored: 'ChangeEventsIgnored',
  getRoomCalls: 'ChangeGetRoomCalls',
  /** Targets a storm left to their next full audit (marked due). */
  fullAuditsDue: 'ChangeFullAuditsDue',
  /** Targets whose changes failed and are retried (their messages in batchItemFailures). */
  targetsFailed: 'ChangeTargetsFailed',
} as const;
