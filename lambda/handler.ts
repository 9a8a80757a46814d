import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { auditAccount } from './audit.js';
import { type AwsConnection, callerAccountId, snsClient, topicRegion } from './aws/clients.js';
import { type HandlerConfig, readConfig } from './config.js';
import { AuditorError } from './core/errors.js';
import { reconcile, roomsWithFindings } from './core/lifecycle.js';
import { SEVERITIES } from './core/types.js';
import { type NotifyOutcome, notifyAndRecord, type Publisher, snsPublisher } from './notify.js';
import type { CompiledPolicy } from './policy/compile.js';
import { loadPolicyDir } from './policy/load-dir.js';
import { DynamoRoomCache } from './state/dynamo-room-cache.js';
import { DynamoStateStore } from './state/dynamo-store.js';
import type { RoomCacheStore } from './state/room-cache-store.js';
import { type StateStore, statelessStore } from './state/store.js';

/**
 * Stop starting new API calls when less than this much Lambda time is left: enough for calls in flight
 * (10 s request timeout, a few retries), evaluation, the state writes and the SNS publish.
 */
const DEADLINE_MARGIN_MS = 90_000;

export interface HandlerDeps {
  env?: NodeJS.ProcessEnv;
  /** Endpoint override for every AWS client (the local emulator in the demo and tests). */
  connection?: AwsConnection;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => Date;
  publisher?: Publisher;
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

export interface RunSummary {
  roomsAudited: number;
  findings: number;
  newFindings: number;
  resolvedFindings: number;
  reminders: number;
  errors: number;
  complete: boolean;
  published: number;
  outcome: NotifyOutcome;
}

/**
 * Builds the scheduled handler. Configuration is read and the policies compiled once per container;
 * a bad variable or policy fails the invocation with a message that names it.
 */
export function createHandler(deps: HandlerDeps = {}) {
  const logger = deps.logger ?? new Logger({ serviceName: 'ivschat-auditor' });
  const metrics =
    deps.metrics ?? new Metrics({ namespace: 'IvsChatAuditor', serviceName: 'ivschat-auditor' });
  let setup: { config: HandlerConfig; policies: CompiledPolicy[]; dynamo?: DynamoDBClient } | undefined;

  return async (
    _event: unknown,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<RunSummary> => {
    if (!setup) {
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
    }
    const { config, policies, dynamo } = setup;
    const now = deps.now ?? (() => new Date());
    const connection = deps.connection ?? {};
    const started = performance.now();
    const roomCache =
      deps.roomCache ??
      (dynamo && config.stateTableName ? new DynamoRoomCache(dynamo, config.stateTableName) : undefined);
    try {
      // The account comes first: the state (and so the rooms to double-check) is kept per account.
      const accountId = await identifyAccount(config.regions[0] ?? 'us-east-1', connection);
      const store =
        deps.stateStore?.(accountId, config) ??
        (dynamo && config.stateTableName
          ? new DynamoStateStore(dynamo, config.stateTableName, accountId, config.retainResolvedDays)
          : statelessStore);
      const previous = await store.load();
      const known = roomsWithFindings(previous);
      const run = await auditAccount({
        regions: config.regions,
        policies,
        connection,
        accountId,
        ...(deps.apiBudgetTps === null ? {} : { apiBudgetTps: deps.apiBudgetTps ?? config.apiBudgetTps }),
        fullRefreshHours: config.fullRefreshHours,
        knownRooms: (region) => known.get(region) ?? [],
        ...(roomCache ? { roomCache } : {}),
        now,
        ...(context ? { shouldStop: () => context.getRemainingTimeInMillis() < DEADLINE_MARGIN_MS } : {}),
      });
      const reconciliation = reconcile(run.report, run.inventories, previous, {
        now: run.report.startedAt,
        renotifyAfterHours: config.renotifyAfterHours,
      });
      const publisher = deps.publisher ?? defaultPublisher(config.topicArn, connection);
      const outcome = await notifyAndRecord({
        reconciliation,
        accountId,
        regions: config.regions,
        store,
        publisher,
        now: run.report.startedAt,
      });
      const report = reconciliation.report;
      const summary: RunSummary = {
        roomsAudited: report.roomsAudited,
        findings: report.findings.filter((f) => f.status !== 'exempt').length,
        newFindings: reconciliation.newFindings.length,
        resolvedFindings: reconciliation.resolvedFindings.length,
        reminders: reconciliation.reminders.length,
        errors: report.errors.length,
        complete: report.complete,
        published: outcome.published,
        outcome,
      };
      for (const error of report.errors) logger.warn('audit error', { ...error });
      const { outcome: _omit, ...loggable } = summary;
      logger.info('audit finished', loggable);

      metrics.addMetric('RoomsAudited', MetricUnit.Count, report.roomsAudited);
      metrics.addMetric('Findings', MetricUnit.Count, summary.findings);
      metrics.addMetric('NewFindings', MetricUnit.Count, summary.newFindings);
      metrics.addMetric('ResolvedFindings', MetricUnit.Count, summary.resolvedFindings);
      metrics.addMetric('ApiErrors', MetricUnit.Count, report.errors.length);
      metrics.addMetric('AuditComplete', MetricUnit.Count, report.complete ? 1 : 0);
      metrics.addMetric('DurationMs', MetricUnit.Milliseconds, Math.round(performance.now() - started));
      for (const severity of SEVERITIES) {
        const count = report.findings.filter((f) => f.severity === severity && f.status !== 'exempt').length;
        if (count > 0) metrics.addMetric(`Findings_${severity}`, MetricUnit.Count, count);
      }
      // Feeds the "missed audit" alarm. A run cut short by its deadline still succeeded (the next one
      // continues); a run with API errors (e.g. access denied) did not, so a broken setup cannot stay silent.
      if (report.errors.length === 0) metrics.addMetric('AuditSucceeded', MetricUnit.Count, 1);
      return summary;
    } catch (error) {
      logger.error('audit failed', error as Error);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

async function identifyAccount(region: string, connection: AwsConnection): Promise<string> {
  try {
    return await callerAccountId(region, connection);
  } catch (cause) {
    // Without the account the state cannot be keyed: fail the run (the errors alarm fires) instead of
    // alerting every finding as new.
    throw new AuditorError(
      `cannot identify the AWS account (sts:GetCallerIdentity): ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

function defaultPublisher(topicArn: string, connection: AwsConnection): Publisher {
  return snsPublisher(snsClient(topicRegion(topicArn) ?? 'us-east-1', connection), topicArn);
}

export const handler = createHandler();
