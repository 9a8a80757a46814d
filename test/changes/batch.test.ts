/**
 * The change path end to end: the emulator records every IVS Chat write as the CloudTrail event
 * EventBridge delivers, the real handler (the change function's entry) takes them as an SQS batch,
 * with real SDK clients against the emulator and the state in dynalite.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  CreateRoomCommand,
  DeleteLoggingConfigurationCommand,
  DeleteRoomCommand,
  IvschatClient,
  TagResourceCommand,
  UpdateRoomCommand,
} from '@aws-sdk/client-ivschat';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../lambda/handler.js';
import type { ChangeBatchResult } from '../../lambda/modes/changes/batch.js';
import { TableTrail } from '../../lambda/remediate/trail-table.js';
import { DEADLINE_MARGIN_MS } from '../../lambda/runtime/deadline.js';
import type { HandlerDeps } from '../../lambda/runtime/deps.js';
import { DynamoRoomCache } from '../../lambda/state/dynamo-room-cache.js';
import { FullAuditDue } from '../../lambda/state/full-audit-due.js';
import { TargetStateStore } from '../../lambda/state/target-store.js';
import { ChangeQueue, sqsEvent } from '../../local-aws/change-queue.js';
import type { IvschatChangeEvent, SeedRoom } from '../../local-aws/index.js';
import {
  ACCOUNT_ID,
  credentials,
  ivschatAsRole,
  POLICIES_DIR,
  quietLogger,
  received,
  type Stack,
  startStack,
} from '../e2e/helpers.js';

const REGION = 'us-east-1';
const MEMBER = '123456789012';
const logArn = (accountId: string, id: string) =>
  `arn:aws:ivschat:${REGION}:${accountId}:logging-configuration/${id}`;

/** A room every starter policy passes. */
function compliant(accountId: string, id: string, logging = 'LogsActive12'): SeedRoom {
  return {
    accountId,
    region: REGION,
    id,
    name: `room-${id}`,
    maximumMessageLength: 200,
    maximumMessageRatePerSecond: 10,
    messageReviewHandler: {
      uri: `arn:aws:lambda:${REGION}:${accountId}:function:review`,
      fallbackResult: 'DENY',
    },
    loggingConfigurationIdentifiers: [logArn(accountId, logging)],
    tags: { owner: 'team' },
  };
}
const arnOf = (room: SeedRoom) => `arn:aws:ivschat:${REGION}:${room.accountId}:room/${room.id}`;

const ROOMS = [
  ...Array.from({ length: 8 }, (_, i) => compliant(ACCOUNT_ID, `own${i}`)),
  compliant(ACCOUNT_ID, 'other0', 'LogsOther012'),
  compliant(MEMBER, 'member0'),
];

let stack: Stack;
const events: IvschatChangeEvent[] = [];
let table: string;

beforeAll(async () => {
  stack = await startStack({ accounts: [MEMBER], seed: ROOMS, onChangeEvent: (e) => events.push(e) });
}, 60_000);
afterAll(() => stack?.close());
beforeEach(async () => {
  stack.aws.clearRooms();
  stack.aws.clearLoggingConfigurations();
  stack.aws.seedLoggingConfigurations(
    undefined,
    [ACCOUNT_ID, MEMBER].flatMap((accountId) =>
      ['LogsActive12', 'LogsOther012'].map((id) => ({
        accountId,
        region: REGION,
        id,
        name: id,
        state: 'ACTIVE',
        destinationConfiguration: { cloudWatchLogs: { logGroupName: '/ivs/chat' } },
      })),
    ),
  );
  stack.aws.seedRooms(undefined, ROOMS);
  stack.aws.clearPublished();
  table = await stack.freshTable();
  events.length = 0;
  stack.aws.resetStats();
});

