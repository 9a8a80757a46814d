/**
 * The metrics of a finished run, for the single-account run and the state machine's aggregate step
 * alike: the same names for the same counts, whichever mode ran the audit. What differs between the
 * modes is passed in, not written twice.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { findingsBySeverityMetric, METRIC } from '../core/metric-names.js';
import { SEVERITIES, type Severity } from '../core/types.js';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** One metric, in the order the mode emits it. */
export interface MetricEntry {
  name: string;
  unit: Unit;
  value: number;
}

/** What every run counts. */
export interface RunCounts {
  roomsAudited: number;
  findings: number;
  newFindings: number;
  resolvedFindings: number;
  errors: number;
  complete: boolean;
}

export interface RunMetrics {
  /** What only this mode measures, before the run's counts (the aggregate step's targets). */
  before?: readonly MetricEntry[];
  counts: RunCounts;
  /** What only this mode measures, after the run's counts (durations, sinks lagging). */
  after?: readonly MetricEntry[];
  /** The findings counted per severity. */
  bySeverity: readonly { severity: Severity }[];
  /** Findings counted but not listed (Report.unchangedOpen), per severity: added to `bySeverity`'s. */
  countedBySeverity?: Readonly<Record<Severity, number>>;
  /**
   * `true`: a severity without findings is emitted as 0 (the aggregate step: a chart line drops to 0
   * instead of stopping); `false`: it is left out (the single-account run).
   */
  severityZeros: boolean;
  /** After the severities: what only this mode measures (remediation). */
  last?: readonly MetricEntry[];
  /**
   * Emits `AuditSucceeded`, which feeds the missed-audit alarm. Each mode says what success is: the
   * single-account run succeeds without API errors even when cut short by its deadline (the next run
   * continues); a state-machine run succeeds only when every target was audited completely.
   */
  succeeded: boolean;
}

export const count = (name: string, value: number): MetricEntry => ({ name, unit: MetricUnit.Count, value });

export function emitRunMetrics(metrics: Metrics, run: RunMetrics): void {
  const { counts } = run;
  const entries: MetricEntry[] = [
    ...(run.before ?? []),
    count(METRIC.roomsAudited, counts.roomsAudited),
    count(METRIC.findings, counts.findings),
    count(METRIC.newFindings, counts.newFindings),
    count(METRIC.resolvedFindings, counts.resolvedFindings),
    count(METRIC.apiErrors, counts.errors),
    count(METRIC.auditComplete, counts.complete ? 1 : 0),
    ...(run.after ?? []),
  ];
  for (const severity of SEVERITIES) {
    const found =
      run.bySeverity.filter((f) => f.severity === severity).length + (run.countedBySeverity?.[severity] ?? 0);
    if (found > 0 || run.severityZeros) entries.push(count(findingsBySeverityMetric(severity), found));
  }
  entries.push(...(run.last ?? []));
  if (run.succeeded) entries.push(count(METRIC.auditSucceeded, 1));
  for (const { name, unit, value } of entries) metrics.addMetric(name, unit, value);
}
