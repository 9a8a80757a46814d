/**
 * `bench orgScale`: one state machine run over many targets (account × region), as deployed: the
 * definition `cdk synth` produces, interpreted by aws-local-stepfunctions, every task the real audit
 * handler against the emulator at the real IVS Chat quotas (5 TPS per account and region, budget 4).
 * Targets run `maxConcurrency` at a time, so the floor is
 * ⌈targets ÷ maxConcurrency⌉ waves × (rooms per target ÷ budget).
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AUDITOR_ACCOUNT, orgLoggingConfigArn, startLocalOrg } from '../demo/local-org.js';
import { stateMachineDefinition } from '../demo/state-machine-definition.js';
import type { RunAggregate } from '../lambda/modes/state-machine/aggregate.js';
import { SETTINGS } from '../lambda/settings/table.js';
import { FUNCTION_MEMORY_MB } from '../lib/function-runtime.js';
import type { SeedRoom, StatsSnapshot } from '../local-aws/index.js';
import { type AuditHandler, runLocalStateMachine } from '../local-aws/step-functions.js';

/** Step Functions Standard: $0.025 per 1,000 state transitions (us-east-1). */
export const USD_PER_TRANSITION = 0.025 / 1000;
/** Lambda arm64: $0.0000133334 per GB-second (us-east-1), plus $0.20 per million requests. */
export const USD_PER_GB_SECOND = 0.0000133334;
export const USD_PER_REQUEST = 0.2 / 1_000_000;
const BUDGET_TPS = 4;
const ALL_REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2', 'eu-central-1', 'ap-northeast-1'];

export interface OrgScaleOptions {
  accounts: number;
  /** How many of ALL_REGIONS each account is audited in. */
  regions: number;
  roomsPerTarget: number;
  /** Default: the stack's (the `maxConcurrency` setting's default). */
  maxConcurrency?: number;
  /**
   * Time scale: the emulator's quotas, the API budget (4 × scale) and the Lambda deadline (15 min ÷
   * scale) together, so the run takes 1/scale of its real time. Default 1 (real time).
   */
  scale?: number;
}

export interface OrgScaleResult {
  targets: number;
  accounts: number;
  regions: number;
  rooms: number;
  roomsPerTarget: number;
  maxConcurrency: number;
  scale: number;
  budgetTps: number;
  wallSeconds: number;
  minSeconds: number;
  ratio: number;
  stateTransitions: number;
  /** Per target: what each child workflow adds (the plan, Map and aggregate states excluded). */
  transitionsPerTarget: number;
  lambdaInvocations: number;
  /** At the real (unscaled) durations: see realLambdaSeconds. */
  lambdaGbSeconds: number;
  estimatedCostUsdPerRun: number;
  handlerResultBytes: number;
  targetsAudited: number;
  complete: boolean;
  /** Alerts (an alert too large for one SNS message is sent as numbered parts of one alert). */
  alertsPublished: number;
  snsMessages: number;
  /** Where the time went: seconds of handler time by step, and the run's calls. */
  profile: OrgScaleProfile;
}

export interface OrgScaleProfile {
  /** Handler seconds by step (summed over invocations), as measured (scaled). */
  handlerSeconds: Record<string, number>;
  /** The slowest single invocation of each step, in seconds. */
  maxInvocationSeconds: Record<string, number>;
  /** Mean audit-target invocation time beyond its share of the floor (rooms ÷ budget), in ms. */
  auditTargetOverheadMs: number;
  /** Seconds from the start to the first audit-target call (plan + Map start), and from the last one's end to the finish (aggregate). */
  beforeFirstTargetSeconds: number;
  afterLastTargetSeconds: number;
  /** The targets' phase alone (first audit-target call to the last one's end) over the floor. */
  mapPhaseRatio: number;
  /** DynamoDB commands of the whole run, by command, and per target. */
  dynamoCommands: Record<string, number>;
  /** DynamoDB commands by the step that sent them. */
  dynamoCommandsByStep: Record<string, number>;
  /** DynamoDB commands by step, then by command: what each step's round trips are. */
  dynamoCommandsByStepAndCommand: Record<string, Record<string, number>>;
  dynamoCommandsPerTarget: number;
  /** The aggregate step's DynamoDB commands per target, by command (its per-target writes are what it costs). */
  aggregateCommandsPerTarget: Record<string, number>;
  /** Emulator calls of the whole run by operation (IVS Chat, STS, SNS, …), summed over regions. */
  awsCalls: Record<string, number>;
  /** Process CPU seconds (user + system) over the run: the emulator, dynalite, interpreter and handlers share it. */
  cpuSeconds: number;
  /**
   * The interpreter alone: the same definition and targets with every task answered at once (no
   * AWS, no DynamoDB). What aws-local-stepfunctions itself adds to the wall time; Step Functions'
   * own latency when deployed is a different figure (see the report).
   */
  interpreterOnlySeconds: number;
}