function changeFunction(
  env: Record<string, string> = {},
  {
    publisher,
    maxAttempts,
    apiBudgetTps,
  }: { publisher?: HandlerDeps['publisher']; maxAttempts?: number; apiBudgetTps?: null } = {},
) {
  const handler = createHandler({
    env: {
      AUDIT_REGIONS: REGION,
      AUDIT_ACCOUNTS: `${ACCOUNT_ID},${MEMBER}`,
      ALERT_TOPIC_ARN: stack.topicArn,
      API_BUDGET_TPS: '4',
      POLICIES_DIR,
      STATE_TABLE_NAME: table,
      FUNCTION_ROLE_NAME: 'ivschat-auditor-fn',
      ...env,
    },
    connection: { endpoint: stack.aws.endpoint, credentials, ...(maxAttempts ? { maxAttempts } : {}) },
    dynamoClient: stack.dynamo.client,
    logger: quietLogger(),
    metrics: new Metrics({
      namespace: 'IvsChatAuditorTest',
      serviceName: 'ivschat-auditor',
      logger: quietLogger(),
    }),
    ...(publisher ? { publisher } : {}),
    ...(apiBudgetTps === null ? { apiBudgetTps } : {}),
  });
  return async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) =>
    (await handler(event, context as Context)) as ChangeBatchResult;
}

let messageCount = 0;
/** The recorded events as one SQS batch, as the event source mapping delivers them. */
function sqsBatch(batch: readonly unknown[]) {
  return sqsEvent(
    batch.map((event) => ({ messageId: `msg-${++messageCount}`, event })),
    { region: REGION, accountId: ACCOUNT_ID, queueName: 'changes' },
  );
}
/** The events recorded so far, taken. */
/**
 * The events since the last take. The emulator enforces IVS Chat's 5/s UpdateRoom quota, so the
 * test's own quick writes are sometimes throttled and retried by the SDK: those refusals are the
 * test's, not the behaviour under test, and are left out.
 */
const take = () =>
  events.splice(0, events.length).filter((e) => e.detail.errorCode !== 'ThrottlingException');

// Writes are the test's own: enough retries that the emulator's UpdateRoom quota (5/s) never drops one.
const client = () =>
  new IvschatClient({ region: REGION, endpoint: stack.aws.endpoint, credentials, maxAttempts: 10 });
const calls = (operation: string, accountId = ACCOUNT_ID) =>
  stack.aws.stats(accountId)[REGION]?.[operation]?.calls ?? 0;
/** The target's records, whole (load() reads only what reconcile needs). */
const state = async (accountId = ACCOUNT_ID) => {
  const store = new TargetStateStore(stack.dynamo.client, table, accountId, REGION);
  return store.fetch([...(await store.load()).values()]);
};

