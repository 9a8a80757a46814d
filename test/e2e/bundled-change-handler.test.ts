/**
 * The change function as it ships: the bundle `cdk synth` builds, imported by a fresh Node process with
 * the change function's environment from the template, fed SQS batches of the CloudTrail events the
 * emulator records (and of forged ones, as anyone able to send to the queue could), against the
 * emulator and dynalite. An event is a hint: the room it names is read, and only GetRoom decides.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteRoomCommand, IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runNode } from '../../bench/run-node.js';
import type { ChangeBatchResult } from '../../lambda/modes/changes/batch.js';
import { DynamoRoomCache } from '../../lambda/state/dynamo-room-cache.js';
import { TargetStateStore } from '../../lambda/state/target-store.js';
import { buildApp } from '../../lib/app.js';
import { sqsEvent } from '../../local-aws/change-queue.js';
import type { IvschatChangeEvent, SeedRoom } from '../../local-aws/index.js';
import { type BundledFunction, bundledFunction, functionEnvironment, writeInvoker } from './bundle.js';
import {
  ACCOUNT_ID,
  credentials,
  generatedLogging,
  ivschatAsRole,
  received,
  type Stack,
  startStack,
} from './helpers.js';

const REGION = 'us-east-1';
/** The audit function's role as the stack names it when other accounts are audited; set here. */
const FUNCTION_ROLE = 'ivschat-auditor-function';
const MEMBER_ROLE = 'ivschat-auditor-member';

