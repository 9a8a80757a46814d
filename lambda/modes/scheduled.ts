/**
 * The single-account run (event `{}`, the schedule without the state machine): the function's own
 * account in every configured region, through the one pipeline, with its state, room cache and room
 * snapshot in the state table when one is configured (it works without).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC, sinkUndeliveredMetric } from '../core/metric-names.js';
import type { RegionInventory } from '../core/types.js';
import { unchangedBySeverity } from '../core/unchanged-open.js';
import { liveInventory } from '../inventory/live.js';
import { SnapshotCollector, snapshotGap } from '../inventory/snapshot-rooms.js';
import type { NotifyOutcome } from '../pipeline/deliver.js';
import { type AuditedRun, auditRun } from '../pipeline/run-audit.js';
import { type RunSummary, summariseRun } from '../pipeline/run-summary.js';
import { type Container, createContainer } from '../runtime/container.js';
import type { InvocationContext } from '../runtime/context.js';
import type { LambdaContext } from '../runtime/deadline.js';
import type { HandlerDeps } from '../runtime/deps.js';
import { alertSinks } from '../sinks/configured.js';
import type { AlertSink } from '../sinks/sink.js';
import { count, emitRunMetrics } from './run-metrics.js';
import { writeReportLink } from './run-report.js';

/**
 * True for the scheduled run's event (docs/schemas/audit-function.schema.json): `{}`, or the event an
 * EventBridge schedule sends (`source: aws.events`, `detail-type: Scheduled Event`). Nothing else
 * starts an audit: the run spends the GetRoom quota the customer's chat application shares.
 */
export function isScheduledRun(event: unknown): boolean {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return false;
  const e = event as Record<string, unknown>;
  if (Object.keys(e).length === 0) return true;
  return e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}

/** One scheduled run in full: the Lambda returns only `summary`; the demo and tests read the rest. */
export interface ScheduledRun {
  summary: RunSummary;
  /** The alert (every finding, the report) and the SNS messages it was published as. */
  outcome: NotifyOutcome;
  inventories: readonly RegionInventory[];
}

export type ScheduledAudit = (context?: LambdaContext) => Promise<ScheduledRun>;

/**
 * Builds the scheduled audit alone (the demo and tests run it so). Configuration is read and the
 * policies compiled once per container; a bad variable or policy fails the run with a message that
 * names it.
 */
export function createScheduledAudit(deps: HandlerDeps = {}): ScheduledAudit {
  return scheduledMode(createContainer(deps), deps);
}

