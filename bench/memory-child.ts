/**
 * Child process of the memory benchmark (bundled and minified by bench/run.ts, like the Lambda, and
 * started with the stack's NODE_OPTIONS). Runs the real scheduled handler once — what one Lambda
 * invocation does — against the emulator and dynalite served by the parent: STS, the finding state
 * and room cache from DynamoDB, ListRooms + GetRoom, evaluation, reconcile, the SNS publish, the
 * state and room-cache writes. Run it twice for a first audit and then a steady-state run. Prints
 * one JSON line: what the handler returned, its serialised size (the Lambda response), and RSS
 * figures; run fresh so the numbers are the auditor's alone.
 *
 * argv: AWS_ENDPOINT DYNAMO_ENDPOINT TABLE TOPIC_ARN
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler } from '../lambda/handler.js';

const [endpoint, dynamoEndpoint, tableName, topicArn] = process.argv.slice(2);
if (!endpoint || !dynamoEndpoint || !tableName || !topicArn) {
  throw new Error('usage: memory-child AWS_ENDPOINT DYNAMO_ENDPOINT TABLE TOPIC_ARN');
}

// Metrics would print an EMF line per run on stdout (the bench reads the last line).
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const clockOffsetMs = Number(process.env.BENCH_CLOCK_OFFSET_HOURS ?? 0) * 3_600_000;
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const handler = createHandler({
  env: {
    AUDIT_REGIONS: 'us-east-1',
    ALERT_TOPIC_ARN: topicArn,
    STATE_TABLE_NAME: tableName,
  },
  connection: { endpoint },
  dynamoClient: new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
  // The emulator runs without quotas here: the budget would only make the run take hours.
  apiBudgetTps: null,
  // BENCH_CLOCK_OFFSET_HOURS=25: the run a day after the others (every reminder and refresh due).
  ...(clockOffsetMs ? { now: () => new Date(Date.now() + clockOffsetMs) } : {}),
  logger: new Logger({ serviceName: 'ivschat-auditor', logLevel: 'ERROR' }),
  metrics: new Metrics({ namespace: 'IvsChatAuditor', serviceName: 'bench' }),
});

// Diagnostic (not part of the figures): BENCH_GC_TRACE_DIR=/tmp/g prints a line per collection (what
// each full collection left live, and how large the heap had grown before it); bench/memory.ts saves
// this child's output there. Set here: Node takes no --trace-gc in NODE_OPTIONS.
if (process.env.BENCH_GC_TRACE_DIR) setFlagsFromString('--trace-gc');
const baselineRss = process.memoryUsage().rss;
let peakRss = baselineRss;
let peakHeap = 0;
let peakHeapTotal = 0;
let peakExternal = 0;
// Diagnostic (not part of the figures): BENCH_HEAP_SNAPSHOT_DIR and BENCH_HEAP_SNAPSHOT_MB=100,140
// write a heap snapshot the first time the used heap passes each figure, to see what the peak holds.
const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
const snapshotAt = (process.env.BENCH_HEAP_SNAPSHOT_MB ?? '').split(',').filter(Boolean).map(Number);
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  if (snapshotDir && snapshotAt.length > 0 && m.heapUsed >= (snapshotAt[0] as number) * 2 ** 20) {
    const at = snapshotAt.shift();
    writeHeapSnapshot(join(snapshotDir, `memory-child-${process.pid}-${at}mb.heapsnapshot`));
  }
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakHeapTotal = Math.max(peakHeapTotal, m.heapTotal);
  peakExternal = Math.max(peakExternal, m.external);
}, 20);

const timeline = process.env.BENCH_RSS_TIMELINE_DIR
  ? await startTimeline(process.env.BENCH_RSS_TIMELINE_DIR)
  : undefined;
const t0 = performance.now();
const result = await handler({}, { getRemainingTimeInMillis: () => 900_000 });
await timeline?.stop();
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

process.stdout.write(
  `${JSON.stringify({
    ...result,
    // What the Lambda runtime would serialise as the response (capped at 6 MB), all of it.
    handlerResultBytes: Buffer.byteLength(JSON.stringify(result)),
    seconds: Math.round(seconds * 100) / 100,
    nodeOptions: process.env.NODE_OPTIONS ?? '',
    mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? '',
    heapGrowingPercent: process.env.NODE_HEAP_GROWING_PERCENT ?? '',
    baselineRssMb: mb(baselineRss),
    peakRssMb: mb(peakRss),
    // The kernel's high-water mark of this process's memory (VmHWM) also catches peaks inside
    // synchronous work the sampler cannot see. Not getrusage's maxRSS: a spawned child inherits
    // the parent's RSS at fork in it (the emulator and dynalite parent is ~300 MB by the second run).
    hwmRssMb: highWaterMarkMb(),
    maxRssMbIncludingFork: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    heapUsedPeakMb: mb(peakHeap),
    heapTotalPeakMb: mb(peakHeapTotal),
    externalPeakMb: mb(peakExternal),
  })}\n`,
);

/** VmHWM from /proc/self/status (Linux); the sampled peak elsewhere. */
function highWaterMarkMb(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Math.round((Number(kb) / 1024) * 10) / 10;
  } catch {
    // not Linux
  }
  return mb(peakRss);
}

/**
 * Diagnostic (not part of the figures): BENCH_RSS_TIMELINE_DIR=/tmp/t records the RSS every 2 ms
 * from a worker thread (which samples while the handler's synchronous work blocks the sampler above)
 * and a CPU profile of the run, both on the monotonic clock, to find what the run was doing when its
 * memory rose.
 */
async function startTimeline(dir: string) {
  const { Worker } = await import('node:worker_threads');
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const rows = []; let max = 0;
     const timer = setInterval(() => {
       const rss = process.memoryUsage.rss();
       if (rss > max + 1048576) { max = rss; rows.push([Number(process.hrtime.bigint() / 1000n), Math.round(rss / 1048576)]); }
     }, 2);
     parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(rows); });`,
    { eval: true },
  );
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      const rows = await new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage('stop');
      });
      await worker.terminate();
      writeFileSync(join(dir, `timeline-${process.pid}.json`), JSON.stringify(rows));
      writeFileSync(join(dir, `profile-${process.pid}.cpuprofile`), JSON.stringify(profile));
    },
  };
}
