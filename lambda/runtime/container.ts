/**
 * What a Lambda container sets up once, on its first invocation: the configuration read and checked,
 * the policies compiled, the state table's client and stores, the function's own account (asked of STS
 * at most once). The logger and metrics exist from the start, so a bad setting is logged with them.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsConnection } from '../aws/clients.js';
import { firstRegionOf } from '../core/arn.js';
import { AuditorError } from '../core/errors.js';
import { AUDITOR_DIMENSION, METRICS_NAMESPACE, SERVICE_NAME } from '../core/metric-names.js';
import { withIacDriftPolicy } from '../iac/drift-policy.js';
import { identifyAccount } from '../inventory/live-audit.js';
import { loadPolicyDir } from '../policy/load-dir.js';
import { auditorNameOf } from '../settings/wiring.js';
import { type HandlerConfig, readConfig } from './config.js';
import { type InvocationContext, requireTable, type StatefulContext } from './context.js';
import { type LambdaContext, lambdaDeadline } from './deadline.js';
import type { HandlerDeps } from './deps.js';
import { tuneHeap } from './heap.js';
import { Stores } from './stores.js';

export interface Container {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** This invocation's context; the first call reads the configuration and compiles the policies. */
  invocation(context?: LambdaContext): InvocationContext;
  /** The same for the state machine and the change path: fails when the state table is not configured. */
  stateful(context?: LambdaContext): StatefulContext;
}

export function createContainer(deps: HandlerDeps = {}): Container {
  const logger = deps.logger ?? new Logger({ serviceName: SERVICE_NAME });
  const metrics = deps.metrics ?? auditorMetrics(deps.env ?? process.env);
  let setup: Omit<InvocationContext, 'deadline'> | undefined;
  const setupOnce = () => {
    setup ??= containerSetup(deps, logger, metrics);
    return setup;
  };
  const invocation = (context?: LambdaContext): InvocationContext => ({
    ...setupOnce(),
    ...(context ? { deadline: lambdaDeadline(context) } : {}),
  });
  return { logger, metrics, invocation, stateful: (context) => requireTable(invocation(context)) };
}

function containerSetup(
  deps: HandlerDeps,
  logger: Logger,
  metrics: Metrics,
): Omit<InvocationContext, 'deadline'> {
  const config = readConfig(deps.env ?? process.env);
  // V8's settings are the process's, as NODE_OPTIONS is: read from its own environment even where a
  // caller hands the container its settings (the bench's children run under the stack's environment).
  tuneHeap(process.env);
  // The function shows no policy warnings: its folder's own schema copy need not be read.
  const loaded = loadPolicyDir(config.policiesDir, { schemaWarning: false });
  const { routes } = loaded;
  // With iacDrift on, the built-in iac-drift policy judges the rooms stacks own (a folder's own
  // iac-drift policy, with its exemptions, takes its place).
  const policies = config.iacDrift ? withIacDriftPolicy(loaded.policies) : loaded.policies;
  const connection = deps.connection ?? {};
  const stores = config.stateTableName
    ? new Stores(
        deps.dynamoClient ??
          new DynamoDBClient({ region: process.env.AWS_REGION ?? firstRegionOf(config.regions) }),
        config.stateTableName,
        config,
      )
    : undefined;
  logger.info('configured', { regions: config.regions, policies: policies.map((p) => p.policy.id) });
  return {
    config,
    policies,
    ...(routes ? { routes } : {}),
    connection,
    logger,
    metrics,
    clock: deps.now ?? (() => new Date()),
    // The routes file decides the SNS sinks: one per route (sinks/configured.ts).
    sinkDeps: routes ? { ...deps, routes } : deps,
    apiBudgetTps: deps.apiBudgetTps === null ? null : (deps.apiBudgetTps ?? config.apiBudgetTps),
    ...(stores ? { stores } : {}),
    ownAccountId: ownAccountOnce(config, connection),
  };
}

/**
 * The function's own account, asked once: the account never changes, so STS is asked once per
 * container, not once a step. Without it the own account would be audited through a member role it
 * may not have, so its absence fails (and is asked again next time).
 */
function ownAccountOnce(config: HandlerConfig, connection: AwsConnection) {
  let known: string | undefined;
  return async (): Promise<string> => {
    if (known) return known;
    const self = await identifyAccount(firstRegionOf(config.regions), connection);
    if (self.error) {
      throw new AuditorError(
        `the auditor's own account could not be identified (GetCallerIdentity: ${self.error.code} ${self.error.message})`,
      );
    }
    known = self.accountId;
    return known;
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
