import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { AwsConnection } from './aws/clients.js';
import {
  AUDITOR_DIMENSION,
  findingsBySeverityMetric,
  METRIC,
  METRICS_NAMESPACE,
  SERVICE_NAME,
  sinkUndeliveredMetric,
} from './core/metric-names.js';
import { type RegionInventory, SEVERITIES } from './core/types.js';
import { liveInventory } from './inventory/live.js';
import { SnapshotCollector, snapshotGap } from './inventory/snapshot-rooms.js';
import { type ChangeBatchResult, changeBatch } from './modes/changes/batch.js';
import { isChangeTrigger, isDirectChangeEvent } from './modes/changes/events.js';
import { EventError, parseStepEvent } from './modes/state-machine/events.js';
import { runStep, type StepResult } from './modes/state-machine/steps.js';
import type { NotifyOutcome } from './pipeline/deliver.js';
import { runAudit } from './pipeline/run-audit.js';
import { type RunSummary, summariseRun } from './pipeline/run-summary.js';
import type { CompiledPolicy } from './policy/compile.js';
import { loadPolicyDir } from './policy/load-dir.js';
import { type HandlerConfig, readConfig } from './runtime/config.js';
import { type EngineContext, requireTable } from './runtime/context.js';
import { auditorNameOf } from './settings/wiring.js';
import { alertSinks } from './sinks/configured.js';
import type { EventPutter } from './sinks/eventbridge.js';
import type { SecurityHubImporter } from './sinks/securityhub.js';
import type { Publisher } from './sinks/sns.js';
import { DynamoRoomCache } from './state/dynamo-room-cache.js';
import type { RoomCacheStore } from './state/room-cache-store.js';
import { RoomSnapshotStore } from './state/room-snapshot.js';
import type { StateStore } from './state/store.js';
import { AccountStateStore } from './state/target-store.js';

/**
 * Stop starting new API calls when less than this much Lambda time is left: enough for calls in flight
 * (10 s request timeout, a few retries), evaluation, the state writes and the SNS publish.
 */
export const DEADLINE_MARGIN_MS = 90_000;

export interface HandlerDeps {
  env?: NodeJS.ProcessEnv;
  /** Endpoint override for every AWS client (the local emulator in the demo and tests). */
  connection?: AwsConnection;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => Date;
  /** The SNS publish behind the alert sink (tests inject one that records or fails). */
  publisher?: Publisher;
  /** Security Hub imports when SECURITY_HUB=true; default: signed with `connection`. */
  securityHubImporter?: (accountId: string, region: string) => SecurityHubImporter;
  /** EventBridge PutEvents when EVENT_BUS is set; default: signed with `connection`. */
  eventPutter?: EventPutter;
  stateStore?: (accountId: string, config: HandlerConfig) => StateStore;
  /** Room document cache for incremental audits; default: the state table when configured. */
  roomCache?: RoomCacheStore;
  /** The DynamoDB client for STATE_TABLE_NAME (dynalite in the demo and tests). */
  dynamoClient?: DynamoDBClient;
  /**
   * Replaces API_BUDGET_TPS, past its quota check; `null` = no client-side budget. Only for an
   * emulator without quotas (the memory benchmark audits 50,000 rooms in a minute, not 3.5 hours).
   */
  apiBudgetTps?: number | null;
}

/** One scheduled run in full: the Lambda returns only `summary`; the demo and tests read the rest. */
export interface ScheduledRun {
  summary: RunSummary;
  /** The alert (every finding, the report) and the SNS messages it was published as. */
  outcome: NotifyOutcome;
  inventories: readonly RegionInventory[];
}

type LambdaContext = Pick<Context, 'getRemainingTimeInMillis'>;

/**
 * Builds the scheduled audit. Configuration is read and the policies compiled once per container;
 * a bad variable or policy fails the run with a message that names it.
 */
