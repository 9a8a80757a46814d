/**
 * The context of one invocation: what the container set up once (configuration, compiled policies,
 * clients, the state table's stores, logger and metrics) and this invocation's deadline. Tests build
 * it through `createContainer` with their own endpoint, clock and publisher.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AwsConnection } from '../aws/clients.js';
import { ConfigError } from '../core/errors.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { RouteTable } from '../policy/routes.js';
import { WIRING_ENV } from '../settings/wiring.js';
import type { SinkDeps } from '../sinks/configured.js';
import type { HandlerConfig } from './config.js';
import type { Deadline } from './deadline.js';
import type { Stores } from './stores.js';

export interface InvocationContext {
  config: HandlerConfig;
  policies: readonly CompiledPolicy[];
  /** The policy folder's routes.json (alert routing), when it has one. */
  routes?: RouteTable;
  connection: AwsConnection;
  logger: Logger;
  metrics: Metrics;
  /** Wall clock (deadlines, durations); a state-machine run's `now` is the execution's start, not this. */
  clock: () => Date;
  /** What the sinks send through (test doubles, or absent: clients signed with `connection`). */
  sinkDeps: SinkDeps;
  /** Per-target API budget; `null` = none (benchmarks against an emulator without quotas). */
  apiBudgetTps: number | null;
  /** The state table's stores; absent without STATE_TABLE_NAME (only the single-account run works then). */
  stores?: Stores;
  /**
   * The function's own account: its targets are audited with its own role, not a member role. Asked
   * of STS once per container (the account never changes); failing when it cannot be identified.
   */
  ownAccountId(): Promise<string>;
  /** Absent when the caller passed no Lambda context (the demo, most tests): nothing stops early. */
  deadline?: Deadline;
}

/** The context of the modes that keep their state in the state table: the state machine, the change path. */
export interface StatefulContext extends InvocationContext {
  stores: Stores;
}

/** The state machine keeps every run's plan and outcomes in the state table: it must be configured. */
export function requireTable(ctx: InvocationContext): StatefulContext {
  const { stores } = ctx;
  if (!stores) {
    throw new ConfigError(
      WIRING_ENV.stateTableName,
      'is not set; the state machine steps and the change path keep their state in the state table (the single-account run, event {}, works without it)',
    );
  }
  return { ...ctx, stores };
}
