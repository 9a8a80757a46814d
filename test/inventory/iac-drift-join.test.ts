/**
 * The IaC drift join's failures (lambda/inventory/iac-drift.ts): a stack CloudFormation will not
 * describe, a template it will not give or that cannot be read, a state table that cannot keep the
 * translation — each leaves the room not evaluated with the reason (and the API error in the
 * report), never a finding and never a silent pass.
 */

import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { Evaluator } from '../../lambda/audit/evaluate.js';
import { type FindingRecord, reconcile } from '../../lambda/audit/lifecycle.js';
import { buildReport } from '../../lambda/audit/report.js';
import { emptyInventory } from '../../lambda/core/empty-inventory.js';
import type { RegionInventory, RoomDocument } from '../../lambda/core/types.js';
import { withIacDriftPolicy } from '../../lambda/iac/drift-policy.js';
import { IacDriftJoin, STACK_READS_AT_ONCE } from '../../lambda/inventory/iac-drift.js';
import { evaluateRooms } from '../../lambda/inventory/room-evaluation.js';
import type { StackRoomsStore } from '../../lambda/state/stack-rooms.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Chat/6b2c0f50-0000-4000-8000-000000000001`;
const ROOM_ARN = `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/LobbyRoom001`;
const TEMPLATE = JSON.stringify({ Resources: { Lobby: { Type: 'AWS::IVSChat::Room' } } });

const cfn = mockClient(CloudFormationClient);
afterEach(() => cfn.reset());

const room = (stackId = STACK_ID): RoomDocument => ({
  arn: ROOM_ARN,
  name: '',
  maximumMessageLength: 300,
  maximumMessageRatePerSecond: 10,
  loggingConfigurationIdentifiers: [],
  tags: {
    'aws:cloudformation:stack-name': 'Chat',
    'aws:cloudformation:logical-id': 'Lobby',
    'aws:cloudformation:stack-id': stackId,
  },
});
const described = {
  Stacks: [
    {
      StackName: 'Chat',
      StackId: STACK_ID,
      CreationTime: new Date('2026-12-01T00:00:00Z'),
      StackStatus: 'CREATE_COMPLETE' as 'CREATE_COMPLETE' | 'DELETE_COMPLETE',
    },
  ],
};
const denied = (operation: string) =>
  new CloudFormationServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: `not authorized to perform: cloudformation:${operation}`,
  });

function inventory(): RegionInventory {
  return emptyInventory(ACCOUNT, REGION);
}

async function joined(store?: StackRoomsStore, doc: RoomDocument = room()) {
  const join = new IacDriftJoin({
    client: new CloudFormationClient({ region: REGION }),
    target: { accountId: ACCOUNT, region: REGION },
    store,
    now: new Date('2026-12-06T00:00:00Z'),
  });
  expect(join.hold(doc)).toBe(true);
  const docs = await join.join();
  const inv = inventory();
  join.writeTo(inv);
  return { docs, inv, calls: join.calls };
}

