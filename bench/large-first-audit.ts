/**
 * `bench largeFirstAudit`: the first audit of one large account-region (empty state and room cache)
 * through the state machine's audit-target loop — the bundled handler in a child process, invoked
 * again while it answers `done: false` (bench/large-audit-child.ts) — against the emulator with its
 * quotas on and time-scaled by S, the API budget 4 × S and the Lambda deadline scaled by S too. The
 * floor is every GetRoom at the budget: rooms ÷ (4 × S) seconds. ListRooms pages are counted against
 * the 1.05 × ⌈rooms / 50⌉ a run may spend (list once per run).
 */
import type { AuditedOutcome, TargetOutcome } from '../lambda/pipeline/target-outcome.js';
import { RunStore } from '../lambda/state/run-store.js';
import { type LocalDynamo, startLocalDynamo } from '../local-aws/dynamodb.js';
import { startLocalAws } from '../local-aws/index.js';
import { benchLoggingConfigurations, benchRooms } from './rooms.js';

const REGION = 'us-east-1';
const BUDGET_TPS = 4;
const PAGE_SIZE = 50;
/** The run's start as the plan step records it: an hour ago (rooms fetched now are newer). */
const STARTED_AT = () => new Date(Date.now() - 3_600_000).toISOString();
/** The child's run (bench/large-audit-child.ts). */
const RUN_ID = 'bench-large-first-audit';
/** Logging configurations the bench rooms point at (LgBench00000…6 in bench/rooms.ts). */

interface ChildOutput {
  planSeconds: number;
  auditSeconds: number;
  invocations: { seconds: number; done: boolean }[];
  hwmRssMb?: number;
}

export interface LargeFirstAuditResult {
  rooms: number;
  scale: number;
  budgetTps: number;
  invocations: number;
  listRoomsCalls: number;
  listRoomsCallsAllowed: number;
  getRoomCalls: number;
  throttledCalls: number;
  /** The audit-target loop, first invocation to last (plan and aggregate apart). */
  wallSeconds: number;
  minSeconds: number;
  ratio: number;
  findings: number;
  roomsAudited: number;
  complete: boolean;
  /** Seconds of the first invocation (lists, then fetches), the last (evaluates every room) and the rest. */
  firstInvocationSeconds: number;
  lastInvocationSeconds: number;
  middleInvocationSecondsMedian: number;
  /** An invocation's scaled length: 900 s ÷ S, of which the last 90 s ÷ S start no API call. */
  invocationSeconds: number;
  planSeconds: number;
  /** The child's memory high-water mark: the plan and every invocation in one warm process. */
  peakRssMb: number | null;
}

export async function largeFirstAudit(options: {
  rooms: number;
  scale: number;
  /** Runs the bundled child with these arguments; resolves with its last stdout line. */
  runChild: (argv: string[]) => Promise<string>;
}): Promise<LargeFirstAuditResult> {
  const { rooms, scale } = options;
  const aws = await startLocalAws({ quotas: { enabled: true, scale } });
  const dynamo = await startLocalDynamo();
  try {
    aws.seedRooms(REGION, benchRooms(REGION, rooms));
    aws.seedLoggingConfigurations(REGION, benchLoggingConfigurations());
    const topicArn = aws.createTopic(REGION, 'bench-alerts');
    aws.resetStats();
    const argv = [aws.endpoint, dynamo.endpoint, dynamo.tableName, topicArn, String(scale), STARTED_AT()];
    const out = JSON.parse(await options.runChild(argv)) as ChildOutput;
    const outcome = await storedOutcome(dynamo, RUN_ID);
    const stats = aws.stats()[REGION] ?? {};
    let throttled = 0;
    for (const s of Object.values(stats)) throttled += s.throttled;
    const minSeconds = rooms / (BUDGET_TPS * scale);
    const seconds = out.invocations.map((i) => i.seconds);
    const middle = seconds.slice(1, -1).sort((a, b) => a - b);
    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      rooms,
      scale,
      budgetTps: BUDGET_TPS * scale,
      invocations: out.invocations.length,
      listRoomsCalls: stats.ListRooms?.calls ?? 0,
      listRoomsCallsAllowed: Math.floor(1.05 * Math.ceil(rooms / PAGE_SIZE)),
      getRoomCalls: stats.GetRoom?.calls ?? 0,
      throttledCalls: throttled,
      wallSeconds: round(out.auditSeconds),
      minSeconds: round(minSeconds),
      ratio: round(out.auditSeconds / minSeconds, 3),
      findings: outcome.report.findings.length,
      roomsAudited: outcome.report.roomsAudited,
      complete: outcome.report.complete,
      firstInvocationSeconds: seconds[0] ?? 0,
      lastInvocationSeconds: seconds.at(-1) ?? 0,
      middleInvocationSecondsMedian: middle[Math.floor(middle.length / 2)] ?? 0,
      invocationSeconds: round(900 / scale),
      planSeconds: round(out.planSeconds),
      peakRssMb: out.hwmRssMb ?? null,
    };
  } finally {
    await dynamo.close();
    await aws.close();
  }
}

/** The target's outcome as the last invocation stored it (read here, outside the measured child). */
async function storedOutcome(dynamo: LocalDynamo, runId: string): Promise<AuditedOutcome> {
  for await (const { outcome } of new RunStore(dynamo.client, dynamo.tableName, runId).outcomes()) {
    const stored = outcome as TargetOutcome;
    if (stored.status === 'audited') return stored;
    throw new Error(`the target was not audited: ${stored.status}: ${stored.reason}`);
  }
  throw new Error(`run ${runId} stored no outcome`);
}
