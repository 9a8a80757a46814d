/**
 * The change path enters a member account with sessions limited by a session policy: reads for the
 * room audit, BatchImportFindings for the Security Hub sink. Against the emulator, whose STS enforces
 * the `Policy` it is given, so the audit and the import succeed within those limits and nothing else
 * could have been called with them.
 */
import { IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { AssumeRoleCommand, type AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANGE_PATH_MEMBER_ACTIONS, FINDINGS_IMPORT_ACTIONS } from '../../lambda/aws/session-policy.js';
import type { ChangeBatchResult } from '../../lambda/modes/changes/batch.js';
import { sqsEvent } from '../../local-aws/change-queue.js';
import type { IvschatChangeEvent, SeedRoom } from '../../local-aws/index.js';
import {
  ACCOUNT_ID,
  credentials,
  POLICIES_DIR,
  type Stack,
  stackHandler,
  startStack,
} from '../e2e/helpers.js';

const REGION = 'us-east-1';
const MEMBER = '123456789012';
const ROOM: SeedRoom = {
  accountId: MEMBER,
  region: REGION,
  id: 'member0',
  name: 'room-member0',
  maximumMessageLength: 200,
  maximumMessageRatePerSecond: 10,
  messageReviewHandler: { uri: `arn:aws:lambda:${REGION}:${MEMBER}:function:review`, fallbackResult: 'DENY' },
  loggingConfigurationIdentifiers: [],
  tags: { owner: 'team' },
};
const ROOM_ARN = `arn:aws:ivschat:${REGION}:${MEMBER}:room/member0`;

let stack: Stack;
const events: IvschatChangeEvent[] = [];

beforeAll(async () => {
  stack = await startStack({ accounts: [MEMBER], seed: [ROOM], onChangeEvent: (e) => events.push(e) });
}, 60_000);
afterAll(() => stack?.close());

/** A write by someone in the member account (not the auditor): the drift the change path audits. */
async function memberWrite(): Promise<void> {
  const sts = new STSClient({ endpoint: stack.aws.endpoint, region: REGION, credentials });
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/app-deployer`, RoleSessionName: 'deploy' }),
  );
  sts.destroy();
  const client = new IvschatClient({
    endpoint: stack.aws.endpoint,
    region: REGION,
    credentials: {
      accessKeyId: c?.AccessKeyId as string,
      secretAccessKey: c?.SecretAccessKey as string,
      sessionToken: c?.SessionToken as string,
    },
  });
  await client.send(new UpdateRoomCommand({ identifier: ROOM_ARN, maximumMessageLength: 500 }));
  client.destroy();
}

describe("change path: a member account's sessions", () => {
  it('reads the room with a read-only session and imports its finding with an import-only session', async () => {
    const table = await stack.freshTable();
    const handler = stackHandler(
      stack,
      {
        AUDIT_REGIONS: REGION,
        AUDIT_ACCOUNTS: `${ACCOUNT_ID},${MEMBER}`,
        ALERT_TOPIC_ARN: stack.topicArn,
        API_BUDGET_TPS: '4',
        POLICIES_DIR,
        STATE_TABLE_NAME: table,
        FUNCTION_ROLE_NAME: 'ivschat-auditor-function',
        SECURITY_HUB: 'true',
      },
      { credentials },
    );
    await memberWrite();
    const batch = sqsEvent(
      events.splice(0).map((event, i) => ({ messageId: `msg-${i}`, event })),
      { region: REGION, accountId: ACCOUNT_ID, queueName: 'changes' },
    );
    const send = vi.spyOn(STSClient.prototype, 'send');
    let result: ChangeBatchResult;
    let commands: unknown[];
    try {
      result = (await handler(batch)) as ChangeBatchResult;
    } finally {
      // Restoring the spy clears what it recorded.
      commands = send.mock.calls.map(([command]) => command);
      send.mockRestore();
    }

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ rooms: 1, getRoomCalls: 1 });
    expect(result.summary.newFindings).toBeGreaterThan(0);
    const assumed = commands
      .filter((command) => command instanceof AssumeRoleCommand)
      .map((command) => command.input as AssumeRoleCommandInput);
    const allowed = assumed.map((input) => JSON.parse(input.Policy ?? '{}').Statement?.[0]?.Action);
    expect(assumed.map((input) => input.RoleArn)).toEqual([
      `arn:aws:iam::${MEMBER}:role/ivschat-auditor-member`,
      `arn:aws:iam::${MEMBER}:role/ivschat-auditor-member`,
    ]);
    expect(allowed).toEqual([[...CHANGE_PATH_MEMBER_ACTIONS], [...FINDINGS_IMPORT_ACTIONS]]);
    // The emulator enforced those sessions, and both did their one job.
    expect(stack.aws.securityHubFindings(REGION, MEMBER)).toHaveLength(result.summary.newFindings);
  });
});
