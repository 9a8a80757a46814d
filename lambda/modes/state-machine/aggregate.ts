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
import type { Alert, NotAuditedTarget } from '../../alert/alert.js';
import { runAlert } from '../../alert/run-alert.js';
import { isFailing } from '../../audit/finding-state.js';
import type { FindingRecord } from '../../audit/lifecycle.js';
import { AuditorError } from '../../core/errors.js';
import { getOrCreate } from '../../core/maps.js';
import { METRIC } from '../../core/metric-names.js';
import type { Severity, Target } from '../../core/types.js';
import { type NotifyOutcome, notifyAndRecord } from '../../pipeline/deliver.js';
import { storeByTarget, targetSinks } from '../../pipeline/routing.js';
import { clip, clipText, type RunCounts } from '../../pipeline/run-summary.js';
import {
  type AuditedOutcome,
  alertLists,
  readOutcome,
  type TargetOutcome,
} from '../../pipeline/target-outcome.js';
import { unreportedSince } from '../../remediate/trail-table.js';
import type { StatefulContext } from '../../runtime/context.js';
import type { ActiveRemediationMode } from '../../settings/table.js';
import { eachConcurrently } from '../../state/concurrently.js';
import type { PlanMeta, PlannedTarget } from '../../state/run-store.js';
import { count, emitRunMetrics } from '../run-metrics.js';
import { writeReportLink } from '../run-report.js';
import type { AggregateEvent } from './events.js';

export const MAX_SUMMARY_NOT_AUDITED = 20;
/** The failed targets' health writes in flight at once (each answers its count of failed runs). */
export const STATE_WRITE_CONCURRENCY = 32;

/** What the aggregate step returns: counts and the first few names, never findings (≤ 16 KiB). */
export interface RunAggregate extends RunCounts {
  runId: string;
  targets: number;
  targetsAudited: number;
  targetsNotAudited: number;
  /** Targets another run still held (overlap): not audited, not a failure. */
  targetsSkipped: number;
  /** The first `MAX_SUMMARY_NOT_AUDITED` targets not audited, with why. */
  notAudited: (Target & { reason: string })[];
  /**
   * Accounts the organization lists but not as ACTIVE (suspended, closed): not planned, so neither
   * audited nor failing. Their number, and the first `MAX_LISTED_INACTIVE` with their status.
   */
  inactiveAccounts?: { count: number; listed: { accountId: string; status: string }[] };
  accounts: number;
  /** Setting `remediation` plan or apply: changes planned, and made, skipped or failed, over all targets. */
  remediation?: RemediationCounts;
}

export interface RemediationCounts {
  mode: ActiveRemediationMode;
  planned: number;
  applied: number;
  skipped: number;
  failed: number;
  /** Targets whose plan exceeded a guard (nothing of theirs written). */
  guardTripped: number;
}

/** The organization's account list, as a target of its own: the plan itself can fail (ListAccounts). */
const PLAN_TARGET: Target = { accountId: 'organization', region: 'all' };
const NO_RESULT =
  "the target's audit did not finish: no result was recorded (see the state machine execution's Map run for the error)";

/** The run's targets sorted by what their audits left, the targets' health recorded. */
interface RunResults {
  audited: AuditedOutcome[];
  notAudited: NotAuditedTarget[];
  /** Targets another run still held. */
  skipped: number;
}

export async function aggregateStep(ctx: StatefulContext, event: AggregateEvent): Promise<RunAggregate> {
  const { plan, planned, outcomes } = await readRun(ctx, event);
  const results = await recordHealth(ctx, event, planned, outcomes);
  await recordPlanHealth(ctx, event, plan, results.notAudited);

  const parts = results.audited.map((o) => ({
    accountId: o.accountId,
    region: o.region,
    report: o.report,
    resolvedFindings: o.resolvedFindings,
    ...alertLists(o),
    ...(o.remediation ? { remediation: o.remediation } : {}),
  }));
  const alert = runAlert(parts, results.notAudited);
  // Before delivery, so that the link in the alert opens the report.
  const reportUrl = await writeReportLink(ctx, 'runs', alert.report);
  if (reportUrl) alert.reportUrl = reportUrl;
  const outcome = await deliverRun(ctx, event, planned, results.audited, alert);
  if (ctx.config.remediation !== 'off') await markWritesReported(ctx, results.audited, event.startedAt);

  const open = alert.report.findings.filter(isFailing);
  const summary = summarise(ctx, event, plan, planned.length, results, alert, outcome, open.length);
  emitMetrics(ctx, summary, open);
  logFindingsByAccount(
    ctx,
    results.audited.map((o) => o.accountId),
    open,
  );
  ctx.logger.info('run finished', { ...summary });
  return summary;
}