export async function orgScale(options: OrgScaleOptions): Promise<OrgScaleResult> {
  const scale = options.scale ?? 1;
  const maxConcurrency = options.maxConcurrency ?? Number(SETTINGS.maxConcurrency.default);
  const regions = ALL_REGIONS.slice(0, options.regions);
  const accounts = Array.from({ length: options.accounts }, (_, i) =>
    i === 0 ? AUDITOR_ACCOUNT : String(100000000000 + i * 1111),
  );
  const rooms = orgRooms(accounts, regions, options.roomsPerTarget);
  const definition = stateMachineDefinition({
    accounts: accounts.join(','),
    regions: regions.join(','),
    maxConcurrency: String(maxConcurrency),
  });
  const org = await startLocalOrg(definition, {
    accounts,
    regions,
    rooms,
    quotas: { enabled: true, scale },
    dynamoThread: true,
  });
  const dynamoCommands = countCommands(org.dynamo.client);
  const budgetTps = BUDGET_TPS * scale;
  const timing = timedHandler(org.handler({ apiBudgetTps: budgetTps }));
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const run = await org.run('bench-org-scale', {
      handler: timing.handler,
      invocationMs: Math.round((15 * 60_000) / scale),
    });
    const t1 = performance.now();
    const wallSeconds = (t1 - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (run.error) throw new Error(`the state machine failed: ${run.error.name}: ${run.error.message}`);
    const summary = run.output as RunAggregate;
    const targets = accounts.length * regions.length;
    const floorPerTarget = options.roomsPerTarget / budgetTps;
    const minSeconds = Math.ceil(targets / maxConcurrency) * floorPerTarget;
    const invocations = Object.values(run.invocations).reduce((a, b) => a + b, 0);
    const gbSeconds = realLambdaSeconds(timing, rooms.length, scale) * (FUNCTION_MEMORY_MB / 1024);
    const cost =
      run.stateTransitions * USD_PER_TRANSITION +
      gbSeconds * USD_PER_GB_SECOND +
      invocations * USD_PER_REQUEST;
    const auditTarget = timing.steps['audit-target'] ?? { seconds: 0, calls: 1, max: 0, first: t0, last: t0 };
    const commands = Object.values(dynamoCommands.byCommand).reduce((a, b) => a + b, 0);
    return {
      targets,
      accounts: accounts.length,
      regions: regions.length,
      rooms: rooms.length,
      roomsPerTarget: options.roomsPerTarget,
      maxConcurrency,
      scale,
      budgetTps,
      wallSeconds: round(wallSeconds),
      minSeconds: round(minSeconds),
      ratio: round(wallSeconds / minSeconds, 3),
      stateTransitions: run.stateTransitions,
      transitionsPerTarget: round((run.stateTransitions - OUTER_TRANSITIONS) / targets, 2),
      lambdaInvocations: invocations,
      lambdaGbSeconds: round(gbSeconds, 1),
      estimatedCostUsdPerRun: round(cost, 5),
      handlerResultBytes: run.maxResultBytes,
      targetsAudited: summary.targetsAudited,
      complete: summary.complete,
      alertsPublished: alerts(org.aws.published()),
      snsMessages: org.aws.published().length,
      profile: {
        handlerSeconds: mapValues(timing.steps, (s) => round(s.seconds)),
        maxInvocationSeconds: mapValues(timing.steps, (s) => round(s.max, 3)),
        auditTargetOverheadMs: round(
          ((auditTarget.seconds - targets * floorPerTarget) / auditTarget.calls) * 1000,
          1,
        ),
        beforeFirstTargetSeconds: round((auditTarget.first - t0) / 1000),
        afterLastTargetSeconds: round((t1 - auditTarget.last) / 1000),
        mapPhaseRatio: round((auditTarget.last - auditTarget.first) / 1000 / minSeconds, 3),
        dynamoCommands: dynamoCommands.byCommand,
        dynamoCommandsByStep: dynamoCommands.byStep,
        dynamoCommandsByStepAndCommand: dynamoCommands.byStepAndCommand,
        dynamoCommandsPerTarget: round(commands / targets, 1),
        aggregateCommandsPerTarget: mapValues(dynamoCommands.byStepAndCommand.aggregate ?? {}, (n) =>
          round(n / targets, 2),
        ),
        awsCalls: awsCalls(org.aws.stats()),
        cpuSeconds: round((cpu.user + cpu.system) / 1e6),
        interpreterOnlySeconds: round(await interpreterOnly(definition, targets)),
      },
    };
  } finally {
    await org.close();
  }
}

