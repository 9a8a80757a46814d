/**
 * End-to-end harness: the local AWS emulator (IVS Chat, SNS, STS) + dynalite (DynamoDB), and the
 * real Lambda handler wired to them with real SDK clients.
 */
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { IvschatClient, UpdateRoomCommand, type UpdateRoomCommandInput } from '@aws-sdk/client-ivschat';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import type { Finding } from '../../lambda/core/types.js';
import { createHandler } from '../../lambda/handler.js';
import type { ChangeBatchResult } from '../../lambda/modes/changes/batch.js';
import { createScheduledAudit } from '../../lambda/modes/scheduled.js';
import type { HandlerDeps } from '../../lambda/runtime/deps.js';
import type { MachineAlert } from '../../lambda/sinks/sns-message.js';
import { AccountStateStore } from '../../lambda/state/target-store.js';
import { ChangeQueue } from '../../local-aws/change-queue.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';
import {
  ACCOUNT_ID,
  type LocalAws,
  type LocalAwsOptions,
  loadSeedFile,
  type PublishedMessage,
  type SeedRoom,
  startLocalAws,
} from '../../local-aws/index.js';

// The handler's Metrics reads these from the process environment; EMF output would only be noise.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const SEED_FILE = fileURLToPath(new URL('../../local-aws/seed-rooms.json', import.meta.url));
export const POLICIES_DIR = fileURLToPath(new URL('../../policies', import.meta.url));
export const REGIONS = ['us-east-1', 'eu-west-1'];
export const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export { ACCOUNT_ID };

export interface Stack {
  aws: LocalAws;
  dynamo: LocalDynamo;
  /** The alert topic (us-east-1), created on the emulator. */
  topicArn: string;
  /** A fresh, empty state table (a clean slate per test). */
  freshTable(): Promise<string>;
  close(): Promise<void>;
}

export async function startStack(options: LocalAwsOptions = {}): Promise<Stack> {
  const aws = await startLocalAws(options);
  let dynamo: LocalDynamo;
  try {
    dynamo = await startLocalDynamo();
  } catch (error) {
    await aws.close();
    throw error;
  }
  const topicArn = aws.createTopic('us-east-1', 'ivschat-auditor-alerts');
  let tables = 0;
  return {
    aws,
    dynamo,
    topicArn,
    freshTable: () => dynamo.createStateTable(`state-${++tables}`),
    close: async () => {
      await Promise.allSettled([aws.close(), dynamo.close()]);
    },
  };
}

export interface HandlerOptions {
  table: string;
  env?: Record<string, string>;
  regions?: string[];
  topicArn?: string;
  maxAttempts?: number;
  publisher?: HandlerDeps['publisher'];
}

/**
 * The real scheduled audit against the stack: real IVS Chat / SNS / STS clients, DynamoDB state in
 * dynalite. It is the path the Lambda handler runs, returning the full run (alert, messages) that the
 * handler reduces to its summary.
 */
export function stackAudit(stack: Stack, options: HandlerOptions) {
  return createScheduledAudit({
    env: {
      AUDIT_REGIONS: (options.regions ?? REGIONS).join(','),
      ALERT_TOPIC_ARN: options.topicArn ?? stack.topicArn,
      API_BUDGET_TPS: '5',
      POLICIES_DIR,
      STATE_TABLE_NAME: options.table,
      ...options.env,
    },
    connection: {
      endpoint: stack.aws.endpoint,
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    },
    // The production path: STATE_TABLE_NAME gives both the finding state and the room cache.
    dynamoClient: stack.dynamo.client,
    logger: quietLogger(),
    metrics: quietMetrics(),
    ...(options.publisher ? { publisher: options.publisher } : {}),
  });
}

export function quietLogger(): Logger {
  return new Logger({ serviceName: 'ivschat-auditor', logLevel: 'SILENT' });
}

export function quietMetrics(): Metrics {
  return new Metrics({
    namespace: 'IvsChatAuditorTest',
    serviceName: 'ivschat-auditor',
    logger: quietLogger(),
  });
}

/**
 * The real handler (the one entry point of both functions) on the harness: `env` as the stack would
 * set it, the emulator's endpoint (plus `connection`), dynalite, quiet logs and metrics.
 */
export function stackHandler(
  stack: Stack,
  env: Record<string, string>,
  connection: Omit<NonNullable<HandlerDeps['connection']>, 'endpoint'> = {},
) {
  return createHandler({
    env,
    connection: { endpoint: stack.aws.endpoint, ...connection },
    dynamoClient: stack.dynamo.client,
    logger: quietLogger(),
    metrics: quietMetrics(),
  });
}

/** The change queue as the stack wires it, in 50 ms batches into `handler`; every batch's result kept. */
export function changeQueueInto(handler: (event: unknown) => Promise<unknown>): {
  queue: ChangeQueue;
  results: ChangeBatchResult[];
} {
  const results: ChangeBatchResult[] = [];
  const queue = new ChangeQueue({
    batchWindowMs: 50,
    maxBatchSize: 10_000,
    consumer: async (event) => {
      const result = (await handler(event)) as ChangeBatchResult;
      results.push(result);
      return result;
    },
  });
  return { queue, results };
}

