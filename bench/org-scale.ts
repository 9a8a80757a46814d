/**
 * `bench orgScale`: one state machine run over many targets (account × region), as deployed: the
 * definition `cdk synth` produces, interpreted by aws-local-stepfunctions, every task the real audit
 * handler against the emulator at the real IVS Chat quotas (5 TPS per account and region, budget 4).
 * Targets run `maxConcurrency` at a time, so the floor is
 * ⌈targets ÷ maxConcurrency⌉ waves × (rooms per target ÷ budget).
 */

import { AUDITOR_ACCOUNT, orgLoggingConfigArn, startLocalOrg } from '../demo/local-org.js';
import { stateMachineDefinition } from '../demo/state-machine-definition.js';
import type { RunAggregate } from '../lambda/modes/state-machine/aggregate.js';
import { FUNCTION_MEMORY_MB } from '../lib/function-runtime.js';
import type { SeedRoom } from '../local-aws/index.js';

/** Step Functions Standard: $0.025 per 1,000 state transitions (us-east-1). */
export const USD_PER_TRANSITION = 0.025 / 1000;
/** Lambda arm64: $0.0000133334 per GB-second (us-east-1), plus $0.20 per million requests. */
export const USD_PER_GB_SECOND = 0.0000133334;
export const USD_PER_REQUEST = 0.2 / 1_000_000;
const BUDGET_TPS = 4;
const REGIONS = ['us-east-1', 'eu-west-1'];

export interface OrgScaleResult {
  targets: number;
  accounts: number;
  rooms: number;
  roomsPerTarget: number;
  maxConcurrency: number;
  budgetTps: number;
  wallSeconds: number;
  minSeconds: number;
  ratio: number;
  stateTransitions: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  estimatedCostUsdPerRun: number;
  handlerResultBytes: number;
  targetsAudited: number;
  complete: boolean;
  /** Alerts (an alert too large for one SNS message is sent as numbered parts of one alert). */
  alertsPublished: number;
  snsMessages: number;
}

export async function orgScale(options: {
  accounts: number;
  roomsPerTarget: number;
  maxConcurrency: number;
}) {
  const accounts = Array.from({ length: options.accounts }, (_, i) =>
    i === 0 ? AUDITOR_ACCOUNT : String(100000000000 + i * 1111),
  );
  const rooms: SeedRoom[] = [];
  for (const accountId of accounts) {
    for (const region of REGIONS) {
      for (let i = 0; i < options.roomsPerTarget; i++) {
        rooms.push({
          accountId,
          region,
          id: `b${accountId.slice(-5)}${region.slice(0, 2)}${String(i).padStart(4, '0')}`,
          name: `bench-${i}`,
          maximumMessageLength: i % 4 === 0 ? 1000 : 200,
          maximumMessageRatePerSecond: 10,
          messageReviewHandler: {
            uri: `arn:aws:lambda:${region}:${accountId}:function:r`,
            fallbackResult: 'DENY',
          },
          loggingConfigurationIdentifiers: [orgLoggingConfigArn(accountId, region)],
          tags: {},
        });
      }
    }
  }
  const definition = stateMachineDefinition({
    accounts: accounts.join(','),
    regions: REGIONS.join(','),
    maxConcurrency: String(options.maxConcurrency),
  });
  const org = await startLocalOrg(definition, {
    accounts,
    regions: REGIONS,
    rooms,
    quotas: { enabled: true, scale: 1 },
  });
  try {
    const t0 = performance.now();
    const run = await org.run('bench-org-scale');
    const wallSeconds = (performance.now() - t0) / 1000;
    if (run.error) throw new Error(`the state machine failed: ${run.error.name}: ${run.error.message}`);
    const summary = run.output as RunAggregate;
    const targets = accounts.length * REGIONS.length;
    const waves = Math.ceil(targets / options.maxConcurrency);
    const minSeconds = waves * (options.roomsPerTarget / BUDGET_TPS);
    const invocations = Object.values(run.invocations).reduce((a, b) => a + b, 0);
    const gbSeconds = run.lambdaSeconds * (FUNCTION_MEMORY_MB / 1024);
    const cost =
      run.stateTransitions * USD_PER_TRANSITION +
      gbSeconds * USD_PER_GB_SECOND +
      invocations * USD_PER_REQUEST;
    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    const result: OrgScaleResult = {
      targets,
      accounts: accounts.length,
      rooms: rooms.length,
      roomsPerTarget: options.roomsPerTarget,
      maxConcurrency: options.maxConcurrency,
      budgetTps: BUDGET_TPS,
      wallSeconds: round(wallSeconds),
      minSeconds: round(minSeconds),
      ratio: round(wallSeconds / minSeconds, 3),
      stateTransitions: run.stateTransitions,
      lambdaInvocations: invocations,
      lambdaGbSeconds: round(gbSeconds, 1),
      estimatedCostUsdPerRun: round(cost, 5),
      handlerResultBytes: run.maxResultBytes,
      targetsAudited: summary.targetsAudited,
      complete: summary.complete,
      alertsPublished: alerts(org.aws.published()),
      snsMessages: org.aws.published().length,
    };
    return result;
  } finally {
    await org.close();
  }
}

/** Distinct alerts among the published messages: the parts of one alert count once. */
export function alerts(messages: readonly { messages?: Record<string, unknown> }[]): number {
  let count = 0;
  for (const m of messages) {
    const machine = JSON.parse(String(m.messages?.sqs ?? '{}')) as { part?: { index: number } };
    if (!machine.part || machine.part.index === 1) count++;
  }
  return count;
}
