/**
 * What every state-machine step needs, built once per Lambda container: the configuration, the
 * compiled policies, the state table and the run's stores. Tests build it with their own endpoint,
 * clock and publisher.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsConnection } from '../aws/clients.js';
import { firstRegionOf } from '../core/arn.js';
import { AuditorError, ConfigError } from '../core/errors.js';
import type { HandlerDeps } from '../handler.js';
import { identifyAccount } from '../inventory/live-audit.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { WIRING_ENV } from '../settings/table.js';
import type { Publisher } from '../sinks/sns.js';
import { RunStore, TargetHealth, TargetLocks } from '../state/run-store.js';
import { TargetStateStore } from '../state/target-store.js';
import type { HandlerConfig } from './config.js';

export interface EngineContext {
  config: HandlerConfig;
  policies: readonly CompiledPolicy[];
  tableName: string;
  dynamo: DynamoDBClient;
  connection: AwsConnection;
  logger: Logger;
  metrics: Metrics;
  /** Wall clock (deadlines, durations); the run's `now` is the execution's start, not this. */
  clock: () => Date;
  publisher?: Publisher;
  /** Test doubles for the optional sinks (Security Hub, EventBridge). */
  sinkDeps?: Pick<HandlerDeps, 'securityHubImporter' | 'eventPutter'>;
  /** Per-target API budget; `null` = none (benchmarks against an emulator without quotas). */
  apiBudgetTps: number | null;
  /** Stop starting API calls when less than this much Lambda time is left. */
  deadlineMarginMs: number;
}

/** The state machine keeps every run's plan and outcomes in the state table: it must be configured. */
export function requireTable(config: HandlerConfig): string {
  if (!config.stateTableName) {
    throw new ConfigError(
      WIRING_ENV.stateTableName,
      'is not set; the state machine steps and the change path keep their state in the state table (the single-account run, event {}, works without it)',
    );
  }
  return config.stateTableName;
}

export const runStore = (ctx: EngineContext, runId: string) => new RunStore(ctx.dynamo, ctx.tableName, runId);
export const targetLocks = (ctx: EngineContext) => new TargetLocks(ctx.dynamo, ctx.tableName);
export const targetHealth = (ctx: EngineContext) => new TargetHealth(ctx.dynamo, ctx.tableName);
export const targetState = (ctx: EngineContext, accountId: string, region: string) =>
  new TargetStateStore(ctx.dynamo, ctx.tableName, accountId, region, ctx.config.retainResolvedDays);

/** Per container: the function's account never changes, so STS is asked once, not once a step. */
const ownAccounts = new WeakMap<EngineContext, string>();

/**
 * The function's own account: its targets are audited with its own role, not a member role. Without
 * it the own account would be audited through a member role it may not have, so its absence fails.
 */
export async function ownAccountId(ctx: EngineContext): Promise<string> {
  const known = ownAccounts.get(ctx);
  if (known) return known;
  const self = await identifyAccount(firstRegionOf(ctx.config.regions), ctx.connection);
  if (self.error) {
    throw new AuditorError(
      `the auditor's own account could not be identified (GetCallerIdentity: ${self.error.code} ${self.error.message})`,
    );
  }
  ownAccounts.set(ctx, self.accountId);
  return self.accountId;
}