describe('change batch against the emulator', { timeout: 60_000 }, () => {
  it('alerts an update of a room to a violating value once, with exactly one GetRoom', async () => {
    const room = arnOf(ROOMS[0] as SeedRoom);
    await client().send(new UpdateRoomCommand({ identifier: room, maximumMessageLength: 500 }));
    const batch = sqsBatch(take());
    const run = changeFunction();

    const result = await run(batch);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({
      events: 1,
      targets: 1,
      rooms: 1,
      getRoomCalls: 1,
      newFindings: 1,
      published: 1,
    });
    expect(calls('GetRoom')).toBe(1);
    expect(calls('ListRooms')).toBe(0);
    const [alert, ...more] = stack.aws.published().map(received);
    expect(more).toEqual([]);
    expect(alert?.machine.newFindings.map((f) => [f.roomArn, f.policyId])).toEqual([
      [room, 'message-length-max'],
    ]);
    // The same event delivered again (SQS is at-least-once) finds the finding open: no second alert.
    const again = await run(
      sqsBatch(JSON.parse(JSON.stringify(batch.Records.map((r) => JSON.parse(r.body))))),
    );
    expect(again.summary).toMatchObject({ newFindings: 0, published: 0 });
    expect(stack.aws.published()).toHaveLength(1);
  });

  it('alerts a room created with a violating value once, with exactly one GetRoom', async () => {
    const { loggingConfigurationIdentifiers, tags } = compliant(ACCOUNT_ID, 'new0');
    const created = await client().send(
      new CreateRoomCommand({
        name: 'room-created',
        maximumMessageLength: 500,
        maximumMessageRatePerSecond: 10,
        messageReviewHandler: {
          uri: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:review`,
          fallbackResult: 'DENY',
        },
        loggingConfigurationIdentifiers,
        tags,
      }),
    );
    const recorded = take();
    expect(recorded.map((e) => e.detail.eventName)).toEqual(['CreateRoom']);

    const result = await changeFunction()(sqsBatch(recorded));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({
      targets: 1,
      rooms: 1,
      getRoomCalls: 1,
      newFindings: 1,
      published: 1,
    });
    expect(calls('GetRoom')).toBe(1);
    expect(calls('ListRooms')).toBe(0);
    const [alert, ...more] = stack.aws.published().map(received);
    expect(more).toEqual([]);
    expect(alert?.machine.newFindings.map((f) => [f.roomArn, f.policyId])).toEqual([
      [created.arn, 'message-length-max'],
    ]);
  });

  it('fetches a room updated ten times in one batch once', async () => {
    const room = arnOf(ROOMS[1] as SeedRoom);
    for (let i = 0; i < 10; i++) {
      await client().send(new UpdateRoomCommand({ identifier: room, maximumMessageLength: 300 + i }));
    }
    const result = await changeFunction()(sqsBatch(take()));
    expect(result.summary).toMatchObject({ rooms: 1, getRoomCalls: 1, newFindings: 1 });
    // Ten updates went through; the emulator's UpdateRoom quota may have refused (and the SDK retried) some.
    expect(result.summary.events - result.summary.failedCalls).toBe(10);
    expect(calls('GetRoom')).toBe(1);
    const [alert] = stack.aws.published().map(received);
    expect(alert?.machine.newFindings[0]?.message).toMatch(/309/);
  });

  it('resolves the findings of a deleted room as "room deleted" once GetRoom confirms it gone', async () => {
    const room = arnOf(ROOMS[2] as SeedRoom);
    const run = changeFunction();
    await client().send(new UpdateRoomCommand({ identifier: room, maximumMessageLength: 500 }));
    await run(sqsBatch(take()));
    await client().send(new DeleteRoomCommand({ identifier: room }));
    stack.aws.resetStats();

    const result = await run(sqsBatch(take()));

    expect(result.summary).toMatchObject({ deletedRooms: 1, getRoomCalls: 1, resolvedFindings: 1 });
    const ivschat = Object.entries(stack.aws.stats()[REGION] ?? {}).filter(
      ([op]) => !/Publish|Caller/.test(op),
    );
    expect(ivschat.map(([op, s]) => [op, s.calls])).toEqual([['GetRoom', 1]]);
    const [, resolved] = stack.aws.published().map(received);
    expect(resolved?.machine.resolvedFindings).toMatchObject([
      { roomArn: room, resolvedReason: 'room deleted' },
    ]);
    expect([...(await state()).values()].map((r) => r.status)).toEqual(['resolved']);
  });

  it('reads a live room a forged DeleteRoom names, and resolves nothing', async () => {
    const room = arnOf(ROOMS[2] as SeedRoom);
    const run = changeFunction();
    await client().send(new UpdateRoomCommand({ identifier: room, maximumMessageLength: 500 }));
    const [update] = take();
    await run(sqsBatch([update]));
    const cache = new DynamoRoomCache(stack.dynamo.client, table);
    expect((await cache.loadRooms(ACCOUNT_ID, REGION)).has(room)).toBe(true);
    stack.aws.clearPublished();
    stack.aws.resetStats();
    // The same envelope as a real event, saying the room was deleted: it was not.
    const forged = deleteEventFrom(update, room);

    const result = await run(sqsBatch([forged]));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({
      targets: 1,
      rooms: 1,
      getRoomCalls: 1,
      deletedRooms: 0,
      newFindings: 0,
      resolvedFindings: 0,
      published: 0,
    });
    expect(calls('GetRoom')).toBe(1);
    expect(stack.aws.published()).toEqual([]);
    expect([...(await state()).values()].map((r) => [r.finding.roomArn, r.status])).toEqual([[room, 'open']]);
    expect((await cache.loadRooms(ACCOUNT_ID, REGION)).has(room)).toBe(true);
  });

  it('counts the rooms DeleteRoom events name in the storm cap: each costs a GetRoom', async () => {
    const own = ROOMS.filter((r) => r.accountId === ACCOUNT_ID && r.id?.startsWith('own'));
    await client().send(new TagResourceCommand({ resourceArn: arnOf(own[0] as SeedRoom), tags: { a: 'b' } }));
    const [tagged] = take();
    const forged = own.map((r) => deleteEventFrom(tagged, arnOf(r)));

    const result = await changeFunction({ CHANGE_MAX_ROOMS: '3' })(sqsBatch(forged));

    expect(result.summary).toMatchObject({ rooms: 3, getRoomCalls: 3, deletedRooms: 0, fullAuditsDue: 1 });
    expect(calls('GetRoom')).toBe(3);
    const due = new FullAuditDue(stack.dynamo.client, table);
    expect(await due.get({ accountId: ACCOUNT_ID, region: REGION })).toMatchObject({ rooms: own.length - 3 });
  });

  it('ignores an event whose account is not its recipientAccountId, and reads nothing', async () => {
    await client().send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[3] as SeedRoom), maximumMessageLength: 500 }),
    );
    const [event] = take();

    const result = await changeFunction()(sqsBatch([{ ...event, account: MEMBER }]));

    expect(result.summary).toMatchObject({
      ignored: 1,
      ignoredReasons: { 'account mismatch': 1 },
      targets: 0,
      getRoomCalls: 0,
    });
    expect(calls('GetRoom')).toBe(0);
  });

  it('says a finding the auditor fixed was "fixed by the auditor (<changeId>)"', async () => {
    const room = arnOf(ROOMS[3] as SeedRoom);
    const run = changeFunction();
    await client().send(new UpdateRoomCommand({ identifier: room, maximumMessageLength: 500 }));
    await run(sqsBatch(take()));
    // The auditor's remediation fixed it (its own write is no change event); someone's later write is.
    await new TableTrail(stack.dynamo.client, table, { accountId: ACCOUNT_ID, region: REGION }).append({
      changeId: 'chg-fix-1',
      kind: 'fix',
      outcome: 'applied',
      policyId: 'message-length-max',
      accountId: ACCOUNT_ID,
      region: REGION,
      roomArn: room,
      roomName: 'room-own3',
      before: { maximumMessageLength: 500 },
      after: { maximumMessageLength: 200 },
      time: new Date().toISOString(),
      actor: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/ivschat-auditor-fn/run`,
    });
    await client().send(new UpdateRoomCommand({ identifier: room, maximumMessageLength: 200 }));

    const result = await run(sqsBatch(take()));

    expect(result.summary).toMatchObject({ resolvedFindings: 1, published: 1 });
    const [, resolved] = stack.aws.published().map(received);
    expect(resolved?.machine.resolvedFindings).toMatchObject([
      { roomArn: room, policyId: 'message-length-max', resolvedReason: 'fixed by the auditor (chg-fix-1)' },
    ]);
    expect([...(await state()).values()].map((r) => [r.status, r.finding.resolvedReason])).toEqual([
      ['resolved', 'fixed by the auditor (chg-fix-1)'],
    ]);
  });

  it('changes nothing for a failed call or an unknown event, and counts them as ignored', async () => {
    const room = arnOf(ROOMS[3] as SeedRoom);
    await expect(
      client().send(new UpdateRoomCommand({ identifier: room, maximumMessageLength: 1000 })),
    ).rejects.toThrow();
    const [failedCall] = take();
    expect(failedCall?.detail.errorCode).toBeDefined();
    const unknown = {
      ...failedCall,
      detail: { ...failedCall?.detail, eventName: 'SendEvent', errorCode: undefined },
    };

    const result = await changeFunction()(sqsBatch([failedCall, unknown, 'not an event']));

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({
      events: 3,
      ignored: 3,
      failedCalls: 1,
      ignoredReasons: { 'failed call': 1, 'unknown event': 1, 'malformed message': 1 },
      targets: 0,
      getRoomCalls: 0,
      published: 0,
    });
    expect(calls('GetRoom')).toBe(0);
    expect((await state()).size).toBe(0);
  });

  it('ignores changes in accounts and regions this auditor does not audit', async () => {
    await client().send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[3] as SeedRoom), maximumMessageLength: 500 }),
    );
    const [event] = take();
    const elsewhere = JSON.parse(
      JSON.stringify(event).replaceAll(REGION, 'eu-west-1').replaceAll(ACCOUNT_ID, MEMBER),
    );

    const result = await changeFunction({ AUDIT_ACCOUNTS: MEMBER })(sqsBatch([event, elsewhere]));

    expect(result.summary).toMatchObject({
      ignored: 2,
      ignoredReasons: { 'account not audited': 1, 'region not audited': 1 },
      targets: 0,
      getRoomCalls: 0,
    });
  });

  it("ignores the auditor's own writes (its member role's session) as new drift", async () => {
    const member = await memberClient();
    await member.send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[9] as SeedRoom), maximumMessageLength: 500 }),
    );
    const [own] = take();
    expect(issuerOf(own)).toMatchObject({
      type: 'Role',
      arn: `arn:aws:iam::${MEMBER}:role/ivschat-auditor-member`,
    });

    const result = await changeFunction()(sqsBatch([own]));

    expect(result.summary).toMatchObject({ ownChanges: 1, ignored: 1, targets: 0, published: 0 });
  });

  it("audits a write by a role of the member role's name under another path", async () => {
    const other = await memberClient('other/ivschat-auditor-member');
    await other.send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[9] as SeedRoom), maximumMessageLength: 500 }),
    );
    const [event] = take();
    expect(issuerOf(event)?.arn).toBe(`arn:aws:iam::${MEMBER}:role/other/ivschat-auditor-member`);

    const result = await changeFunction()(sqsBatch([event]));

    expect(result.summary).toMatchObject({ ownChanges: 0, targets: 1, getRoomCalls: 1, newFindings: 1 });
  });

  it("audits a write by an IAM user's federated session named like the member role", async () => {
    const member = await memberClient();
    await member.send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[9] as SeedRoom), maximumMessageLength: 500 }),
    );
    const [event] = take();
    // What CloudTrail records for a GetFederationToken session of the IAM user "ivschat-auditor-member".
    const federated = federatedUserEvent(event, 'ivschat-auditor-member');

    const result = await changeFunction()(sqsBatch([federated]));

    expect(result.summary).toMatchObject({ ownChanges: 0, targets: 1, getRoomCalls: 1, newFindings: 1 });
    expect(calls('GetRoom', MEMBER)).toBe(1);
  });

  it('audits at most changeMaxRooms rooms of a storm and marks the full audit due', async () => {
    const own = ROOMS.filter((r) => r.accountId === ACCOUNT_ID && r.id?.startsWith('own'));
    for (const room of own) {
      await client().send(new TagResourceCommand({ resourceArn: arnOf(room), tags: { deploy: 'v2' } }));
    }
    const result = await changeFunction({ CHANGE_MAX_ROOMS: '5' })(sqsBatch(take()));

    expect(own).toHaveLength(8);
    expect(result.summary).toMatchObject({
      rooms: 5,
      getRoomCalls: 5,
      fullAuditsDue: 1,
      fullAuditDue: [`${ACCOUNT_ID}/${REGION}`],
    });
    expect(calls('GetRoom')).toBe(5);
    // Half the target's budget of 4: the queue may run two batches at once.
    expect(stack.aws.stats()[REGION]?.GetRoom?.maxObservedTps ?? 0).toBeLessThanOrEqual(2);
    const due = new FullAuditDue(stack.dynamo.client, table);
    expect(await due.get({ accountId: ACCOUNT_ID, region: REGION })).toMatchObject({ rooms: 3 });

    // The next scheduled run's complete audit of the target covers the storm: the mark is cleared.
    const step = changeFunction() as (event: unknown) => Promise<unknown>;
    const run = { runId: 'after-the-storm', startedAt: new Date().toISOString() };
    const plan = (await step({ step: 'plan', ...run })) as { targets: number[] };
    for (const index of plan.targets) {
      let iteration = 0;
      for (;;) {
        const done = (await step({ step: 'audit-target', ...run, index, iteration })) as {
          done: boolean;
          iteration: number;
        };
        if (done.done) break;
        iteration = done.iteration;
      }
    }
    expect(await due.get({ accountId: ACCOUNT_ID, region: REGION })).toBeUndefined();
  });

  it('starts no more GetRoom calls than the time left allows at the budget, and marks the full audit due', async () => {
    const own = ROOMS.filter((r) => r.accountId === ACCOUNT_ID && r.id?.startsWith('own'));
    for (const room of own) {
      await client().send(new TagResourceCommand({ resourceArn: arnOf(room), tags: { deploy: 'v3' } }));
    }
    // 1.6 s past the margin at 2 GetRoom/s (half the budget of 4): 3 calls, 525 ms apart.
    const context = { getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + 1_600 };

    const result = await changeFunction()(sqsBatch(take()), context);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ rooms: 3, getRoomCalls: 3, fullAuditsDue: 1 });
    expect(calls('GetRoom')).toBe(3);
    const due = new FullAuditDue(stack.dynamo.client, table);
    expect(await due.get({ accountId: ACCOUNT_ID, region: REGION })).toMatchObject({ rooms: 5 });
  });

  it('stops starting GetRoom calls when the time runs out during the fetch, and leaves the rest to the full audit', async () => {
    const own = ROOMS.filter((r) => r.accountId === ACCOUNT_ID && r.id?.startsWith('own'));
    for (const room of own) {
      await client().send(new TagResourceCommand({ resourceArn: arnOf(room), tags: { deploy: 'v4' } }));
    }
    const batch = sqsBatch(take());
    // No budget to pace the calls by; the first GetRoom the emulator sees uses up the time left.
    const context = {
      getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + 1_000 - calls('GetRoom') * 30_000,
    };

    const result = await changeFunction({}, { apiBudgetTps: null })(batch, context);

    // The first four calls (one per worker) start together; none after the time ran out.
    expect(calls('GetRoom')).toBe(4);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.summary).toMatchObject({ rooms: 4, getRoomCalls: 4, fullAuditsDue: 1 });
    const due = new FullAuditDue(stack.dynamo.client, table);
    expect(await due.get({ accountId: ACCOUNT_ID, region: REGION })).toMatchObject({ rooms: 4 });
  });

  it('re-checks the rooms that reference a changed logging configuration, and only them', async () => {
    await client().send(
      new DeleteLoggingConfigurationCommand({ identifier: logArn(ACCOUNT_ID, 'LogsOther012') }),
    );
    const result = await changeFunction()(sqsBatch(take()));

    expect(result.summary).toMatchObject({ rooms: 1, getRoomCalls: 1, newFindings: 1 });
    expect(calls('ListRooms')).toBe(1);
    const [alert] = stack.aws.published().map(received);
    expect(alert?.machine.newFindings.map((f) => [f.roomArn, f.policyId])).toEqual([
      [arnOf(ROOMS[8] as SeedRoom), 'logging-active'],
    ]);
  });

  it('returns every message in batchItemFailures and records nothing when the alert cannot be delivered', async () => {
    await client().send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[4] as SeedRoom), maximumMessageLength: 500 }),
    );
    await client().send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[5] as SeedRoom), maximumMessageLength: 500 }),
    );
    const batch = sqsBatch(take());
    const failing = { publish: async () => Promise.reject(new Error('SNS is down')) };

    const result = await changeFunction({}, { publisher: failing })(batch);

    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      batch.Records.map((r) => r.messageId).sort(),
    );
    expect((await state()).size).toBe(0);
    expect(
      await new FullAuditDue(stack.dynamo.client, table).get({ accountId: ACCOUNT_ID, region: REGION }),
    ).toBeUndefined();
  });

  it('retries the target whose GetRoom failed, and delivers the other target of the batch', async () => {
    const own = arnOf(ROOMS[4] as SeedRoom);
    await client().send(new UpdateRoomCommand({ identifier: own, maximumMessageLength: 500 }));
    const member = await memberClient();
    const memberRoom = arnOf(ROOMS[9] as SeedRoom);
    await member.send(new UpdateRoomCommand({ identifier: memberRoom, maximumMessageLength: 500 }));
    const recorded = take();
    renameIssuer(recorded[1], 'PlatformAdmin');
    const batch = sqsBatch(recorded);
    // The own account's target goes first and its one GetRoom answers a 5xx (no SDK retry).
    stack.aws.setFaults({ failNext: 1, serverErrorOperations: ['GetRoom'] });
    const run = changeFunction({}, { maxAttempts: 1 });
    let result: ChangeBatchResult;
    try {
      result = await run(batch);
    } finally {
      stack.aws.setFaults({});
    }

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0]?.messageId }]);
    expect(result.summary).toMatchObject({ targets: 2, failedTargets: 1, newFindings: 1, published: 1 });
    expect(result.summary.failures[0]).toMatch(
      new RegExp(`^${ACCOUNT_ID}/${REGION}: GetRoom failed for ${own} \\(InternalServerException`),
    );
    const [alert] = stack.aws.published().map(received);
    expect(alert?.machine.newFindings.map((f) => f.roomArn)).toEqual([memberRoom]);
    expect((await state()).size).toBe(0);
    expect((await state(MEMBER)).size).toBe(1);

    // SQS delivers the failed message again: the change is audited, not lost.
    const again = await run({ Records: batch.Records.slice(0, 1) });
    expect(again).toMatchObject({ batchItemFailures: [], summary: { newFindings: 1, published: 1 } });
    expect([...(await state()).values()].map((r) => r.finding.roomArn)).toEqual([own]);
  });

  it('retries, naming the role and the right, a member target whose role may not read the room', async () => {
    const member = await memberClient();
    const memberRoom = arnOf(ROOMS[9] as SeedRoom);
    await member.send(new UpdateRoomCommand({ identifier: memberRoom, maximumMessageLength: 500 }));
    const recorded = take();
    renameIssuer(recorded[0], 'PlatformAdmin');
    const batch = sqsBatch(recorded);
    stack.aws.setFaults({ accessDeniedAccounts: [MEMBER], accessDeniedOperations: ['GetRoom'] });
    let result: ChangeBatchResult;
    try {
      result = await changeFunction()(batch);
    } finally {
      stack.aws.setFaults({});
    }

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0]?.messageId }]);
    expect(result.summary.failures[0]).toMatch(
      /role ivschat-auditor-member in 123456789012 .*ivschat:GetRoom/,
    );
    expect(stack.aws.published()).toEqual([]);
    expect((await state(MEMBER)).size).toBe(0);
  });

  it("retries the target whose logging configuration's ListRooms failed", async () => {
    await client().send(
      new DeleteLoggingConfigurationCommand({ identifier: logArn(ACCOUNT_ID, 'LogsOther012') }),
    );
    const batch = sqsBatch(take());
    stack.aws.setFaults({ failNext: 1, serverErrorOperations: ['ListRooms'] });
    let result: ChangeBatchResult;
    try {
      result = await changeFunction({}, { maxAttempts: 1 })(batch);
    } finally {
      stack.aws.setFaults({});
    }

    expect(result.batchItemFailures).toEqual(batch.Records.map((r) => ({ itemIdentifier: r.messageId })));
    expect(result.summary).toMatchObject({ failedTargets: 1, published: 0 });
    expect(result.summary.failures[0]).toMatch(/ListRooms failed \(InternalServerException/);
    expect(stack.aws.published()).toEqual([]);
  });

  it("audits a member account's room through the member role", async () => {
    const member = await memberClient();
    await member.send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[9] as SeedRoom), maximumMessageLength: 500 }),
    );
    // Someone in the member account, not the auditor: rename the session's role.
    const [event] = take();
    renameIssuer(event, 'PlatformAdmin');

    const result = await changeFunction()(sqsBatch([event]));

    expect(result.summary).toMatchObject({ targets: 1, getRoomCalls: 1, newFindings: 1 });
    expect(calls('AssumeRole')).toBeGreaterThanOrEqual(1);
    expect(calls('GetRoom', MEMBER)).toBe(1);
    expect([...(await state(MEMBER)).values()].map((r) => r.finding.accountId)).toEqual([MEMBER]);
  });

  it('refuses one EventBridge event invoked directly, saying why, and audits nothing', async () => {
    await client().send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[7] as SeedRoom), maximumMessageLength: 500 }),
    );
    const [event] = take();
    stack.aws.resetStats();

    await expect(changeFunction()(event)).rejects.toThrow(
      /IVS Chat change event invoked directly is refused: change events enter through the change queue/,
    );

    expect(calls('GetRoom')).toBe(0);
    expect(stack.aws.published()).toEqual([]);
    expect((await state()).size).toBe(0);
  });

  it('is fed by the local queue: a target that keeps failing is redelivered, then dead-lettered', async () => {
    await client().send(
      new UpdateRoomCommand({ identifier: arnOf(ROOMS[6] as SeedRoom), maximumMessageLength: 500 }),
    );
    const [ownEvent] = take();
    // The same write in the member account, whose member role this auditor may not assume.
    const memberEvent = JSON.parse(
      JSON.stringify(ownEvent).replaceAll(ACCOUNT_ID, MEMBER).replaceAll('room/own6', 'room/member0'),
    );
    stack.aws.setFaults({ assumeRoleDeniedAccounts: [MEMBER] });
    const queue = new ChangeQueue({ consumer: changeFunction(), batchWindowMs: 10, maxReceiveCount: 2 });
    try {
      queue.send(ownEvent);
      queue.send(memberEvent);
      await queue.idle();
    } finally {
      await queue.stop();
      stack.aws.setFaults({});
    }

    expect(stack.aws.published()).toHaveLength(1);
    expect(queue.deliveries.map((d) => d.messageIds.length)).toEqual([2, 1]);
    expect(queue.deadLetters.map((m) => JSON.parse(m.body).detail.recipientAccountId)).toEqual([MEMBER]);
    expect([...(await state()).values()]).toHaveLength(1);
  });
});