export function createScheduledAudit(
  deps: HandlerDeps = {},
): (context?: LambdaContext) => Promise<ScheduledRun> {
  const logger = deps.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const metrics = deps.metrics ?? auditorMetrics(deps.env ?? process.env);
  const setupOnce = containerSetup(deps, logger);
  let remediationNoted = false;

  return async (context) => {
    const { config, policies, dynamo } = setupOnce();
    if (config.remediation !== 'off' && !remediationNoted) {
      // Plans and fixes need the per-target step (its credentials, budget and trail); this run has none.
      remediationNoted = true;
      logger.warn('remediation runs in the state machine only; this single-account run ({}) plans no fix', {
        remediation: config.remediation,
      });
    }
    const now = deps.now ?? (() => new Date());
    const connection = deps.connection ?? {};
    const started = performance.now();
    const roomCache =
      deps.roomCache ??
      (dynamo && config.stateTableName ? new DynamoRoomCache(dynamo, config.stateTableName) : undefined);
    const sinks = alertSinks(config, deps, connection);
    // The room snapshot (policy previews read it) lives in the state table too.
    const gap = snapshotGap(policies);
    if (gap && dynamo && config.stateTableName) logger.info('no room snapshot', { reason: gap });
    const snapshot = dynamo && config.stateTableName && !gap ? new SnapshotCollector() : undefined;
    try {
      const { target, outcome } = await runAudit({
        inventory: liveInventory({
          regions: config.regions,
          policies,
          connection,
          ...(deps.apiBudgetTps === null ? {} : { apiBudgetTps: deps.apiBudgetTps ?? config.apiBudgetTps }),
          fullRefreshHours: config.fullRefreshHours,
          ...(roomCache ? { roomCache } : {}),
          ...(snapshot ? { onDocument: snapshot.onDocument } : {}),
          clock: now,
          ...(context ? { shouldStop: () => context.getRemainingTimeInMillis() < DEADLINE_MARGIN_MS } : {}),
        }),
        // Unknown account, no state: the pipeline then neither delivers nor records (see run-audit.ts).
        state: (accountId) =>
          accountId === undefined
            ? undefined
            : (deps.stateStore?.(accountId, config) ??
              (dynamo && config.stateTableName
                ? new AccountStateStore(
                    dynamo,
                    config.stateTableName,
                    accountId,
                    config.regions,
                    config.retainResolvedDays,
                  )
                : undefined)),
        sinks,
        clock: now,
        renotifyAfterHours: config.renotifyAfterHours,
      });
      const { accountId, inventories } = target;
      const report = target.report;
      if (snapshot && dynamo && config.stateTableName) {
        // Best effort: a failed write leaves the previous snapshot; the audit has succeeded.
        await snapshot
          .write(
            new RoomSnapshotStore(dynamo, config.stateTableName),
            accountId,
            report.startedAt,
            inventories,
          )
          .catch((error: unknown) => logger.warn('room snapshot not stored', { error: error as Error }));
      }
      if (target.withheld) logger.error('nothing delivered or recorded', { reason: target.withheld });
      for (const lag of outcome.lagging ?? []) logger.error('sink lagging; retried next run', { ...lag });
      const summary = summariseRun({
        accountId,
        inventories,
        outcome,
        durationMs: Math.round(performance.now() - started),
      });
      for (const error of report.errors) logger.warn('audit error', { ...error });
      logger.info('audit finished', { ...summary });

      metrics.addMetric(METRIC.roomsAudited, MetricUnit.Count, summary.roomsAudited);
      metrics.addMetric(METRIC.findings, MetricUnit.Count, summary.findings);
      metrics.addMetric(METRIC.newFindings, MetricUnit.Count, summary.newFindings);
      metrics.addMetric(METRIC.resolvedFindings, MetricUnit.Count, summary.resolvedFindings);
      metrics.addMetric(METRIC.apiErrors, MetricUnit.Count, summary.errors);
      metrics.addMetric(METRIC.auditComplete, MetricUnit.Count, summary.complete ? 1 : 0);
      metrics.addMetric(METRIC.durationMs, MetricUnit.Milliseconds, summary.durationMs);
      for (const sink of sinks) {
        const lag = outcome.lagging?.find((l) => l.sink === sink.name);
        metrics.addMetric(sinkUndeliveredMetric(sink.name), MetricUnit.Count, lag?.undelivered ?? 0);
      }
      for (const severity of SEVERITIES) {
        const count = report.findings.filter((f) => f.severity === severity && f.status !== 'exempt').length;
        if (count > 0) metrics.addMetric(findingsBySeverityMetric(severity), MetricUnit.Count, count);
      }
      // Feeds the "missed audit" alarm. A run cut short by its deadline still succeeded (the next one
      // continues); a run with API errors (e.g. access denied) did not, so a broken setup cannot stay silent.
      if (report.errors.length === 0) metrics.addMetric(METRIC.auditSucceeded, MetricUnit.Count, 1);
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
 * The Lambda entry, for every trigger of the one bundle: IVS Chat change events (an SQS batch: the
 * change function), the state machine's steps, and the scheduled audit (`{}`). One IVS Chat event
 * invoked directly is refused, as a malformed step is: change events enter through the queue only.
 * Each returns only a bounded summary (Lambda caps a response at 6 MB; the full alert of a few hundred
 * violating rooms is larger).
 */
export function createHandler(deps: HandlerDeps = {}) {
  const logger = deps.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const metrics = deps.metrics ?? auditorMetrics(deps.env ?? process.env);
  const audit = createScheduledAudit({ ...deps, logger, metrics });
  const setupOnce = containerSetup(deps, logger);
  let engine: EngineContext | undefined;
  const engineContext = (): EngineContext => {
    if (engine) return engine;
    const { config, policies, dynamo } = setupOnce();
    engine = {
      config,
      policies,
      tableName: requireTable(config),
      dynamo: dynamo as DynamoDBClient,
      connection: deps.connection ?? {},
      logger,
      metrics,
      clock: deps.now ?? (() => new Date()),
      ...(deps.publisher ? { publisher: deps.publisher } : {}),
      sinkDeps: deps,
      apiBudgetTps: deps.apiBudgetTps === null ? null : (deps.apiBudgetTps ?? config.apiBudgetTps),
      deadlineMarginMs: DEADLINE_MARGIN_MS,
    };
    return engine;
  };
  return async (
    event: unknown,
    context?: LambdaContext,
  ): Promise<RunSummary | StepResult | ChangeBatchResult> => {
    // Change events first: an SQS batch or an aws.ivschat event is never a step or a scheduled run.
    if (isDirectChangeEvent(event)) {
      const error = new EventError(
        'an IVS Chat change event invoked directly is refused: change events enter through the change queue (an SQS batch) only; nothing was audited',
      );
      logger.error('change event refused', error);
      throw error;
    }
    if (isChangeTrigger(event)) {
      try {
        return await changeBatch(engineContext(), event, context);
      } catch (error) {
        logger.error('change batch failed', error as Error);
        throw error;
      } finally {
        metrics.publishStoredMetrics();
      }
    }
    const step = parseStepEvent(event);
    if (!step) return (await audit(context)).summary;
    const ctx = engineContext();
    try {
      return await runStep(ctx, step, context);
    } catch (error) {
      logger.error('step failed', { step: step.step, error: error as Error });
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** Everything a container reads once: configuration, compiled policies, the state table client. */
function containerSetup(deps: HandlerDeps, logger: Logger) {
  let setup: { config: HandlerConfig; policies: CompiledPolicy[]; dynamo?: DynamoDBClient } | undefined;
  return () => {
    if (setup) return setup;
    const config = readConfig(deps.env ?? process.env);
    setup = {
      config,
      policies: loadPolicyDir(config.policiesDir).policies,
      ...(config.stateTableName
        ? {
            dynamo:
              deps.dynamoClient ??
              new DynamoDBClient({ region: process.env.AWS_REGION ?? config.regions[0] }),
          }
        : {}),
    };
    logger.info('configured', {
      regions: config.regions,
      policies: setup.policies.map((p) => p.policy.id),
    });
    return setup;
  };
}

/** Metrics under this auditor's own dimension: two auditors in one account keep separate alarms. */
function auditorMetrics(env: NodeJS.ProcessEnv): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { [AUDITOR_DIMENSION]: auditorNameOf(env) },
  });
}

export const handler = createHandler();

export type { RunSummary } from './pipeline/run-summary.js';
