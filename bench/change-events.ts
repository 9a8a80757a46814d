/**
 * `bench changeEvents`: change-triggered audits end to end, in real time. Writes go through the
 * real SDK to the emulator, whose CloudTrail events pass the local SQS queue and event source
 * mapping (local-aws/change-queue.ts: batching window, 10,000 messages or 6 MB a batch, two batches
 * at a time as the stack's maxConcurrency allows) to the
 * change function — the bundled handler, one fresh process per batch (a cold Lambda) — which reads
 * rooms from the emulator at its quotas and publishes to its SNS.
 *
 * - burst: N writes over M rooms at the default 20 s window and the real quotas and budget (GetRoom
 *   5 TPS, budget 4). The writer's UpdateRoom quota is raised so the burst lands in one window (at
 *   the real 5 TPS, 200 writes take 40 s and span two or three batches).
 * - storm: one write to each of many rooms (a deploy touching every room), at the real quotas and
 *   budget too (`--quick`: ×10).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeBatchResult } from '../lambda/modes/changes/batch.js';
import { fullAuditDueKey } from '../lambda/state/keys.js';
import { ChangeQueue, type SqsEvent } from '../local-aws/change-queue.js';
import { type LocalDynamo, startLocalDynamo } from '../local-aws/dynamodb.js';
import { type LocalAws, type SeedRoom, startLocalAws } from '../local-aws/index.js';
import { alerts } from './org-scale.js';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** The stack's defaults: changeBatchWindowSeconds 20, changeMaxRooms 100; the audit's API budget 4. */
export const DEFAULT_WINDOW_MS = 20_000;
export const CHANGE_MAX_ROOMS = 100;
const BUDGET_TPS = 4;
const QUOTA_TPS = 5;
/** The stack's event source mapping: maxConcurrency 2 (the least SQS allows). */
export const MAPPING_MAX_CONCURRENCY = 2;

/** Runs the bundled change function once: argv after the script; resolves to its last stdout line. */
export type RunChild = (argv: string[]) => Promise<string>;

export interface ChangeEventsOptions {
  runChild: RunChild;
  burst: { events: number; rooms: number; windowMs: number };
  storm: { rooms: number; windowMs: number; scale: number };
}

interface ChildOutput {
  result: ChangeBatchResult;
  seconds: number;
}

interface Harness {
  aws: LocalAws;
  dynamo: LocalDynamo;
  queue: ChangeQueue;
  /** When the emulator committed each successful write, by message id. */
  writtenAt: Map<string, number>;
  failedWrites: number;
  outputs: ChildOutput[];
  close(): Promise<void>;
}

/** Emulator + dynalite + topic + queue feeding the bundled change function. */
async function harness(options: {
  runChild: RunChild;
  seed: SeedRoom[];
  windowMs: number;
  scale: number;
  writeTps: number;
}): Promise<Harness> {
  const budget = BUDGET_TPS * options.scale;
  let queue: ChangeQueue | undefined;
  const writtenAt = new Map<string, number>();
  const state = { failedWrites: 0 };
  const aws = await startLocalAws({
    quotas: { enabled: true, scale: options.scale, rates: { UpdateRoom: options.writeTps / options.scale } },
    onChangeEvent: (event) => {
      const id = queue?.send(event);
      if (!id) return;
      if (event.detail.errorCode) state.failedWrites++;
      else writtenAt.set(id, Date.now());
    },
  });
  const dynamo = await startLocalDynamo();
  const dir = mkdtempSync(join(tmpdir(), 'ivschat-bench-changes-'));
  aws.seedRooms(REGION, options.seed);
  const topicArn = aws.createTopic(REGION, 'bench-alerts');
  const outputs: ChildOutput[] = [];
  let batch = 0;
  queue = new ChangeQueue({
    batchWindowMs: options.windowMs,
    // The mapping's largest batch with a window; Lambda's 6 MB payload is the tighter bound.
    maxBatchSize: 10_000,
    maxConcurrency: MAPPING_MAX_CONCURRENCY,
    region: REGION,
    consumer: async (event: SqsEvent) => {
      const file = join(dir, `batch-${++batch}.json`);
      writeFileSync(file, JSON.stringify(event));
      const argv = [aws.endpoint, dynamo.endpoint, dynamo.tableName, topicArn, file, String(budget)];
      const output = JSON.parse(await options.runChild(argv)) as ChildOutput;
      outputs.push(output);
      return output.result;
    },
  });
  const h: Harness = {
    aws,
    dynamo,
    queue,
    writtenAt,
    get failedWrites() {
      return state.failedWrites;
    },
    outputs,
    async close() {
      await queue?.stop();
      rmSync(dir, { recursive: true, force: true });
      await dynamo.close();
      await aws.close();
    },
  };
  return h;
}