/** The role that made the call, when an assumed-role session did. */
function issuerOf(event: IvschatChangeEvent | undefined) {
  const identity = event?.detail.userIdentity;
  return identity && 'sessionContext' in identity ? identity.sessionContext.sessionIssuer : undefined;
}

/** The event as if another role of the same account (`roleName`, no path) had made the call. */
function renameIssuer(event: IvschatChangeEvent | undefined, roleName: string): void {
  const issuer = issuerOf(event);
  if (!issuer) throw new Error('the event has no role session issuer');
  issuer.userName = roleName;
  issuer.arn = `arn:aws:iam::${issuer.accountId}:role/${roleName}`;
}

/** A DeleteRoom of `roomArn` in the envelope of a real event (what anyone able to queue a message can send). */
function deleteEventFrom(event: IvschatChangeEvent | undefined, roomArn: string): IvschatChangeEvent {
  const forged = structuredClone(event) as IvschatChangeEvent;
  forged.detail.eventName = 'DeleteRoom';
  forged.detail.eventID = `forged-${roomArn}`;
  forged.detail.requestParameters = { identifier: roomArn };
  forged.detail.responseElements = null;
  return forged;
}

/** The event as CloudTrail records it for a GetFederationToken session of the IAM user `userName`. */
function federatedUserEvent(event: IvschatChangeEvent | undefined, userName: string): unknown {
  const forged = structuredClone(event) as IvschatChangeEvent;
  const accountId = forged.detail.recipientAccountId;
  forged.detail.userIdentity = {
    type: 'FederatedUser',
    principalId: `${accountId}:session`,
    arn: `arn:aws:sts::${accountId}:federated-user/session`,
    accountId,
    accessKeyId: 'ASIAEXAMPLEFEDERATED',
    sessionContext: {
      sessionIssuer: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLEUSERID0001',
        arn: `arn:aws:iam::${accountId}:user/${userName}`,
        accountId,
        userName,
      },
    },
  } as unknown as IvschatChangeEvent['detail']['userIdentity'];
  return forged;
}

/** An IVS Chat client acting as the member role in MEMBER (what the auditor's own remediation uses). */
async function memberClient(roleName = 'ivschat-auditor-member'): Promise<IvschatClient> {
  return ivschatAsRole(stack, REGION, `arn:aws:iam::${MEMBER}:role/${roleName}`, 'ivschat-auditor');
}
