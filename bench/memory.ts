/**
 * `bench memory` and `bench memoryLarge`: the peak memory of one scheduled run of the bundled
 * handler (bench/memory-child.ts), each run a fresh process under the stack's NODE_OPTIONS, against
 * the emulator (no quotas, no API budget) and dynalite served by this process.
 *
 * - `memory`, 50,000 rooms: a first audit (empty state: every room fetched, every finding new and
 *   alerted) and then a steady state (nothing changed: the state and the room cache loaded, no
 *   GetRoom). Target: each ≤ 200 MB.
 * - `memoryLarge`, 200,000 rooms: the run a day later and the steady state after it, no target; the
 *   larger peak is what the function's memory is derived from (lib/function-runtime.ts). The run a
 *   day later lists every finding (each a reminder) and holds the loaded state besides, so it holds
 *   at least what the last invocation of a 200,000-room first audit holds (every finding new, the
 *   state empty); the first audit itself would take far longer here. The state and the room cache are
 *   seeded by the same handler run in this process (not measured), its clock 25 hours back,
 *   recording through a plain batched save rather than conditional writes, which is faster and
 *   writes the same items.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createHandler } from '../lambda/handler.js';
import { AccountStateStore } from '../lambda/state/target-store.js';
import { FUNCTION_HEAP_GROWING_PERCENT, FUNCTION_NODE_OPTIONS } from '../lib/function-runtime.js';
import { startLocalDynamo } from '../local-aws/dynamodb.js';
import { startLocalAws } from '../local-aws/index.js';
import { benchRooms } from './rooms.js';

const REGION = 'us-east-1';
/** The target of both 50,000-room runs (issue 24). */
export const MEMORY_TARGET_MB = 200;

/** What memory-child.ts prints (the handler's result and the memory figures). */
export interface MemoryRun {
  roomsAudited: number;
  findings: number;
  newFindings: number;
  reminders?: number;
  published: number;
  complete: boolean;
  handlerResultBytes: number;
  seconds: number;
  baselineRssMb: number;
  peakRssMb: number;
  hwmRssMb: number;
  heapUsedPeakMb: number;
  getRoomCalls?: number;
  listRoomsCalls?: number;
}

export interface MemoryBenchOptions {
  rooms: number;
  /**
   * Runs the bundled memory-child with these arguments (NODE_OPTIONS as the stack sets them) and
   * environment added; its stdout.
   */
  runChild(argv: string[], env?: NodeJS.ProcessEnv): Promise<string>;
  log(line: string): void;
}

/** The peak of a run: the sampled RSS or the kernel's high-water mark, whichever is higher. */
export const peakOf = (run: MemoryRun) => Math.max(run.peakRssMb, run.hwmRssMb);

/**
 * A first audit, then a steady state, then the run a day later (its clock 25 hours on: every finding's
 * reminder and every room's full refresh due, as the defaults make them on the day after a first
 * audit), each in a fresh child.
 */
export async function memoryRuns(options: MemoryBenchOptions) {
  return withFleet(options.rooms, async (fleet) => {
    const firstAudit = await fleet.measure(options);
    const steadyState = await fleet.measure(options);
    const dayLater = await fleet.measure(options, { BENCH_CLOCK_OFFSET_HOURS: String(DAY_LATER_HOURS) });
    return {
      rooms: options.rooms,
      nodeOptions: FUNCTION_NODE_OPTIONS,
      heapGrowingPercent: FUNCTION_HEAP_GROWING_PERCENT,
      firstAudit,
      steadyState,
      dayLater,
    };
  });
}

/** Past both 24-hour defaults (renotifyAfterHours, fullRefreshHours). */
const DAY_LATER_HOURS = 25;

/**
 * At 200,000 rooms: the run a day later (every reminder and every room's full refresh due), then the
 * steady state that follows it, the state and room cache seeded 25 hours before by an unmeasured run
 * in this process. The larger peak of the two is the one the function's memory is derived from.
 */