/** The states outside the children: Plan, the Map, Aggregate. */
const OUTER_TRANSITIONS = 3;

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const mapValues = <T, U>(o: Record<string, T>, f: (v: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

function orgRooms(accounts: readonly string[], regions: readonly string[], perTarget: number): SeedRoom[] {
  const rooms: SeedRoom[] = [];
  for (const accountId of accounts) {
    for (const region of regions) {
      for (let i = 0; i < perTarget; i++) {
        rooms.push({
          accountId,
          region,
          id: `b${accountId.slice(-5)}${region.replace(/-/g, '').slice(0, 4)}${String(i).padStart(4, '0')}`,
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
  return rooms;
}

interface StepTiming {
  seconds: number;
  calls: number;
  max: number;
  /** performance.now() of the first call's start and the last call's end. */
  first: number;
  last: number;
}

/** The handler, timed by step. */
function timedHandler(handler: AuditHandler) {
  const steps: Record<string, StepTiming> = {};
  const timed: AuditHandler = async (event, context) => {
    const step = String((event as { step?: unknown }).step ?? 'scheduled');
    const started = performance.now();
    try {
      return await currentStep.run(step, () => handler(event, context));
    } finally {
      const ended = performance.now();
      const s = steps[step] ?? { seconds: 0, calls: 0, max: 0, first: started, last: ended };
      steps[step] = s;
      const seconds = (ended - started) / 1000;
      s.seconds += seconds;
      s.calls++;
      s.max = Math.max(s.max, seconds);
      s.last = Math.max(s.last, ended);
    }
  };
  return { handler: timed, steps };
}

/**
 * The run's Lambda seconds at real durations. Only the waits for the API budget scale; the rest
 * (computation, DynamoDB, STS) takes the same time at any scale. So the real time is the measured
 * time plus the budget waits the rooms would have had unscaled: each GetRoom 1/4 s instead of
 * 1/(4 × scale) s. At scale 1 this is the measured time.
 */
function realLambdaSeconds(timing: { steps: Record<string, StepTiming> }, rooms: number, scale: number) {
  const measured = Object.values(timing.steps).reduce((n, s) => n + s.seconds, 0);
  return measured + (rooms / BUDGET_TPS) * (1 - 1 / scale);
}

/** Seconds of one run of the definition over `targets` targets with tasks that answer at once. */
async function interpreterOnly(definition: object, targets: number): Promise<number> {
  const handler: AuditHandler = async (event) => {
    const e = event as { step: string; runId: string; startedAt: string; index?: number };
    if (e.step === 'plan') {
      return { ...e, count: targets, targets: Array.from({ length: targets }, (_, i) => i) };
    }
    if (e.step === 'audit-target') return { ...e, iteration: 1, done: true };
    return {};
  };
  const t0 = performance.now();
  const run = await runLocalStateMachine({ definition, handler, executionName: 'bench-interpreter' });
  if (run.error) throw new Error(`the interpreter-only run failed: ${run.error.message}`);
  return (performance.now() - t0) / 1000;
}

/** The step whose handler is running: the DynamoDB commands are counted by it. */
const currentStep = new AsyncLocalStorage<string>();

/** Counts the client's commands by name, by step, and by step and name (middleware on its stack). */
function countCommands(client: DynamoDBClient) {
  const counts = {
    byCommand: {} as Record<string, number>,
    byStep: {} as Record<string, number>,
    byStepAndCommand: {} as Record<string, Record<string, number>>,
  };
  const add = (into: Record<string, number>, key: string) => {
    into[key] = (into[key] ?? 0) + 1;
  };
  client.middlewareStack.add(
    (next, context) => (args) => {
      const command = context.commandName ?? 'unknown';
      const step = currentStep.getStore() ?? 'setup';
      add(counts.byCommand, command);
      add(counts.byStep, step);
      const ofStep = counts.byStepAndCommand[step] ?? {};
      counts.byStepAndCommand[step] = ofStep;
      add(ofStep, command);
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCommands' },
  );
  return counts;
}

function awsCalls(stats: StatsSnapshot): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const ops of Object.values(stats)) {
    for (const [op, s] of Object.entries(ops)) calls[op] = (calls[op] ?? 0) + s.calls;
  }
  return calls;
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
