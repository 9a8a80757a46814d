/**
 * The aggregate step: the end of a run. Reads every target's outcome, sends ONE alert for the run
 * (grouped by account, with the targets that were not audited and why), then records each target's
 * finding state, and releases the run's target locks.
 *
 * At-least-once, as in the single-account run: each transition is claimed in the state table (owed
 * to every sink) before the alert goes out and settled after (lambda/pipeline/deliver.ts). If delivery fails the step fails (the state machine retries it, then the run fails and
 * its alarm fires); the locks are released anyway, so the next run audits those targets again and
 * sends what this one could not.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { NotAuditedTarget } from '../../alert/alert.js';
import { runAlert } from '../../alert/run-alert.js';
import { isFailing } from '../../audit/finding-state.js';
import type { FindingRecord } from '../../audit/lifecycle.js';
import { AuditorError } from '../../core/errors.js';
import { getOrCreate } from '../../core/maps.js';
import { findingsBySeverityMetric, METRIC } from '../../core/metric-names.js';
import { SEVERITIES, type Severity } from '../../core/types.js';
import { notifyAndRecord } from '../../pipeline/deliver.js';
import { storeByTarget, targetSinks } from '../../pipeline/routing.js';
import { clip, clipText } from '../../pipeline/run-summary.js';
import {
  type AuditedOutcome,
  alertLists,
  readOutcome,
  type TargetOutcome,
} from '../../pipeline/target-outcome.js';
import { TableTrail, unreportedSince } from '../../remediate/trail-table.js';
import { type EngineContext, runStore, targetHealth, targetLocks } from '../../runtime/context.js';
import type { PlannedTarget } from '../../state/run-store.js';
import type { AggregateEvent } from './events.js';

export const MAX_SUMMARY_NOT_AUDITED = 20;

/** What the aggregate step returns: counts and the first few names, never findings (≤ 16 KiB). */
export interface RunAggregate {
  runId: string;
  targets: number;
  targetsAudited: number;
  targetsNotAudited: number;
  /** Targets another run still held (overlap): not audited, not a failure. */
  targetsSkipped: number;
  /** The first `MAX_SUMMARY_NOT_AUDITED` targets not audited, with why. */
  notAudited: { accountId: string; region: string; reason: string }[];
  /**
   * Accounts the organization lists but not as ACTIVE (suspended, closed): not planned, so neither
   * audited nor failing. Their number, and the first `MAX_LISTED_INACTIVE` with their status.
   */
  inactiveAccounts?: { count: number; listed: { accountId: string; status: string }[] };
  accounts: number;
  roomsAudited: number;
  findings: number;
  newFindings: number;
  resolvedFindings: number;
  reminders: number;
  errors: number;
  complete: boolean;
  published: number;
  messageIds: string[];
  durationMs: number;
  /** Setting `remediation` plan or apply: changes planned, and made, skipped or failed, over all targets. */
  remediation?: RemediationCounts;
}

export interface RemediationCounts {
  mode: 'plan' | 'apply';
  planned: number;
  applied: number;
  skipped: number;
  failed: number;
  /** Targets whose plan exceeded a guard (nothing of theirs written). */
  guardTripped: number;
}

/** The organization's account list, as a target of its own: the plan itself can fail (ListAccounts). */
const PLAN_TARGET = { accountId: 'organization', region: 'all' } as const;
const NO_RESULT =
  "the target's audit did not finish: no result was recorded (see the state machine execution's Map run for the error)";