/** The finding state of the audited account in `regions` (every region the harness audits by default). */
export async function stateOf(
  stack: Stack,
  table: string,
  regions = REGIONS,
): Promise<Map<string, FindingRecord>> {
  const store = new AccountStateStore(stack.dynamo.client, table, ACCOUNT_ID, regions);
  return store.fetch([...(await store.load()).values()]);
}

/** The parts of one published alert, parsed. */
export interface Received {
  subject: string;
  email: string;
  slack: { content: { title: string; description: string; nextSteps: string[] } };
  machine: MachineAlert;
  attributes: Record<string, string | undefined>;
}

export function received(message: PublishedMessage): Received {
  const parts = message.messages ?? {};
  return {
    subject: message.subject ?? '',
    email: String(parts.email),
    slack: JSON.parse(String(parts.default)),
    machine: JSON.parse(String(parts.sqs)),
    attributes: Object.fromEntries(
      Object.entries(message.messageAttributes).map(([k, v]) => [k, v.StringValue]),
    ),
  };
}

/** Messages published since `before` (a count from `aws.published().length`). */
export function publishedSince(aws: LocalAws, before: number): Received[] {
  return aws.published().slice(before).map(received);
}

export const key = (f: Pick<Finding, 'roomName' | 'policyId'>) => `${f.roomName}/${f.policyId}`;

export async function updateRoom(
  aws: LocalAws,
  region: string,
  input: Omit<UpdateRoomCommandInput, 'identifier'> & { name: string },
): Promise<void> {
  const room = aws.rooms(region).find((r) => r.name === input.name);
  if (!room) throw new Error(`no room ${input.name} in ${region}`);
  const { name: _name, ...changes } = input;
  const client = new IvschatClient({ endpoint: aws.endpoint, region, credentials });
  try {
    await client.send(new UpdateRoomCommand({ identifier: room.arn, ...changes }));
  } finally {
    client.destroy();
  }
}

/** The ACTIVE logging configuration every generated room logs to; seed it with the rooms. */
export function generatedLogging(region: string) {
  return {
    arn: `arn:aws:ivschat:${region}:${ACCOUNT_ID}:logging-configuration/Lg0001`,
    name: 'e2e-logs',
    state: 'ACTIVE',
    destinationConfiguration: { s3: { bucketName: 'e2e-chat-logs' } },
  };
}

/**
 * `count` generated rooms, deterministic ids; every third one breaks message-length-max. They log to
 * `generatedLogging(region)`, which the caller seeds (without it they break logging-active too).
 */
export function generatedRooms(region: string, count: number, prefix = 'gen'): SeedRoom[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(4, '0');
    return {
      region,
      id: `${prefix.slice(0, 4).padEnd(4, 'x')}${region.replace(/[^a-z0-9]/g, '').slice(0, 4)}${n}`,
      name: `${prefix}-room-${n}`,
      createTime: '2025-06-01T00:00:00.000Z',
      updateTime: new Date(Date.UTC(2025, 6, 1) + i * 60_000).toISOString(),
      maximumMessageLength: i % 3 === 0 ? 500 : 200,
      maximumMessageRatePerSecond: 10,
      messageReviewHandler: {
        uri: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:review`,
        fallbackResult: 'DENY',
      },
      loggingConfigurationIdentifiers: [
        `arn:aws:ivschat:${region}:${ACCOUNT_ID}:logging-configuration/Lg0001`,
      ],
      tags: { owner: 'team-e2e' },
    };
  });
}

/** Per-operation counters of one region; `admitted` = answered without throttling or error. */
export function opStats(aws: LocalAws, region: string, operation: string) {
  const s = aws.stats()[region]?.[operation] ?? { calls: 0, throttled: 0, errors: 0, maxObservedTps: 0 };
  return { ...s, succeeded: s.calls - s.throttled - s.errors };
}

/** Six seeded rooms, three per region (one compliant, two not each): the fault and lifecycle suites' fleet. */
export const SMALL_FLEET = [
  'support-chat',
  'marketing-launch',
  'gaming-tournament',
  'support-chat-eu',
  'football-matchday',
  'beta-feedback',
];

export async function loadSmallFleet(): Promise<SeedRoom[]> {
  const rooms = (await loadSeedFile(SEED_FILE)).filter((r) => SMALL_FLEET.includes(r.name ?? ''));
  if (rooms.length !== SMALL_FLEET.length)
    throw new Error(`${SEED_FILE} no longer has every room of SMALL_FLEET`);
  return rooms;
}

/** An IVS Chat client of the stack acting as the role `roleArn` (its session named `sessionName`). */
export async function ivschatAsRole(
  stack: Stack,
  region: string,
  roleArn: string,
  sessionName: string,
): Promise<IvschatClient> {
  const sts = new STSClient({ region, endpoint: stack.aws.endpoint, credentials });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }),
  );
  sts.destroy();
  return new IvschatClient({
    region,
    endpoint: stack.aws.endpoint,
    credentials: {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    },
  });
}