/** The run's plan, its targets in plan order, and the outcomes its targets stored (by index). */
async function readRun(ctx: StatefulContext, event: AggregateEvent) {
  const runs = ctx.stores.run(event.runId);
  const outcomes = new Map<number, TargetOutcome>();
  const readOutcomes = async () => {
    for await (const { index, outcome } of runs.outcomes()) {
      const read = readOutcome(outcome);
      if (read) outcomes.set(index, read);
    }
  };
  const found: [number, PlannedTarget][] = [];
  const readTargets = async () => {
    for await (const entry of runs.targets()) found.push(entry);
  };
  // Three reads of their own (the plan, the targets, the outcomes): at once, not one after another.
  const [plan] = await Promise.all([runs.getPlan(), readTargets(), readOutcomes()]);
  const planned: PlannedTarget[] = [];
  for (const [index, target] of found) {
    // A Plan step retried with fewer targets leaves extra items behind (TTL removes them).
    if (index < plan.count) planned[index] = target;
  }
  if (planned.length !== plan.count || planned.includes(undefined as never)) {
    throw new AuditorError(
      `run ${event.runId}: the state table holds ${planned.length} of its ${plan.count} targets`,
    );
  }
  return { plan, planned, outcomes };
}

/**
 * Each target's outcome (a missing one is a failure), its health recorded: consecutive failed runs.
 * The results keep plan order. The successes are written in batches; a failure's write answers its
 * count for the alert, so those go out one per target, STATE_WRITE_CONCURRENCY at a time (one after
 * another, 1,000 of them would be ~6 s of the step).
 */
async function recordHealth(
  ctx: StatefulContext,
  event: AggregateEvent,
  planned: readonly PlannedTarget[],
  outcomes: ReadonlyMap<number, TargetOutcome>,
): Promise<RunResults> {
  const health = ctx.stores.health();
  const results: RunResults = { audited: [], notAudited: [], skipped: 0 };
  const failures: { target: PlannedTarget; reason: string; entry: NotAuditedTarget }[] = [];
  const succeeded: PlannedTarget[] = [];
  for (const [index, target] of planned.entries()) {
    const outcome = outcomes.get(index) ?? {
      status: 'failed' as const,
      accountId: target.accountId,
      region: target.region,
      reason: NO_RESULT,
    };
    if (outcome.status === 'audited') {
      results.audited.push(outcome);
      succeeded.push(target);
    } else if (outcome.status === 'skipped') {
      results.skipped++;
      results.notAudited.push({ ...where(target), reason: outcome.reason, failedRuns: 0 });
    } else {
      const entry = { ...where(target), reason: outcome.reason, failedRuns: 0 };
      results.notAudited.push(entry);
      failures.push({ target, reason: outcome.reason, entry });
    }
  }
  // A success needs no answer back: written in batches (TargetHealth.recordSucceeded).
  await health.recordSucceeded(succeeded, event.runId, ctx.clock());
  await eachConcurrently(failures, STATE_WRITE_CONCURRENCY, async ({ target, reason, entry }) => {
    entry.failedRuns = await health.record(target, { ok: false, reason }, event.runId, ctx.clock());
  });
  return results;
}