/** The scheduled audit in a container; `deps` may replace its state store and room cache. */
export function scheduledMode(
  container: Container,
  deps: Pick<HandlerDeps, 'stateStore' | 'roomCache'>,
): ScheduledAudit {
  const { logger, metrics } = container;
  let remediationNoted = false;

  return async (context) => {
    const ctx = container.invocation(context);
    const { config } = ctx;
    if (config.remediation !== 'off' && !remediationNoted) {
      // Plans and fixes need the per-target step (its credentials, budget and trail); this run has none.
      remediationNoted = true;
      logger.warn('remediation runs in the state machine only; this single-account run ({}) plans no fix', {
        remediation: config.remediation,
      });
    }
    const started = performance.now();
    const sinks = alertSinks(config, ctx.sinkDeps, ctx.connection);
    // The room snapshot (policy previews read it) lives in the state table too.
    const gap = snapshotGap(ctx.policies);
    if (gap && ctx.stores) logger.info('no room snapshot', { reason: gap });
    const snapshot = ctx.stores && !gap ? new SnapshotCollector() : undefined;
    try {
      const { run: target, outcome } = await auditOwnAccount(ctx, deps, sinks, snapshot);
      const { accountId, inventories, report } = target;
      if (snapshot && ctx.stores) {
        // Best effort: a failed write leaves the previous snapshot; the audit has succeeded.
        await snapshot
          .write(ctx.stores.roomSnapshots(), accountId, report.startedAt, inventories)
          .catch((error: unknown) => logger.warn('room snapshot not stored', { error: error as Error }));
      }
      // E.g. stored findings that could not be read whole: their resolutions wait for the next run.
      for (const warning of target.warnings) logger.warn('run warning', { accountId, warning });
      if (target.withheld) logger.error('nothing delivered or recorded', { reason: target.withheld });
      for (const lag of outcome.lagging ?? []) logger.error('sink lagging; retried next run', { ...lag });
      const summary = summariseRun({
        accountId,
        inventories,
        outcome,
        durationMs: Math.round(performance.now() - started),
      });
      // An error's `message` is logged as `errorMessage`: Powertools drops `message`, a reserved key.
      for (const { message, ...error } of report.errors)
        logger.warn('audit error', { ...error, errorMessage: message });
      logger.info('audit finished', { ...summary });
      emitScheduledMetrics(ctx, summary, target, outcome, sinks);
      return { summary, outcome, inventories };
    } catch (error) {
      logger.error('audit failed', error as Error);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/**
 * The function's own account, every configured region, delivered to `sinks` and recorded; the
 * run's HTML report written in between (setting `reportBucket`), so the alert can link it.
 */
async function auditOwnAccount(
  ctx: InvocationContext,
  deps: Pick<HandlerDeps, 'stateStore' | 'roomCache'>,
  sinks: readonly AlertSink[],
  snapshot: SnapshotCollector | undefined,
) {
  const { config, stores, deadline } = ctx;
  const roomCache = deps.roomCache ?? stores?.roomCache();
  const run = await auditRun({
    inventory: liveInventory({
      regions: config.regions,
      policies: ctx.policies,
      routes: ctx.routes,
      connection: ctx.connection,
      ...(ctx.apiBudgetTps === null ? {} : { apiBudgetTps: ctx.apiBudgetTps }),
      fullRefreshHours: config.fullRefreshHours,
      ...(roomCache ? { roomCache } : {}),
      ...(snapshot ? { collectors: [snapshot] } : {}),
      ...(config.iacDrift ? { iacDrift: stores ? { store: stores.stackRooms() } : {} } : {}),
      clock: ctx.clock,
      ...(deadline ? { shouldStop: deadline.reached } : {}),
    }),
    // Unknown account, no state: the pipeline then neither delivers nor records (see run-audit.ts).
    state: (accountId) =>
      accountId === undefined
        ? undefined
        : (deps.stateStore?.(accountId, config) ?? stores?.accountState(accountId)),
    sinks,
    clock: ctx.clock,
    renotifyAfterHours: config.renotifyAfterHours,
    // Alerts, metrics and the summary need only totals of the findings found again as stored; the
    // run's HTML report lists every finding.
    countUnchanged: !config.reportBucket,
  });
  const reportUrl = await writeReportLink(ctx, run.accountId, run.report);
  return { run, outcome: await run.deliver(reportUrl ? { reportUrl } : {}) };
}

function emitScheduledMetrics(
  ctx: InvocationContext,
  summary: RunSummary,
  target: AuditedRun,
  outcome: NotifyOutcome,
  sinks: readonly AlertSink[],
): void {
  emitRunMetrics(ctx.metrics, {
    counts: summary,
    after: [
      { name: METRIC.durationMs, unit: MetricUnit.Milliseconds, value: summary.durationMs },
      ...sinks.map((sink) => {
        const lag = outcome.lagging?.find((l) => l.sink === sink.name);
        return count(sinkUndeliveredMetric(sink.name), lag?.undelivered ?? 0);
      }),
    ],
    bySeverity: target.report.findings.filter((f) => f.status !== 'exempt'),
    countedBySeverity: unchangedBySeverity(target.report),
    severityZeros: false,
    // A run cut short by its deadline still succeeded (the next one continues); a run with API errors
    // (e.g. access denied) did not, so a broken setup cannot stay silent.
    succeeded: target.report.errors.length === 0,
  });
}