export async function aggregateStep(ctx: EngineContext, event: AggregateEvent): Promise<RunAggregate> {
  const runs = runStore(ctx, event.runId);
  const plan = await runs.getPlan();
  const outcomes = new Map<number, TargetOutcome>();
  for await (const { index, outcome } of runs.outcomes()) {
    const read = readOutcome(outcome);
    if (read) outcomes.set(index, read);
  }
  const planned: PlannedTarget[] = [];
  for await (const [index, target] of runs.targets()) {
    // A Plan step retried with fewer targets leaves extra items behind (TTL removes them).
    if (index < plan.count) planned[index] = target;
  }
  if (planned.length !== plan.count || planned.includes(undefined as never)) {
    throw new AuditorError(
      `run ${event.runId}: the state table holds ${planned.length} of its ${plan.count} targets`,
    );
  }

  const health = targetHealth(ctx);
  const audited: AuditedOutcome[] = [];
  const notAudited: NotAuditedTarget[] = [];
  let skipped = 0;
  for (const [index, target] of planned.entries()) {
    const outcome = outcomes.get(index) ?? {
      status: 'failed' as const,
      accountId: target.accountId,
      region: target.region,
      reason: NO_RESULT,
    };
    if (outcome.status === 'audited') {
      audited.push(outcome);
      await health.record(target, { ok: true }, event.runId);
    } else if (outcome.status === 'skipped') {
      skipped++;
      notAudited.push({ ...where(target), reason: outcome.reason, failedRuns: 0 });
    } else {
      const failedRuns = await health.record(target, { ok: false, reason: outcome.reason }, event.runId);
      notAudited.push({ ...where(target), reason: outcome.reason, failedRuns });
    }
  }
  if (ctx.config.accounts.length > 0 || plan.errors.length > 0) {
    const [first] = plan.errors;
    const failedRuns = await health.record(
      PLAN_TARGET,
      first ? { ok: false, reason: first.message } : { ok: true },
      event.runId,
    );
    for (const error of plan.errors) {
      notAudited.unshift({
        accountId: error.accountId || PLAN_TARGET.accountId,
        region: error.region || PLAN_TARGET.region,
        reason: error.message,
        failedRuns,
      });
    }
  }

  const parts = audited.map((o) => ({
    accountId: o.accountId,
    region: o.region,
    report: o.report,
    resolvedFindings: o.resolvedFindings,
    ...alertLists(o),
    ...(o.remediation ? { remediation: o.remediation } : {}),
  }));
  const alert = runAlert(parts, notAudited);
  const changes: FindingRecord[] = audited.flatMap((o) => o.changes);
  let outcome: Awaited<ReturnType<typeof notifyAndRecord>>;
  try {
    outcome = await notifyAndRecord({
      alert,
      sinks: targetSinks(ctx, planned),
      store: storeByTarget(ctx),
      changes,
      now: event.startedAt,
      backlog: audited.flatMap((o) => o.backlog ?? []),
    });
  } finally {
    const locks = targetLocks(ctx);
    for (const target of planned) await locks.release(target, event.runId);
  }
  if (ctx.config.remediation !== 'off') await markWritesReported(ctx, audited, event.startedAt);

  const report = alert.report;
  // What was told: a transition another writer (the change path) recorded first is not this run's.
  const told = outcome.alert;
  const open = report.findings.filter(isFailing);
  const summary: RunAggregate = {
    runId: event.runId,
    targets: planned.length,
    targetsAudited: audited.length,
    targetsNotAudited: notAudited.length,
    targetsSkipped: skipped,
    notAudited: notAudited.slice(0, MAX_SUMMARY_NOT_AUDITED).map((t) => ({
      accountId: clip(t.accountId, 32),
      region: clip(t.region, 32),
      reason: clipText(t.reason, 200),
    })),
    accounts: new Set(audited.map((o) => o.accountId)).size,
    roomsAudited: report.roomsAudited,
    findings: open.length,
    newFindings: told.newFindings.length,
    resolvedFindings: told.resolvedFindings.length,
    reminders: told.reminders.length,
    errors: report.errors.length,
    complete: notAudited.length === 0 && audited.every((o) => o.report.complete),
    published: outcome.published,
    messageIds: outcome.messageIds.slice(0, 10),
    durationMs: Math.max(0, ctx.clock().getTime() - Date.parse(event.startedAt)),
  };
  if (plan.inactiveCount > 0) {
    summary.inactiveAccounts = {
      count: plan.inactiveCount,
      listed: plan.inactiveAccounts.map((a) => ({
        accountId: clip(a.accountId, 32),
        status: clip(a.status, 32),
      })),
    };
  }
  const remediation = remediationCounts(audited);
  if (remediation) summary.remediation = remediation;
  emitMetrics(ctx, summary, open);
  logFindingsByAccount(
    ctx,
    audited.map((o) => o.accountId),
    open,
  );
  ctx.logger.info('run finished', { ...summary });
  return summary;
}

/** Summed over the targets' outcomes. */
function remediationCounts(audited: readonly AuditedOutcome[]): RemediationCounts | undefined {
  const all = audited.flatMap((o) => (o.remediation ? [o.remediation] : []));
  const [first] = all;
  if (!first) return undefined;
  // Each target's totals were counted before its lists were cut.
  const totals = all.map((r) => r.totals);
  const sum = (key: keyof (typeof totals)[number]) => totals.reduce((n, t) => n + t[key], 0);
  return {
    mode: first.mode,
    planned: sum('planned'),
    applied: sum('applied'),
    skipped: sum('skipped'),
    failed: sum('failed'),
    guardTripped: all.filter((r) => r.tripped.length > 0).length,
  };
}

