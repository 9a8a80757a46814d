/**
 * The change path end to end: a write through the real SDK → the emulator's CloudTrail event → the
 * local SQS queue → the real Lambda handler (createHandler) → one alert through SNS, state in dynalite.
 */
import { DeleteRoomCommand, IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeBatchResult } from '../../lambda/modes/changes/batch.js';
import type { ChangeQueue } from '../../local-aws/change-queue.js';
import type { IvschatChangeEvent } from '../../local-aws/index.js';
import {
  ACCOUNT_ID,
  changeQueueInto,
  credentials,
  generatedLogging,
  generatedRooms,
  opStats,
  POLICIES_DIR,
  publishedSince,
  type Stack,
  stackAudit,
  stackHandler,
  startStack,
  stateOf,
} from './helpers.js';

const REGION = 'us-east-1';
const FUNCTION_ROLE = 'ivschat-auditor-function';

let stack: Stack;
let forward: ((event: IvschatChangeEvent) => void) | undefined;
let table: string;
let queue: ChangeQueue;
let results: ChangeBatchResult[];

beforeAll(async () => {
  stack = await startStack({
    quotas: { enabled: false },
    onChangeEvent: (event) => forward?.(event),
  });
});
afterAll(async () => {
  forward = undefined;
  await stack.close();
});

beforeEach(async () => {
  forward = undefined;
  stack.aws.clearRooms();
  stack.aws.clearLoggingConfigurations();
  stack.aws.seedLoggingConfigurations(REGION, [generatedLogging(REGION)]);
  stack.aws.seedRooms(REGION, generatedRooms(REGION, 6));
  table = await stack.freshTable();
  // The scheduled audit first: the change path then reconciles against what it recorded.
  await stackAudit(stack, { table, regions: [REGION] })();
  const handler = stackHandler(stack, {
    AUDIT_REGIONS: REGION,
    ALERT_TOPIC_ARN: stack.topicArn,
    API_BUDGET_TPS: '4',
    POLICIES_DIR,
    STATE_TABLE_NAME: table,
    FUNCTION_ROLE_NAME: FUNCTION_ROLE,
  });
  ({ queue, results } = changeQueueInto(handler));
  forward = (event) => queue.send(event);
  stack.aws.resetStats();
});

function roomArn(name: string): string {
  const room = stack.aws.rooms(REGION).find((r) => r.name === name);
  if (!room) throw new Error(`no room ${name}`);
  return room.arn;
}

async function asRole(
  roleName: string | undefined,
  use: (client: IvschatClient) => Promise<void>,
): Promise<void> {
  let creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = credentials;
  if (roleName) {
    const sts = new STSClient({ endpoint: stack.aws.endpoint, region: REGION, credentials });
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`,
        RoleSessionName: 'e2e',
      }),
    );
    sts.destroy();
    creds = {
      accessKeyId: Credentials?.AccessKeyId as string,
      secretAccessKey: Credentials?.SecretAccessKey as string,
      sessionToken: Credentials?.SessionToken as string,
    };
  }
  const client = new IvschatClient({ endpoint: stack.aws.endpoint, region: REGION, credentials: creds });
  try {
    await use(client);
  } finally {
    client.destroy();
  }
}

describe('change path: emulator events through the local queue to the real handler', () => {
  it('alerts once, with one GetRoom, when someone opens a compliant room up to 500 characters', async () => {
    const before = stack.aws.published().length;
    const arn = roomArn('gen-room-0001');
    await asRole('app-deployer', async (client) => {
      await expect(
        client.send(new UpdateRoomCommand({ identifier: arn, maximumMessageLength: 1000 })),
      ).rejects.toThrow(/maximumMessageLength/);
      await client.send(new UpdateRoomCommand({ identifier: arn, maximumMessageLength: 500 }));
      await client.send(new UpdateRoomCommand({ identifier: arn, maximumMessageRatePerSecond: 10 }));
    });
    await queue.idle();

    expect(queue.deliveries).toHaveLength(1);
    expect(results[0]?.batchItemFailures).toEqual([]);
    expect(results[0]?.summary).toMatchObject({ events: 3, failedCalls: 1, rooms: 1, getRoomCalls: 1 });
    expect(opStats(stack.aws, REGION, 'GetRoom').calls).toBe(1);
    expect(opStats(stack.aws, REGION, 'ListRooms').calls).toBe(0);
    const alerts = publishedSince(stack.aws, before);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.machine.newFindings.map((f) => `${f.roomName}/${f.policyId}`)).toEqual([
      'gen-room-0001/message-length-max',
    ]);
    const state = await stateOf(stack, table, [REGION]);
    expect([...state.values()].some((r) => r.finding.roomArn === arn && r.status === 'open')).toBe(true);
  });

  it('resolves a deleted room\'s findings as "room deleted" once its one GetRoom finds it gone', async () => {
    const before = stack.aws.published().length;
    const arn = roomArn('gen-room-0000'); // breaks message-length-max
    await asRole(undefined, async (client) => {
      await client.send(new DeleteRoomCommand({ identifier: arn }));
    });
    await queue.idle();

    expect(opStats(stack.aws, REGION, 'GetRoom').calls).toBe(1);
    expect(results[0]?.summary).toMatchObject({ getRoomCalls: 1, deletedRooms: 1, resolvedFindings: 1 });
    const resolved = publishedSince(stack.aws, before)[0]?.machine.resolvedFindings ?? [];
    expect(resolved.map((f) => [f.roomName, f.policyId, f.resolvedReason])).toEqual([
      ['gen-room-0000', 'message-length-max', 'room deleted'],
    ]);
  });

  it("ignores the auditor's own write (its function role) and sends nothing", async () => {
    const before = stack.aws.published().length;
    await asRole(FUNCTION_ROLE, async (client) => {
      await client.send(
        new UpdateRoomCommand({ identifier: roomArn('gen-room-0000'), maximumMessageLength: 200 }),
      );
    });
    await queue.idle();

    expect(results[0]?.summary).toMatchObject({ events: 1, ownChanges: 1, getRoomCalls: 0 });
    expect(publishedSince(stack.aws, before)).toEqual([]);
  });
});