export async function largeRuns(options: MemoryBenchOptions) {
  return withFleet(options.rooms, async (fleet) => {
    const t0 = performance.now();
    await fleet.seed(DAY_LATER_HOURS);
    const seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
    options.log(
      `memoryLarge: ${options.rooms} rooms seeded in ${seedSeconds} s (${DAY_LATER_HOURS} h before)`,
    );
    const dayLater = await fleet.measure(options);
    const steadyState = await fleet.measure(options);
    return {
      rooms: options.rooms,
      nodeOptions: FUNCTION_NODE_OPTIONS,
      heapGrowingPercent: FUNCTION_HEAP_GROWING_PERCENT,
      seedSeconds,
      peakRssMb: Math.max(peakOf(dayLater), peakOf(steadyState)),
      dayLater,
      steadyState,
    };
  });
}

interface Fleet {
  measure(options: MemoryBenchOptions, env?: NodeJS.ProcessEnv): Promise<MemoryRun>;
  /** Seeds the state and room cache as a run `hoursAgo` would have left them. */
  seed(hoursAgo: number): Promise<void>;
}

/** Children whose GC trace was written (BENCH_GC_TRACE_DIR), to name each file. */
let traced = 0;

async function withFleet<T>(rooms: number, body: (fleet: Fleet) => Promise<T>): Promise<T> {
  const aws = await startLocalAws({ quotas: { enabled: false } });
  const dynamo = await startLocalDynamo();
  try {
    aws.seedRooms(REGION, benchRooms(REGION, rooms));
    const topicArn = aws.createTopic(REGION, 'bench-alerts');
    const stats = (operation: string) => aws.stats()[REGION]?.[operation]?.calls ?? 0;
    return await body({
      async measure(options, env) {
        aws.resetStats();
        const argv = [aws.endpoint, dynamo.endpoint, dynamo.tableName, topicArn];
        const output = await options.runChild(argv, env);
        // Diagnostic: the child traced its collections on stdout (BENCH_GC_TRACE_DIR, memory-child.ts).
        const traceDir = process.env.BENCH_GC_TRACE_DIR;
        if (traceDir) writeFileSync(join(traceDir, `memory-child-${++traced}.log`), output);
        const out = output.trim().split('\n').pop() ?? '{}';
        const run = JSON.parse(out) as MemoryRun;
        run.getRoomCalls = stats('GetRoom');
        run.listRoomsCalls = stats('ListRooms');
        return run;
      },
      async seed(hoursAgo) {
        // Metrics would print an EMF line per run on stdout.
        const previous = process.env.POWERTOOLS_METRICS_DISABLED;
        process.env.POWERTOOLS_METRICS_DISABLED = 'true';
        const handler = createHandler({
          env: { AUDIT_REGIONS: REGION, ALERT_TOPIC_ARN: topicArn, STATE_TABLE_NAME: dynamo.tableName },
          connection: { endpoint: aws.endpoint },
          dynamoClient: dynamo.client,
          apiBudgetTps: null,
          // Findings told `hoursAgo` are due for a reminder in the measured run once that is a day.
          ...(hoursAgo > 0 ? { now: () => new Date(Date.now() - hoursAgo * 3_600_000) } : {}),
          // One batched save instead of claim and settle: nobody else writes this table.
          stateStore: (accountId) => {
            const store = new AccountStateStore(dynamo.client, dynamo.tableName, accountId, [REGION]);
            return {
              load: () => store.load(),
              fetch: (states) => store.fetch(states),
              save: (changes, now) => store.save(changes, now),
            };
          },
          logger: new Logger({ serviceName: 'ivschat-auditor', logLevel: 'ERROR' }),
          metrics: new Metrics({ namespace: 'IvsChatAuditor', serviceName: 'bench' }),
        });
        try {
          await handler({}, { getRemainingTimeInMillis: () => 3_600_000 });
        } finally {
          if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
          else process.env.POWERTOOLS_METRICS_DISABLED = previous;
        }
      },
    });
  } finally {
    await dynamo.close();
    await aws.close();
  }
}