/** Rooms every starter policy passes; a test breaks one with a write. */
const ROOMS: SeedRoom[] = ['forged', 'deleted', 'federated', 'pathed', 'bare'].map((name) => ({
  region: REGION,
  id: `bndl${name.slice(0, 4)}0001`,
  name: `bundle-${name}`,
  maximumMessageLength: 200,
  maximumMessageRatePerSecond: 10,
  messageReviewHandler: {
    uri: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:review`,
    fallbackResult: 'DENY',
  },
  loggingConfigurationIdentifiers: [generatedLogging(REGION).arn],
  tags: { owner: 'team-e2e' },
}));
const arnOf = (name: string) => {
  const room = ROOMS.find((r) => r.name === `bundle-${name}`);
  return `arn:aws:ivschat:${REGION}:${ACCOUNT_ID}:room/${room?.id}`;
};

const outdir = mkdtempSync(join(tmpdir(), 'ivschat-bundled-change-'));
let stack: Stack;
let changeFunction: BundledFunction;
let invoker: string;
let table: string;
const events: IvschatChangeEvent[] = [];

beforeAll(async () => {
  const { app, stack: synthesized } = buildApp({ outdir, context: { regions: REGION } });
  const fn = synthesized.auditor.changes?.function;
  if (!fn) throw new Error('the default stack has no change function (changeEvents=true is the default)');
  const template = app.synth().getStackByName(synthesized.stackName).template;
  changeFunction = bundledFunction(outdir, template, synthesized, fn);
  invoker = writeInvoker(outdir, changeFunction);
  stack = await startStack({ quotas: { enabled: false }, onChangeEvent: (e) => events.push(e) });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  rmSync(outdir, { recursive: true, force: true });
});

beforeEach(async () => {
  stack.aws.clearRooms();
  stack.aws.clearLoggingConfigurations();
  stack.aws.seedLoggingConfigurations(REGION, [generatedLogging(REGION)]);
  stack.aws.seedRooms(REGION, ROOMS);
  stack.aws.clearPublished();
  table = await stack.freshTable();
  events.length = 0;
  stack.aws.resetStats();
});

let invocations = 0;
/** One invocation of the bundled change function: its result (or the error it threw) and its logs. */
async function invoke(event: unknown): Promise<{
  value?: ChangeBatchResult;
  error?: { name: string; message: string };
  logs: string;
}> {
  const n = ++invocations;
  const eventFile = join(outdir, `event-${n}.json`);
  const resultFile = join(outdir, `result-${n}.json`);
  writeFileSync(eventFile, JSON.stringify(event));
  const env = functionEnvironment(changeFunction.variables, {
    ALERT_TOPIC_ARN: stack.topicArn,
    STATE_TABLE_NAME: table,
    FUNCTION_ROLE_NAME: FUNCTION_ROLE,
    FUNCTION_ROLE_ARN: `arn:aws:iam::${ACCOUNT_ID}:role/${FUNCTION_ROLE}`,
  });
  const { stdout, stderr } = await runNode([invoker, eventFile, resultFile], {
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      LAMBDA_TASK_ROOT: changeFunction.assetDir,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL: stack.aws.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  return { ...JSON.parse(readFileSync(resultFile, 'utf8')), logs: stdout + stderr };
}

let messages = 0;
/** The events as the change queue's event source delivers them. */
const sqsBatch = (batch: readonly unknown[]) =>
  sqsEvent(
    batch.map((event) => ({ messageId: `bundle-msg-${++messages}`, event })),
    { region: REGION, accountId: ACCOUNT_ID, queueName: 'changes' },
  );

/** The events recorded since the last take. */
const take = () => events.splice(0, events.length);
const getRoomCalls = () => stack.aws.stats()[REGION]?.GetRoom?.calls ?? 0;
const findings = async () => {
  const store = new TargetStateStore(stack.dynamo.client, table, ACCOUNT_ID, REGION);
  return [...(await store.fetch([...(await store.load()).values()])).values()].map((r) => [
    r.finding.roomArn,
    r.finding.policyId,
    r.status,
    r.finding.resolvedReason,
  ]);
};

/** An IVS Chat client acting as `roleName` (path included) of the account, or as the account's user. */
async function ivschat(roleName?: string): Promise<IvschatClient> {
  if (!roleName) return new IvschatClient({ region: REGION, endpoint: stack.aws.endpoint, credentials });
  return ivschatAsRole(stack, REGION, `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`, 'e2e');
}

/** Opens a message-length-max finding on the room through the bundled change function. */
async function openFinding(name: string): Promise<IvschatChangeEvent> {
  const client = await ivschat('app-deployer');
  await client.send(new UpdateRoomCommand({ identifier: arnOf(name), maximumMessageLength: 500 }));
  client.destroy();
  const [update] = take();
  if (!update) throw new Error('the emulator recorded no UpdateRoom');
  const { value } = await invoke(sqsBatch([update]));
  expect(value?.summary).toMatchObject({ getRoomCalls: 1, newFindings: 1 });
  stack.aws.resetStats();
  return update;
}

/** A DeleteRoom of `roomArn` in a real event's envelope. */
function deleteEventFrom(event: IvschatChangeEvent, roomArn: string): IvschatChangeEvent {
  const forged = structuredClone(event);
  forged.detail.eventName = 'DeleteRoom';
  forged.detail.eventID = 'forged-delete';
  forged.detail.requestParameters = { identifier: roomArn };
  forged.detail.responseElements = null;
  return forged;
}

describe('the bundled change function (cdk synth output) against local AWS', { timeout: 60_000 }, () => {
  it('reads the live room a forged DeleteRoom names, once, and resolves nothing', async () => {
    const room = arnOf('forged');
    const update = await openFinding('forged');
    const published = stack.aws.published().length;

    const { value } = await invoke(sqsBatch([deleteEventFrom(update, room)]));

    expect(value?.batchItemFailures).toEqual([]);
    expect(value?.summary).toMatchObject({
      getRoomCalls: 1,
      deletedRooms: 0,
      resolvedFindings: 0,
      published: 0,
    });
    expect(getRoomCalls()).toBe(1);
    expect(stack.aws.published()).toHaveLength(published);
    expect(await findings()).toEqual([[room, 'message-length-max', 'open', undefined]]);
    const cache = await new DynamoRoomCache(stack.dynamo.client, table).loadRooms(ACCOUNT_ID, REGION);
    expect(cache.has(room)).toBe(true);
  });

  it('resolves a room really deleted as "room deleted", after its one GetRoom', async () => {
    const room = arnOf('deleted');
    await openFinding('deleted');
    const client = await ivschat('app-deployer');
    await client.send(new DeleteRoomCommand({ identifier: room }));
    client.destroy();
    const published = stack.aws.published().length;

    const { value } = await invoke(sqsBatch(take()));

    expect(value?.summary).toMatchObject({ getRoomCalls: 1, deletedRooms: 1, resolvedFindings: 1 });
    expect(getRoomCalls()).toBe(1);
    const alerts = stack.aws.published().slice(published).map(received);
    expect(
      alerts.flatMap((a) => a.machine.resolvedFindings.map((f) => [f.roomArn, f.resolvedReason])),
    ).toEqual([[room, 'room deleted']]);
    expect(await findings()).toEqual([[room, 'message-length-max', 'resolved', 'room deleted']]);
  });

  it("audits an IAM user's federated session named like the member role; ignores the member role itself", async () => {
    const room = arnOf('federated');
    const member = await ivschat(MEMBER_ROLE);
    await member.send(new UpdateRoomCommand({ identifier: room, maximumMessageLength: 500 }));
    member.destroy();
    const [own] = take();
    if (!own) throw new Error('the emulator recorded no UpdateRoom');
    // GetFederationToken of an IAM user "ivschat-auditor-member": a user, not the role, whatever its name.
    const federated = structuredClone(own);
    federated.detail.userIdentity = {
      type: 'FederatedUser',
      principalId: `${ACCOUNT_ID}:fed`,
      arn: `arn:aws:sts::${ACCOUNT_ID}:federated-user/fed`,
      accountId: ACCOUNT_ID,
      accessKeyId: 'ASIAEXAMPLEFEDERATED',
      sessionContext: {
        sessionIssuer: {
          type: 'IAMUser',
          principalId: 'AIDAEXAMPLEUSER00001',
          arn: `arn:aws:iam::${ACCOUNT_ID}:user/${MEMBER_ROLE}`,
          accountId: ACCOUNT_ID,
          userName: MEMBER_ROLE,
        },
      },
    } as unknown as IvschatChangeEvent['detail']['userIdentity'];

    const ownResult = await invoke(sqsBatch([own]));
    expect(ownResult.value?.summary).toMatchObject({ ownChanges: 1, getRoomCalls: 0 });
    expect(getRoomCalls()).toBe(0);

    const { value } = await invoke(sqsBatch([federated]));

    expect(value?.summary).toMatchObject({ ownChanges: 0, getRoomCalls: 1, newFindings: 1 });
    expect(getRoomCalls()).toBe(1);
    expect(await findings()).toEqual([[room, 'message-length-max', 'open', undefined]]);
  });

  it("audits a write by a role of the member role's name under another path", async () => {
    const room = arnOf('pathed');
    const other = await ivschat(`other/${MEMBER_ROLE}`);
    await other.send(new UpdateRoomCommand({ identifier: room, maximumMessageLength: 500 }));
    other.destroy();

    const { value } = await invoke(sqsBatch(take()));

    expect(value?.summary).toMatchObject({ ownChanges: 0, getRoomCalls: 1, newFindings: 1 });
  });

  it('refuses one aws.ivschat event invoked directly, saying why, and audits nothing', async () => {
    const client = await ivschat('app-deployer');
    await client.send(new UpdateRoomCommand({ identifier: arnOf('bare'), maximumMessageLength: 500 }));
    client.destroy();
    const [event] = take();

    const { value, error, logs } = await invoke(event);

    expect(value).toBeUndefined();
    expect(error).toMatchObject({
      name: 'EventError',
      message: expect.stringMatching(/invoked directly is refused/),
    });
    expect(logs).toContain('change event refused');
    expect(getRoomCalls()).toBe(0);
    expect(stack.aws.published()).toEqual([]);
    expect(await findings()).toEqual([]);
  });

  it.each([[{ foo: 1 }], ['x'], [null], [[]]])(
    'refuses %j, naming its shape only, and audits nothing',
    async (event) => {
      const { value, error, logs } = await invoke(event);

      expect(value).toBeUndefined();
      expect(error).toMatchObject({
        name: 'EventError',
        message: expect.stringMatching(/nothing was audited$/),
      });
      expect(logs).toContain('event refused');
      expect(getRoomCalls()).toBe(0);
      expect(stack.aws.published()).toEqual([]);
    },
  );

  it('ignores an event whose account is not its recipientAccountId', async () => {
    const client = await ivschat('app-deployer');
    await client.send(new UpdateRoomCommand({ identifier: arnOf('bare'), maximumMessageLength: 500 }));
    client.destroy();
    const [event] = take();

    const { value } = await invoke(sqsBatch([{ ...event, account: '111111111111' }]));

    expect(value?.summary).toMatchObject({
      ignoredReasons: { 'account mismatch': 1 },
      targets: 0,
      getRoomCalls: 0,
    });
    expect(getRoomCalls()).toBe(0);
  });
});