describe('IacDriftJoin failures', () => {
  it('a stack CloudFormation refuses to describe: an error in the report, the room not evaluated', async () => {
    cfn.on(DescribeStacksCommand).rejects(denied('DescribeStacks'));
    const { docs, inv } = await joined();
    expect(docs[0]).not.toHaveProperty('iacDrift');
    expect(inv.errors).toEqual([
      expect.objectContaining({ operation: 'DescribeStacks', code: 'AccessDenied' }),
    ]);
    expect(inv.complete).toBe(false);
    expect(inv.notEvaluated?.get('iac-drift')).toEqual([ROOM_ARN]);
    expect(inv.notEvaluatedReasons?.get(`iac-drift\n${ROOM_ARN}`)).toMatch(
      /^DescribeStacks failed \(AccessDenied: /,
    );
  });

  it('a template CloudFormation refuses, or one that is no template: not evaluated with the reason', async () => {
    cfn.on(DescribeStacksCommand).resolves(described);
    cfn.on(GetTemplateCommand).rejects(denied('GetTemplate'));
    const refused = await joined();
    expect(refused.inv.notEvaluatedReasons?.get(`iac-drift\n${ROOM_ARN}`)).toMatch(/^GetTemplate failed/);
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: '{ "Resources": [' });
    const broken = await joined();
    expect(broken.inv.errors).toEqual([]);
    expect(broken.inv.notEvaluatedReasons?.get(`iac-drift\n${ROOM_ARN}`)).toMatch(
      /^the template of stack Chat could not be read/,
    );
  });

  it('a stack-id tag of another account is refused without a call', async () => {
    const other = STACK_ID.replace(ACCOUNT, '999999999999');
    const { inv, calls } = await joined(undefined, room(other));
    expect(calls).toEqual({ describeStacks: 0, getTemplate: 0 });
    expect(inv.notEvaluatedReasons?.get(`iac-drift\n${ROOM_ARN}`)).toMatch(
      /is no stack of account 123456789012/,
    );
  });

  it('a state table that cannot be read or written costs a GetTemplate, not the comparison', async () => {
    cfn.on(DescribeStacksCommand).resolves(described);
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: TEMPLATE });
    const failing: StackRoomsStore = {
      get: () => Promise.reject(new Error('table down')),
      put: () => Promise.reject(new Error('table down')),
    };
    const { docs, calls } = await joined(failing);
    expect(calls).toEqual({ describeStacks: 1, getTemplate: 1 });
    expect((docs[0] as { iacDrift?: { differences: object } }).iacDrift?.differences).toEqual({
      maximumMessageLength: expect.objectContaining({ difference: 'NOT_EQUAL', expected: 500, actual: 300 }),
    });
  });

  it('a kept entry of another shape is read again from the stack, not a TypeError that fails the target', async () => {
    cfn.on(DescribeStacksCommand).resolves(described);
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: TEMPLATE });
    const lastUpdated = '2026-12-01T00:00:00.000Z';
    const corrupt = { lastUpdated, stackStatus: 'CREATE_COMPLETE', stackName: 'Chat', tags: {} };
    const store: StackRoomsStore = {
      get: async () => corrupt as never,
      put: async () => undefined,
    };
    const { docs, calls, inv } = await joined(store);
    expect(calls).toEqual({ describeStacks: 1, getTemplate: 1 });
    expect(inv.errors).toEqual([]);
    expect((docs[0] as { iacDrift?: { differences: object } }).iacDrift?.differences).toEqual({
      maximumMessageLength: expect.objectContaining({ difference: 'NOT_EQUAL', expected: 500, actual: 300 }),
    });
  });

  it('a deleted stack leaves its retained room unmanaged: not evaluated', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: described.Stacks.map((stack) => ({ ...stack, StackStatus: 'DELETE_COMPLETE' as const })),
    });
    const { inv } = await joined();
    expect(inv.notEvaluatedReasons?.get(`iac-drift\n${ROOM_ARN}`)).toMatch(/was deleted/);
  });
});

