import { TagResourceCommand, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/types.js';
import { withIacDriftPolicy } from '../../lambda/iac/drift-policy.js';
import { changedRooms } from '../../lambda/inventory/changed.js';
import { auditAccount } from '../../lambda/inventory/live-audit.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { renderText } from '../../lambda/render/text.js';
import { MemoryRoomCache } from '../../lambda/state/memory-room-cache.js';
import { MemoryStackRooms } from '../../lambda/state/stack-rooms.js';
import { ACCOUNT_ID, type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { readmeBlock } from '../cli/readme-block.js';
import { ivschat } from '../local-aws/helpers.js';

const REGION = 'us-east-1';

/** A stack as `cdk synth` would write it: one room left at the defaults, one whose length is a parameter. */
const TEMPLATE = {
  Parameters: { Length: { Type: 'Number', Default: 200 } },
  Resources: {
    Lobby: { Type: 'AWS::IVSChat::Room', Properties: { Name: 'lobby' } },
    Support: {
      Type: 'AWS::IVSChat::Room',
      Properties: {
        Name: 'support',
        MaximumMessageLength: { Ref: 'Length' },
        Tags: [{ Key: 'owner', Value: 'chat-team' }],
      },
    },
    Topic: { Type: 'AWS::SNS::Topic' },
  },
};

let aws: LocalAws;
let stackId: string;
let rooms: Record<string, { arn: string }>;

beforeAll(async () => {
  aws = await startLocalAws();
  // Deployed with Length=300: the deployed value counts, not the template's default.
  const deployed = aws.deployStack({
    name: 'Chat',
    region: REGION,
    template: TEMPLATE,
    parameters: { Length: '300' },
    tags: { 'cost-center': 'video' },
  });
  stackId = deployed.stackId;
  rooms = deployed.rooms as Record<string, { arn: string }>;
  // An untouched room of no stack, and two rooms whose stack tags are forged: one names a room the
  // stack does not declare (its SNS topic), one a stack that does not exist.
  aws.seedRooms(REGION, [
    { id: 'PlainRoom001', name: 'plain', maximumMessageLength: 100 },
    {
      id: 'ForgedTopic1',
      name: 'forged-logical-id',
      maximumMessageLength: 1,
      tags: {
        'aws:cloudformation:stack-name': 'Chat',
        'aws:cloudformation:logical-id': 'Topic',
        'aws:cloudformation:stack-id': stackId,
      },
    },
    {
      id: 'ForgedGhost1',
      name: 'forged-stack',
      tags: {
        'aws:cloudformation:stack-name': 'Ghost',
        'aws:cloudformation:logical-id': 'Lobby',
        'aws:cloudformation:stack-id': `arn:aws:cloudformation:${REGION}:${ACCOUNT_ID}:stack/Ghost/00000000-0000-4000-8000-000000000000`,
      },
    },
  ]);
});

afterAll(async () => {
  await aws?.close();
});

const policies = withIacDriftPolicy(loadPolicyDir().policies);
const store = new MemoryStackRooms();

async function audit() {
  const run = await auditAccount({
    regions: [REGION],
    policies,
    connection: { endpoint: aws.endpoint },
    identity: { accountId: ACCOUNT_ID },
    iacDrift: { store },
  });
  const [inventory] = run.inventories;
  return { report: run.report, calls: inventory?.calls };
}

const forgedTopic = () => aws.rooms(REGION).find((r) => r.name === 'forged-logical-id')?.arn;
const driftOf = (report: Report) => report.findings.filter((f) => f.policyId === 'iac-drift');

describe('IaC drift on the emulator (setting iacDrift)', () => {
  it('a deployed stack as its template declares it has no drift, and forged stack tags are not evaluated', async () => {
    const { report, calls } = await audit();
    expect(driftOf(report)).toEqual([]);
    const notes = report.notEvaluated?.filter((n) => n.policyId === 'iac-drift') ?? [];
    const forged = aws.rooms(REGION).filter((r) => String(r.name).startsWith('forged'));
    expect(notes.flatMap((n) => n.rooms).sort()).toEqual(forged.map((r) => r.arn).sort());
    expect(notes.map((n) => n.reason).join('\n')).toMatch(
      /declares no AWS::IVSChat::Room Topic: the tags are not the stack's/,
    );
    expect(notes.map((n) => n.reason).join('\n')).toMatch(
      /which CloudFormation does not know: the tags are not a stack's/,
    );
    // The forged room breaks no value policy into an iac-drift finding, whatever its values.
    expect(report.findings.some((f) => f.policyId === 'iac-drift')).toBe(false);
    expect(calls).toMatchObject({ describeStacks: 2, getTemplate: 1 });
  });

  it('reports a console change to a defaulted property, and to a declared one, as NOT_EQUAL with the stack, logical id and fix', async () => {
    const client = ivschat(aws);
    // The console: the lobby's length (the template leaves it at the default 500) to 300, the
    // support room's (declared through the parameter, deployed 300) to 250, and its owner tag.
    await client.send(new UpdateRoomCommand({ identifier: rooms.Lobby?.arn, maximumMessageLength: 300 }));
    await client.send(new UpdateRoomCommand({ identifier: rooms.Support?.arn, maximumMessageLength: 250 }));
    await client.send(
      new TagResourceCommand({ resourceArn: rooms.Support?.arn, tags: { owner: 'someone' } }),
    );
    client.destroy();

    const { report, calls } = await audit();
    const drift = driftOf(report);
    const byRoom = (arn: string | undefined) =>
      drift
        .filter((f) => f.roomArn === arn)
        .map((f) => f.path)
        .sort();
    expect(byRoom(rooms.Lobby?.arn)).toEqual(['/iacDrift/differences/maximumMessageLength']);
    expect(byRoom(rooms.Support?.arn)).toEqual([
      '/iacDrift/differences/maximumMessageLength',
      '/iacDrift/differences/tags~1owner',
    ]);
    const lobby = drift.find((f) => f.roomArn === rooms.Lobby?.arn);
    expect(lobby).toMatchObject({ severity: 'medium', status: 'new' });
    expect(lobby?.message).toBe(
      `"NOT_EQUAL": "maximumMessageLength" is 300 live, 500 in stack "Chat"'s "Lobby" (by "service default")`,
    );
    expect(lobby?.actual).toMatchObject({
      difference: 'NOT_EQUAL',
      expected: 500,
      actual: 300,
      declaredBy: 'service default',
      stackName: 'Chat',
      logicalId: 'Lobby',
    });
    expect(String((lobby?.actual as { fix?: string } | undefined)?.fix)).toMatch(
      /change the template .* and redeploy the stack/,
    );
    const support = drift.find(
      (f) => f.roomArn === rooms.Support?.arn && f.path.endsWith('maximumMessageLength'),
    );
    expect(support?.actual).toMatchObject({
      difference: 'NOT_EQUAL',
      expected: 300,
      actual: 250,
      declaredBy: 'template',
    });
    const tag = drift.find((f) => f.path.endsWith('owner'));
    expect(tag?.message).toBe(
      `"NOT_EQUAL": "tags/owner" is "someone" live, "chat-team" in stack "Chat"'s "Support" (by "template")`,
    );
    // The stack did not change since the first run: its template is not read again.
    expect(calls).toMatchObject({ describeStacks: 2, getTemplate: 0 });
  });

  it('reads the template again once the stack is updated, and not on the run after', async () => {
    aws.deployment().cloudFormation.update(stackId);
    expect((await audit()).calls).toMatchObject({ describeStacks: 2, getTemplate: 1 });
    expect((await audit()).calls).toMatchObject({ describeStacks: 2, getTemplate: 0 });
  });

  it('a stack mid-update is not compared nor kept, and a kept entry is reused only under the same status', async () => {
    const cloudFormation = aws.deployment().cloudFormation;
    // GetTemplate would already give the new template while the rooms are still the old ones.
    cloudFormation.update(stackId, {
      template: { ...TEMPLATE, Parameters: { Length: { Type: 'Number', Default: 100 } } },
      parameters: { Length: '100' },
    });
    cloudFormation.setStatus(stackId, 'UPDATE_IN_PROGRESS');
    const during = await audit();
    expect(during.calls).toMatchObject({ describeStacks: 2, getTemplate: 0 });
    expect(driftOf(during.report).filter((f) => f.path.endsWith('maximumMessageLength'))).toEqual([]);
    const notes = during.report.notEvaluated?.filter((n) => n.policyId === 'iac-drift') ?? [];
    // Every room claiming the stack, the one with forged tags among them: none can be checked now.
    const stackRooms = [rooms.Lobby?.arn, rooms.Support?.arn, forgedTopic()].map(String).sort();
    const busy = notes.filter((n) => /is being updated \(UPDATE_IN_PROGRESS\)/.test(n.reason));
    expect(busy.flatMap((n) => n.rooms).sort()).toEqual(stackRooms);
    // Rolled back, LastUpdatedTime unmoved: the old template, read again (nothing was kept mid-update).
    cloudFormation.setTemplate(stackId, TEMPLATE, { Length: '300' });
    cloudFormation.setStatus(stackId, 'UPDATE_ROLLBACK_COMPLETE');
    const after = await audit();
    expect(after.calls).toMatchObject({ describeStacks: 2, getTemplate: 1 });
    const support = driftOf(after.report).find(
      (f) => f.roomArn === rooms.Support?.arn && f.path.endsWith('maximumMessageLength'),
    );
    expect(support?.actual).toMatchObject({ expected: 300, actual: 250 });
    // The same time under another status (UPDATE_COMPLETE) is another stack version: read again.
    cloudFormation.setStatus(stackId, 'UPDATE_COMPLETE');
    expect((await audit()).calls).toMatchObject({ describeStacks: 2, getTemplate: 1 });
    expect((await audit()).calls).toMatchObject({ describeStacks: 2, getTemplate: 0 });
  });

  it("is what the README's IaC drift section shows (the built-in policy alone; the deployed rooms' ids named for the README)", async () => {
    const run = await auditAccount({
      regions: [REGION],
      policies: withIacDriftPolicy([]),
      connection: { endpoint: aws.endpoint },
      identity: { accountId: ACCOUNT_ID },
      iacDrift: { store },
    });
    let text = renderText(run.report, { color: false });
    text = text.replaceAll(
      String(rooms.Lobby?.arn),
      `arn:aws:ivschat:${REGION}:${ACCOUNT_ID}:room/LobbyRoom001`,
    );
    text = text.replaceAll(
      String(rooms.Support?.arn),
      `arn:aws:ivschat:${REGION}:${ACCOUNT_ID}:room/SupportRoom1`,
    );
    text = text.replaceAll(stackId, `arn:aws:cloudformation:${REGION}:${ACCOUNT_ID}:stack/Chat/…`);
    expect(readmeBlock('iac-drift-demo')).toBe(text);
  });

  it('on the change path, leaves a changed stack room to the schedule: not evaluated, so its drift findings stay', async () => {
    const source = changedRooms({
      changes: {
        accountId: ACCOUNT_ID,
        region: REGION,
        rooms: [String(rooms.Lobby?.arn)],
        loggingConfigurations: [],
        messageIds: ['m1'],
        events: 1,
      },
      policies,
      connection: { endpoint: aws.endpoint },
      maxRooms: 10,
      roomCache: new MemoryRoomCache(),
      fullRefreshHours: 24,
      clock: () => new Date(),
    });
    const run = await source.audit({
      identity: { accountId: ACCOUNT_ID },
      previous: new Map(),
      startedAt: new Date().toISOString(),
    });
    expect(driftOf(run.report)).toEqual([]);
    expect(run.report.notEvaluated?.filter((n) => n.policyId === 'iac-drift')).toEqual([
      {
        policyId: 'iac-drift',
        reason: 'compared with its stack by the scheduled audit only (the change path reads no stacks)',
        rooms: [rooms.Lobby?.arn],
      },
    ]);
    expect(run.inventories[0]?.notEvaluated?.get('iac-drift')).toEqual([rooms.Lobby?.arn]);
  });

  it('with the setting off, no stack is read and no room is judged by the built-in policy', async () => {
    const run = await auditAccount({
      regions: [REGION],
      policies,
      connection: { endpoint: aws.endpoint },
      identity: { accountId: ACCOUNT_ID },
    });
    expect(driftOf(run.report)).toEqual([]);
    expect(run.report.notEvaluated ?? []).toEqual([]);
    expect(run.inventories[0]?.calls.describeStacks).toBeUndefined();
  });
});