/** The plan's own health (the organization's account list), its errors first among the targets not audited. */
async function recordPlanHealth(
  ctx: StatefulContext,
  event: AggregateEvent,
  plan: PlanMeta,
  notAudited: NotAuditedTarget[],
): Promise<void> {
  if (ctx.config.accounts.length === 0 && plan.errors.length === 0) return;
  const [first] = plan.errors;
  const failedRuns = await ctx.stores
    .health()
    .record(PLAN_TARGET, first ? { ok: false, reason: first.message } : { ok: true }, event.runId);
  for (const error of plan.errors) {
    notAudited.unshift({
      accountId: error.accountId || PLAN_TARGET.accountId,
      region: error.region || PLAN_TARGET.region,
      reason: error.message,
      failedRuns,
    });
  }
}

/** Sends the run's one alert and records each target's findings; the run's locks are released either way. */
async function deliverRun(
  ctx: StatefulContext,
  event: AggregateEvent,
  planned: readonly PlannedTarget[],
  audited: readonly AuditedOutcome[],
  alert: Alert,
): Promise<NotifyOutcome> {
  const changes: FindingRecord[] = audited.flatMap((o) => o.changes);
  try {
    return await notifyAndRecord({
      alert,
      sinks: targetSinks({ settings: ctx.config, deps: ctx.sinkDeps, connection: ctx.connection }, planned),
      store: storeByTarget(ctx.stores.targetStates()),
      changes,
      now: event.startedAt,
      backlog: audited.flatMap((o) => o.backlog ?? []),
    });
  } finally {
    await ctx.stores.locks().releaseAll(planned, event.runId, ctx.clock());
  }
}

/** The step's bounded answer. */
function summarise(
  ctx: StatefulContext,
  event: AggregateEvent,
  plan: PlanMeta,
  targets: number,
  { audited, notAudited, skipped }: RunResults,
  alert: Alert,
  outcome: NotifyOutcome,
  openFindings: number,
): RunAggregate {
  const report = alert.report;
  // What was told: a transition another writer (the change path) recorded first is not this run's.
  const told = outcome.alert;
  const summary: RunAggregate = {
    runId: event.runId,
    targets,
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
    findings: openFindings,
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
async function markWritesReported(
  ctx: StatefulContext,
  audited: readonly AuditedOutcome[],
  startedAt: string,
) {
  for (const o of audited) {
    const r = o.remediation;
    const listed = [...(r?.entries ?? []), ...(r?.earlier ?? [])].some((e) => e.outcome !== 'skipped');
    if (!listed) continue;
    const target = where(o);
    try {
      await ctx.stores.trail(target).markReported(unreportedSince(startedAt));
    } catch (error) {
      ctx.logger.warn('remediation writes not marked reported', { ...target, error: error as Error });
    }
  }
}

const where = (t: Target): Target => ({ accountId: t.accountId, region: t.region });

function emitMetrics(ctx: StatefulContext, s: RunAggregate, open: readonly { severity: Severity }[]): void {
  const remediation = s.remediation;
  emitRunMetrics(ctx.metrics, {
    before: [
      count(METRIC.targetsPlanned, s.targets),
      count(METRIC.targetsAudited, s.targetsAudited),
      count(METRIC.targetsNotAudited, s.targetsNotAudited),
      { name: METRIC.runDurationMs, unit: MetricUnit.Milliseconds, value: s.durationMs },
    ],
    counts: s,
    bySeverity: open,
    severityZeros: true,
    last: remediation
      ? [
          count(METRIC.remediationPlanned, remediation.planned),
          count(METRIC.remediationApplied, remediation.applied),
          count(METRIC.remediationSkipped, remediation.skipped),
          count(METRIC.remediationFailed, remediation.failed),
          count(METRIC.remediationGuardTripped, remediation.guardTripped),
        ]
      : [],
    // Feeds the missed-audit alarm: a run where some target was not audited, or errored, did not succeed.
    succeeded: s.complete && s.errors === 0,
  });
}

/**
 * One log line per account with open findings: the dashboard charts findings by account with Logs
 * Insights (a metric per account would cost $0.30 a month each, for 1,000 accounts).
 */
function logFindingsByAccount(
  ctx: StatefulContext,
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