/**
 * The alert is delivered: the auditor's writes it listed (this run's, and earlier ones it listed
 * again) are marked reported. Best effort: a write left unmarked is listed once more, never lost.
 */
async function markWritesReported(ctx: EngineContext, audited: readonly AuditedOutcome[], startedAt: string) {
  for (const o of audited) {
    const r = o.remediation;
    const listed = [...(r?.entries ?? []), ...(r?.earlier ?? [])].some((e) => e.outcome !== 'skipped');
    if (!listed) continue;
    const target = { accountId: o.accountId, region: o.region };
    try {
      await new TableTrail(ctx.dynamo, ctx.tableName, target).markReported(unreportedSince(startedAt));
    } catch (error) {
      ctx.logger.warn('remediation writes not marked reported', { ...target, error: error as Error });
    }
  }
}

const where = (t: { accountId: string; region: string }) => ({ accountId: t.accountId, region: t.region });

function emitMetrics(ctx: EngineContext, s: RunAggregate, open: readonly { severity: Severity }[]): void {
  const { metrics } = ctx;
  metrics.addMetric(METRIC.targetsPlanned, MetricUnit.Count, s.targets);
  metrics.addMetric(METRIC.targetsAudited, MetricUnit.Count, s.targetsAudited);
  metrics.addMetric(METRIC.targetsNotAudited, MetricUnit.Count, s.targetsNotAudited);
  metrics.addMetric(METRIC.runDurationMs, MetricUnit.Milliseconds, s.durationMs);
  metrics.addMetric(METRIC.roomsAudited, MetricUnit.Count, s.roomsAudited);
  metrics.addMetric(METRIC.findings, MetricUnit.Count, s.findings);
  metrics.addMetric(METRIC.newFindings, MetricUnit.Count, s.newFindings);
  metrics.addMetric(METRIC.resolvedFindings, MetricUnit.Count, s.resolvedFindings);
  metrics.addMetric(METRIC.apiErrors, MetricUnit.Count, s.errors);
  metrics.addMetric(METRIC.auditComplete, MetricUnit.Count, s.complete ? 1 : 0);
  for (const severity of SEVERITIES) {
    metrics.addMetric(
      findingsBySeverityMetric(severity),
      MetricUnit.Count,
      open.filter((f) => f.severity === severity).length,
    );
  }
  if (s.remediation) {
    metrics.addMetric(METRIC.remediationPlanned, MetricUnit.Count, s.remediation.planned);
    metrics.addMetric(METRIC.remediationApplied, MetricUnit.Count, s.remediation.applied);
    metrics.addMetric(METRIC.remediationSkipped, MetricUnit.Count, s.remediation.skipped);
    metrics.addMetric(METRIC.remediationFailed, MetricUnit.Count, s.remediation.failed);
    metrics.addMetric(METRIC.remediationGuardTripped, MetricUnit.Count, s.remediation.guardTripped);
  }
  // Feeds the missed-audit alarm: a run where some target was not audited, or errored, did not succeed.
  if (s.complete && s.errors === 0) metrics.addMetric(METRIC.auditSucceeded, MetricUnit.Count, 1);
}

/**
 * One log line per account with open findings: the dashboard charts findings by account with Logs
 * Insights (a metric per account would cost $0.30 a month each, for 1,000 accounts).
 */
function logFindingsByAccount(
  ctx: EngineContext,
  accounts: readonly string[],
  open: readonly { accountId: string; severity: Severity }[],
) {
  const none = (): Record<Severity, number> => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
  // Every audited account gets a line, zeros included: a chart line drops to 0 instead of stopping.
  const byAccount = new Map<string, Record<Severity, number>>(accounts.map((a) => [a, none()]));
  for (const f of open) {
    getOrCreate(byAccount, f.accountId, none)[f.severity]++;
  }
  for (const [accountId, bySeverity] of byAccount) {
    const total = Object.values(bySeverity).reduce((a, b) => a + b, 0);
    ctx.logger.info('findings by account', { accountId, open: total, ...bySeverity });
  }
}