describe('IacDriftJoin stack reads, bounded', () => {
  /** One room of each of `count` stacks (Chat0, Chat1, …), each claiming its stack's Lobby. */
  function manyStacks(count: number) {
    const join = new IacDriftJoin({
      client: new CloudFormationClient({ region: REGION }),
      target: { accountId: ACCOUNT, region: REGION },
      now: new Date('2026-12-06T00:00:00Z'),
    });
    for (let i = 0; i < count; i++) {
      const stackId = STACK_ID.replace('stack/Chat/', `stack/Chat${i}/`);
      join.hold({
        ...room(stackId),
        arn: ROOM_ARN.replace('LobbyRoom001', `LobbyRoom${String(i).padStart(3, '0')}`),
        tags: {
          ...room().tags,
          'aws:cloudformation:stack-name': `Chat${i}`,
          'aws:cloudformation:stack-id': stackId,
        },
      });
    }
    return join;
  }

  it(`reads at most ${STACK_READS_AT_ONCE} stacks at once, however many the rooms name`, async () => {
    let inFlight = 0;
    let peak = 0;
    /** Answers after other reads had the chance to start, counting how many were in flight. */
    const answer = async <T>(value: T): Promise<T> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((next) => setImmediate(next));
      inFlight--;
      return value;
    };
    cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) =>
      answer({
        Stacks: [
          {
            ...described.Stacks[0],
            StackId: input.StackName,
            StackName: /stack\/([^/]+)\//.exec(input.StackName)?.[1],
          },
        ],
      }),
    );
    cfn.on(GetTemplateCommand).callsFake(() => answer({ TemplateBody: TEMPLATE }));
    const join = manyStacks(50);
    const docs = await join.join();
    expect(join.calls).toEqual({ describeStacks: 50, getTemplate: 50 });
    expect(docs.filter((d) => 'iacDrift' in d)).toHaveLength(50);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(STACK_READS_AT_ONCE);
  });

  it('after the first AccessDenied, reads no further stack of the target: one error, every room not evaluated', async () => {
    cfn.on(DescribeStacksCommand).rejects(denied('DescribeStacks'));
    const join = manyStacks(20);
    await join.join();
    const inv = inventory();
    join.writeTo(inv);
    // Only the reads already in flight when the refusal came were sent.
    expect(join.calls.describeStacks).toBeLessThanOrEqual(STACK_READS_AT_ONCE);
    expect(inv.errors).toEqual([
      expect.objectContaining({ operation: 'DescribeStacks', code: 'AccessDenied' }),
    ]);
    expect(inv.notEvaluated?.get('iac-drift')).toHaveLength(20);
    expect(
      [...(inv.notEvaluatedReasons?.values() ?? [])].every((r) =>
        /^DescribeStacks failed \(AccessDenied/.test(r),
      ),
    ).toBe(true);
  });
});

describe('IacDriftJoin and the findings lifecycle', () => {
  const policies = withIacDriftPolicy([]);
  /** One join, evaluated and reconciled as the scheduled audit does; the state after it. */
  async function scheduled(previous: Map<string, FindingRecord>, now: string) {
    const join = new IacDriftJoin({
      client: new CloudFormationClient({ region: REGION }),
      target: { accountId: ACCOUNT, region: REGION },
      now: new Date(now),
    });
    join.hold(room());
    const docs = await join.join();
    const inv = { ...inventory(), listed: [ROOM_ARN], audited: [ROOM_ARN], rooms: docs };
    evaluateRooms(inv, docs, { evaluator: new Evaluator(policies), now });
    join.writeTo(inv);
    const report = buildReport({ startedAt: now, finishedAt: now, inventories: [inv], policies });
    const result = reconcile(report, [inv], previous, { now, renotifyAfterHours: 24 });
    const state = new Map(previous);
    for (const change of result.changes) state.set(change.fingerprint, change);
    return { result, state };
  }

  it('a field that becomes not comparable keeps its open finding open, not resolved', async () => {
    cfn.on(DescribeStacksCommand).resolves(described);
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: TEMPLATE });
    const first = await scheduled(new Map(), '2026-12-06T00:00:00.000Z');
    expect(first.result.newFindings.map((f) => f.path)).toEqual([
      '/iacDrift/differences/maximumMessageLength',
    ]);
    // A stack update turns the length into a NoEcho parameter: the field can no longer be compared.
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Chat',
          StackId: STACK_ID,
          CreationTime: new Date('2026-12-01T00:00:00Z'),
          LastUpdatedTime: new Date('2026-12-06T06:00:00Z'),
          StackStatus: 'UPDATE_COMPLETE' as const,
          Parameters: [{ ParameterKey: 'Length', ParameterValue: '****' }],
        },
      ],
    });
    cfn.on(GetTemplateCommand).resolves({
      TemplateBody: JSON.stringify({
        Parameters: { Length: { Type: 'String', NoEcho: true } },
        Resources: {
          Lobby: { Type: 'AWS::IVSChat::Room', Properties: { MaximumMessageLength: { Ref: 'Length' } } },
        },
      }),
    });
    const second = await scheduled(first.state, '2026-12-06T12:00:00.000Z');
    expect(second.result.resolvedFindings).toEqual([]);
    expect([...second.state.values()].map((r) => r.status)).toEqual(['open']);
  });
});
