/**
 * Every CloudWatch name the handler emits, in one place: the handler writes them and the stack's
 * alarms watch them (lib/ imports this file), so the two cannot drift apart.
 */
export const METRICS_NAMESPACE = 'IvsChatAuditor';
export const SERVICE_NAME = 'ivschat-auditor';

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
} as const;

/** Per-severity finding counts: `Findings_high`, … */
export const findingsBySeverityMetric = (severity: string): string => `Findings_${severity}`;
