/**
 * The change function's role may touch the state table only in the partitions `lambda/state/partitions.ts`
 * lists, with the actions lib/auditor/changes.ts grants (IAM `dynamodb:LeadingKeys`). This records every
 * DynamoDB call the real handler makes for change batches (a fix that resolves a finding, so the trail is
 * read; a storm, so a full audit is marked due) and checks each one against those lists: a new key or
 * action in the change path fails here before it fails in AWS with AccessDenied.
 */
import { IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIL_PREFIX } from '../../lambda/state/keys.js';
import { CHANGE_PATH_READS, CHANGE_PATH_WRITES } from '../../lambda/state/partitions.js';
import { CHANGE_STATE_READ_ACTIONS, CHANGE_STATE_WRITE_ACTIONS } from '../../lib/auditor/changes.js';
import type { IvschatChangeEvent } from '../../local-aws/index.js';
import {
  changeQueueInto,
  credentials,
  generatedLogging,
  generatedRooms,
  POLICIES_DIR,
  type Stack,
  stackAudit,
  stackHandler,
  startStack,
} from './helpers.js';

const REGION = 'us-east-1';

interface Call {
  action: string;
  partitions: string[];
}

let stack: Stack;
let forward: ((event: IvschatChangeEvent) => void) | undefined;
const calls: Call[] = [];
let recording = false;

beforeAll(async () => {
  stack = await startStack({ quotas: { enabled: false }, onChangeEvent: (event) => forward?.(event) });
  stack.dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (recording) {
        calls.push({
          action: `dynamodb:${String(context.commandName).replace(/Command$/, '')}`,
          partitions: partitionKeys(args.input as Record<string, unknown>),
        });
      }
      return next(args);
    },
    { step: 'build', name: 'recordPartitionKeys' },
  );
});
afterAll(async () => {
  forward = undefined;
  await stack.close();
});

/** The partition keys a call names, as DynamoDB's fine-grained access control sees them. */
function partitionKeys(input: Record<string, unknown>): string[] {
  const value = (attribute: unknown) => {
    const v = attribute as { S?: string } | string | undefined;
    return typeof v === 'string' ? v : (v?.S ?? '');
  };
  const keys: string[] = [];
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  if (values?.[':pk'] !== undefined) keys.push(value(values[':pk']));
  for (const field of ['Key', 'Item'] as const) {
    const item = input[field] as Record<string, unknown> | undefined;
    if (item?.pk !== undefined) keys.push(value(item.pk));
  }
  const batches = input.RequestItems as
    | Record<
        string,
        Record<string, { Item?: { pk: unknown }; Key?: { pk: unknown } }>[] | { Keys: { pk: unknown }[] }
      >
    | undefined;
  for (const requests of Object.values(batches ?? {})) {
    // BatchGetItem: { Keys: [...] } per table; BatchWriteItem: a list of requests.
    if (!Array.isArray(requests)) {
      for (const key of requests.Keys) keys.push(value(key.pk));
      continue;
    }
    for (const request of requests) {
      const write = request.PutRequest ?? request.DeleteRequest;
      const pk = write?.Item?.pk ?? write?.Key?.pk;
      if (pk !== undefined) keys.push(value(pk));
    }
  }
  return keys;
}

async function updateRooms(updates: { name: string; maximumMessageLength: number }[]): Promise<void> {
  const client = new IvschatClient({ endpoint: stack.aws.endpoint, region: REGION, credentials });
  try {
    for (const { name, maximumMessageLength } of updates) {
      const arn = stack.aws.rooms(REGION).find((r) => r.name === name)?.arn;
      await client.send(new UpdateRoomCommand({ identifier: arn, maximumMessageLength }));
    }
  } finally {
    client.destroy();
  }
}

describe("change path: the state table partitions and actions the change function's role allows", () => {
  it('reads only its partitions and the trail, and writes only its partitions, with the granted actions', async () => {
    stack.aws.seedLoggingConfigurations(REGION, [generatedLogging(REGION)]);
    stack.aws.seedRooms(REGION, generatedRooms(REGION, 6));
    const table = await stack.freshTable();
    await stackAudit(stack, { table, regions: [REGION] })();
    const handler = stackHandler(stack, {
      AUDIT_REGIONS: REGION,
      ALERT_TOPIC_ARN: stack.topicArn,
      API_BUDGET_TPS: '4',
      POLICIES_DIR,
      STATE_TABLE_NAME: table,
      FUNCTION_ROLE_NAME: 'ivschat-auditor-function',
      CHANGE_MAX_ROOMS: '1',
    });
    const { queue, results } = changeQueueInto(handler);
    forward = (event) => queue.send(event);
    recording = true;

    // A fix by someone else: the finding resolves, and the trail is read to see who fixed it.
    await updateRooms([{ name: 'gen-room-0000', maximumMessageLength: 200 }]);
    await queue.idle();
    // A storm past CHANGE_MAX_ROOMS: a full audit is marked due.
    await updateRooms([
      { name: 'gen-room-0001', maximumMessageLength: 150 },
      { name: 'gen-room-0002', maximumMessageLength: 160 },
    ]);
    await queue.idle();
    recording = false;
    forward = undefined;

    expect(results.map((r) => r.batchItemFailures)).toEqual([[], []]);
    expect(results[0]?.summary.resolvedFindings).toBe(1);
    expect(results[1]?.summary.fullAuditsDue).toBe(1);
    const reads = new Set<string>(CHANGE_STATE_READ_ACTIONS);
    const writes = new Set<string>(CHANGE_STATE_WRITE_ACTIONS);
    const within = (prefixes: readonly string[]) => (pk: string) => prefixes.some((p) => pk.startsWith(p));
    for (const call of calls) {
      expect(reads.has(call.action) || writes.has(call.action), call.action).toBe(true);
      expect(call.partitions.length, call.action).toBeGreaterThan(0);
      const allowed = writes.has(call.action) ? CHANGE_PATH_WRITES : CHANGE_PATH_READS;
      expect(
        call.partitions.filter((pk) => !within(allowed)(pk)),
        call.action,
      ).toEqual([]);
    }
    // The run exercised what the lists are for: each written partition, and the trail read.
    const touched = (action: (a: string) => boolean) =>
      new Set(
        calls
          .filter((c) => action(c.action))
          .flatMap((c) => c.partitions.map((pk) => `${pk.split('#')[0]}#`)),
      );
    expect(touched((a) => writes.has(a))).toEqual(new Set(CHANGE_PATH_WRITES));
    expect(touched((a) => reads.has(a))).toContain(TRAIL_PREFIX);
  });
});