/** `count` UpdateRoom calls over `rooms`, `concurrency` at a time, each leaving the room over 200. */
async function write(aws: LocalAws, arns: string[], count: number, concurrency: number): Promise<void> {
  const client = new IvschatClient({
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'app', secretAccessKey: 'app' },
    maxAttempts: 10,
  });
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++;
          await client.send(
            new UpdateRoomCommand({
              identifier: arns[i % arns.length] as string,
              maximumMessageLength: 201 + (i % 299),
            }),
          );
        }
      }),
    );
  } finally {
    client.destroy();
  }
}

function rooms(prefix: string, count: number): SeedRoom[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${i}`,
    maximumMessageLength: 200,
    maximumMessageRatePerSecond: 5,
    tags: { owner: 'team-chat', env: 'prod' },
  }));
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export interface BurstResult {
  events: number;
  failedWrites: number;
  rooms: number;
  windowSeconds: number;
  batches: number;
  batchSizes: number[];
  getRoomCalls: number;
  getRoomCallsByHandler: number;
  listRoomsCalls: number;
  getRoomMaxObservedTps: number;
  budgetTps: number;
  throttledCalls: number;
  /** Alerts (the parts of an alert too large for one SNS message count once) and SNS messages. */
  alertsPublished: number;
  snsMessages: number;
  detectedEvents: number;
  p50DetectionSeconds: number;
  p95DetectionSeconds: number;
  maxDetectionSeconds: number;
  writeSpanSeconds: number;
  handlerSeconds: number[];
}

async function burst(options: ChangeEventsOptions): Promise<BurstResult> {
  const { events, rooms: roomCount, windowMs } = options.burst;
  const h = await harness({
    runChild: options.runChild,
    seed: rooms('burst', roomCount),
    windowMs,
    scale: 1,
    writeTps: 1000,
  });
  try {
    const arns = h.aws.rooms(REGION).map((r) => r.arn);
    const t0 = Date.now();
    await write(h.aws, arns, events, 8);
    const writeSpanSeconds = (Date.now() - t0) / 1000;
    await h.queue.idle();
    const published = h.aws.published();
    // Each successful write is detected by the first alert its batch published.
    const detections: number[] = [];
    for (const d of h.queue.deliveries) {
      const alertAt = Math.min(
        ...published.map((m) => Date.parse(m.timestamp)).filter((t) => t >= d.startedAt && t <= d.finishedAt),
      );
      for (const id of d.messageIds) {
        const at = h.writtenAt.get(id);
        if (at !== undefined && Number.isFinite(alertAt)) detections.push((alertAt - at) / 1000);
      }
    }
    const stats = h.aws.stats()[REGION] ?? {};
    return {
      events,
      failedWrites: h.failedWrites,
      rooms: roomCount,
      windowSeconds: windowMs / 1000,
      batches: h.queue.deliveries.length,
      batchSizes: h.queue.deliveries.map((d) => d.messageIds.length),
      getRoomCalls: stats.GetRoom?.calls ?? 0,
      getRoomCallsByHandler: h.outputs.reduce((n, o) => n + o.result.summary.getRoomCalls, 0),
      listRoomsCalls: stats.ListRooms?.calls ?? 0,
      getRoomMaxObservedTps: stats.GetRoom?.maxObservedTps ?? 0,
      budgetTps: BUDGET_TPS,
      throttledCalls: Object.entries(stats)
        .filter(([op]) => op !== 'UpdateRoom')
        .reduce((n, [, s]) => n + s.throttled, 0),
      alertsPublished: alerts(published),
      snsMessages: published.length,
      detectedEvents: detections.length,
      p50DetectionSeconds: round(percentile(detections, 50)),
      p95DetectionSeconds: round(percentile(detections, 95)),
      maxDetectionSeconds: round(Math.max(...detections)),
      writeSpanSeconds: round(writeSpanSeconds),
      handlerSeconds: h.outputs.map((o) => o.seconds),
    };
  } finally {
    await h.close();
  }
}

export interface StormResult {
  rooms: number;
  events: number;
  failedWrites: number;
  windowSeconds: number;
  scale: number;
  budgetTps: number;
  changeMaxRooms: number;
  batches: number;
  batchSizes: number[];
  /** GetRoom calls of each batch, as the handler counted them. */
  getRoomCallsPerBatch: number[];
  /** Each batch's delivery and return, seconds after the first write. */
  batchSeconds: { from: number; to: number }[];
  maxGetRoomCallsPerBatch: number;
  getRoomCalls: number;
  getRoomMaxObservedTps: number;
  throttledCalls: number;
  fullAuditsDue: number;
  /** The FULLAUDIT#…/DUE item in the state table after the storm. */
  fullAuditDueMark: { since?: string; rooms?: number } | null;
  alertsPublished: number;
  snsMessages: number;
  batchItemFailures: number;
  wallSeconds: number;
}

async function storm(options: ChangeEventsOptions): Promise<StormResult> {
  const { rooms: roomCount, windowMs, scale } = options.storm;
  const h = await harness({
    runChild: options.runChild,
    seed: rooms('storm', roomCount),
    windowMs,
    scale,
    writeTps: 100_000,
  });
  try {
    const t0 = Date.now();
    await write(
      h.aws,
      h.aws.rooms(REGION).map((r) => r.arn),
      roomCount,
      32,
    );
    await h.queue.idle();
    const wallSeconds = (Date.now() - t0) / 1000;
    const stats = h.aws.stats()[REGION] ?? {};
    const perBatch = h.outputs.map((o) => o.result.summary.getRoomCalls);
    const item = await DynamoDBDocumentClient.from(h.dynamo.client).send(
      new GetCommand({
        TableName: h.dynamo.tableName,
        Key: fullAuditDueKey({ accountId: ACCOUNT, region: REGION }),
      }),
    );
    return {
      rooms: roomCount,
      events: roomCount,
      failedWrites: h.failedWrites,
      windowSeconds: windowMs / 1000,
      scale,
      budgetTps: BUDGET_TPS * scale,
      changeMaxRooms: CHANGE_MAX_ROOMS,
      batches: h.queue.deliveries.length,
      batchSizes: h.queue.deliveries.map((d) => d.messageIds.length),
      getRoomCallsPerBatch: perBatch,
      batchSeconds: h.queue.deliveries.map((d) => ({
        from: round((d.startedAt - t0) / 1000),
        to: round((d.finishedAt - t0) / 1000),
      })),
      maxGetRoomCallsPerBatch: Math.max(0, ...perBatch),
      getRoomCalls: stats.GetRoom?.calls ?? 0,
      getRoomMaxObservedTps: stats.GetRoom?.maxObservedTps ?? 0,
      throttledCalls: Object.entries(stats)
        .filter(([op]) => op !== 'UpdateRoom')
        .reduce((n, [, s]) => n + s.throttled, 0),
      fullAuditsDue: h.outputs.reduce((n, o) => n + o.result.summary.fullAuditsDue, 0),
      fullAuditDueMark: item.Item ? { since: item.Item.since, rooms: item.Item.rooms } : null,
      alertsPublished: alerts(h.aws.published()),
      snsMessages: h.aws.published().length,
      batchItemFailures: h.outputs.reduce((n, o) => n + o.result.batchItemFailures.length, 0),
      wallSeconds: round(wallSeconds),
    };
  } finally {
    await h.close();
  }
}

export interface ChangeEventsResult {
  path: string;
  clock: string;
  quotaTps: number;
  burst: BurstResult;
  storm: StormResult;
}

export async function changeEvents(options: ChangeEventsOptions): Promise<ChangeEventsResult> {
  return {
    path:
      'emulator CloudTrail events -> local SQS queue + event source mapping -> the bundled handler, one fresh ' +
      'process per batch (cold), NODE_OPTIONS as the stack sets them; state in dynalite',
    clock:
      'real time: the queue waits out the real batching window; detection = SNS publish time - write time',
    quotaTps: QUOTA_TPS,
    burst: await burst(options),
    storm: await storm(options),
  };
}
