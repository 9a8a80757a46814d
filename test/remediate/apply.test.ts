/**
 * The executor against writers that race it, on the emulator: IVS Chat has no conditional UpdateRoom,
 * and UpdateRoom sends the whole review handler, so a fix of the fallback also sends the uri it read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetRoomCommand, IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { planRemediation } from '../../lambda/audit/remediation-plan.js';
import { toRoomDocument } from '../../lambda/aws/room-document.js';
import type { RoomDocument } from '../../lambda/core/types.js';
import { compilePolicies } from '../../lambda/policy/compile.js';
import { DEFAULT_POLICIES_DIR, POLICY_SCHEMA_FILE } from '../../lambda/policy/load-dir.js';
import { applyPlan, type RoomApi, type WriteBudget } from '../../lambda/remediate/apply.js';
import { ivschatRoomApi } from '../../lambda/remediate/ivschat-api.js';
import type { Trail, TrailEntry } from '../../lambda/remediate/trail.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';

const REGION = 'us-west-2';
const NOW = '2026-11-26T12:00:00.000Z';
const handler = (name: string) => `arn:aws:lambda:${REGION}:000000000000:function:${name}`;

/** A fix that sets only the fallback: UpdateRoom still sends the handler's uri, as it was read. */
const fallbackDeny = {
  id: 'review-fallback-deny',
  title: 'An attached review handler denies when it fails',
  severity: 'high',
  description: 'A failing handler must not let messages through.',
  remediation: 'Set the fallback to DENY.',
  appliesTo: {
    type: 'object',
    required: ['messageReviewHandler'],
    properties: { messageReviewHandler: { type: 'object', required: ['uri'] } },
  },
  rule: { properties: { messageReviewHandler: { properties: { fallbackResult: { const: 'DENY' } } } } },
  fix: { set: { 'messageReviewHandler.fallbackResult': 'DENY' } },
  examples: {
    pass: [
      {
        arn: 'arn:aws:ivschat:us-east-1:123456789012:room/Pass',
        messageReviewHandler: { uri: 'x', fallbackResult: 'DENY' },
      },
    ],
    fail: [
      {
        arn: 'arn:aws:ivschat:us-east-1:123456789012:room/Fail',
        messageReviewHandler: { uri: 'x', fallbackResult: 'ALLOW' },
      },
    ],
  },
};
const schema = JSON.parse(readFileSync(join(DEFAULT_POLICIES_DIR, POLICY_SCHEMA_FILE), 'utf8'));
const policies = compilePolicies(
  [{ file: 'policies/review-fallback-deny.json', text: JSON.stringify(fallbackDeny) }],
  schema,
);

let aws: LocalAws;
let ivschat: IvschatClient;
beforeAll(async () => {
  aws = await startLocalAws();
  ivschat = new IvschatClient({
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  ivschat.destroy();
  await aws.close();
});
beforeEach(() => {
  aws.clearRooms();
  aws.resetStats();
});

const getRoom = async (arn: string) =>
  toRoomDocument(await ivschat.send(new GetRoomCommand({ identifier: arn })));
/** Another writer (the room owner's application) moving the room to a new review handler. */
const ownerSwitchesHandler = (arn: string, fallbackResult: 'ALLOW' | 'DENY') =>
  ivschat.send(
    new UpdateRoomCommand({
      identifier: arn,
      messageReviewHandler: { uri: handler('review-v2'), fallbackResult },
    }),
  );
const updateRoomCalls = () => aws.stats()[REGION]?.UpdateRoom?.calls ?? 0;

/** A room whose handler falls back to ALLOW, and the plan that fixes it. */
async function plannedRoom(): Promise<{ room: RoomDocument; plan: ReturnType<typeof planRemediation> }> {
  const [seeded] = aws.seedRooms(REGION, [
    { name: 'chat', messageReviewHandler: { uri: handler('review-v1'), fallbackResult: 'ALLOW' } },
  ]);
  const room = await getRoom(seeded?.arn ?? '');
  const findings = evaluateRoom(room, policies, {
    now: NOW,
    accountId: '000000000000',
    region: REGION,
  }).findings.map((f) => ({ ...f, status: 'new' as const }));
  const plan = planRemediation({
    findings,
    rooms: new Map([[room.arn, room]]),
    roomsAudited: 1,
    policies,
    now: NOW,
  });
  expect(plan.changes).toHaveLength(1);
  return { room, plan };
}

async function apply(plan: ReturnType<typeof planRemediation>, api: RoomApi, budget: WriteBudget) {
  const entries: TrailEntry[] = [];
  const trail: Trail = { append: async (e) => void entries.push(e), entries: async () => [...entries] };
  const result = await applyPlan(
    plan,
    { maxChanges: 10, maxPercent: 100 },
    {
      api: () => api,
      writeBudget: () => budget,
      trail,
      actor: 'arn:aws:iam::000000000000:user/local-aws',
      clock: () => new Date(NOW),
      policies,
    },
  );
  expect(result.tripped).toEqual([]);
  return entries;
}

describe('applyPlan: a writer racing the fix', () => {
  it('sees a change made while it waited for the write budget, and writes nothing', async () => {
    const { room, plan } = await plannedRoom();
    // The budget wait is where the old executor sat between its re-read and its UpdateRoom.
    let waits = 0;
    const budget: WriteBudget = {
      acquire: async () => {
        if (waits++ === 0) await ownerSwitchesHandler(room.arn, 'ALLOW');
      },
    };

    const [entry, ...rest] = await apply(plan, ivschatRoomApi(ivschat, REGION), budget);

    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ outcome: 'skipped' });
    expect(entry?.reason).toContain('the room changed since the plan');
    // The owner's new handler stands: the fix did not send the old uri back.
    expect((await getRoom(room.arn)).messageReviewHandler).toEqual({
      uri: handler('review-v2'),
      fallbackResult: 'ALLOW',
    });
    expect(updateRoomCalls()).toBe(1); // the owner's own
  });

  it('does not record as applied a write whose read-back differs in a field it sent but did not fix', async () => {
    const { room, plan } = await plannedRoom();
    const api = ivschatRoomApi(ivschat, REGION);
    // The owner writes between the fix's UpdateRoom and its read-back: the fallback the fix set holds
    // (DENY), the uri the fix sent (v1) does not.
    const racing: RoomApi = {
      getRoom: (arn) => api.getRoom(arn),
      updateRoom: async (input) => {
        await api.updateRoom(input);
        await ownerSwitchesHandler(room.arn, 'DENY');
      },
    };

    const [entry] = await apply(plan, racing, { acquire: async () => {} });

    expect(entry?.outcome).toBe('failed');
    expect(entry?.reason).toContain('messageReviewHandler.uri');
    expect(entry?.reason).toContain(handler('review-v2'));
    expect(entry?.reason).toContain('someone else changed it at the same time');
  });

  it('records as applied a write that reads back as sent, the uri it did not fix kept', async () => {
    const { room, plan } = await plannedRoom();

    const [entry] = await apply(plan, ivschatRoomApi(ivschat, REGION), { acquire: async () => {} });

    expect(entry).toMatchObject({
      outcome: 'applied',
      before: { 'messageReviewHandler.fallbackResult': 'ALLOW' },
      after: { 'messageReviewHandler.fallbackResult': 'DENY' },
    });
    expect((await getRoom(room.arn)).messageReviewHandler).toEqual({
      uri: handler('review-v1'),
      fallbackResult: 'DENY',
    });
  });
});

describe('applyPlan: a plan file is data', () => {
  it("skips a change whose values are not its policy's fix (an edited plan), and writes nothing", async () => {
    const { room, plan } = await plannedRoom();
    // The edit passes the policy and breaks no other: only the fix's own values tell it apart.
    const [change] = plan.changes;
    const edited = {
      ...plan,
      changes: [
        {
          ...(change as NonNullable<typeof change>),
          after: {
            'messageReviewHandler.fallbackResult': 'DENY',
            'messageReviewHandler.uri': handler('attacker'),
          },
        },
      ],
    };

    const entries = await apply(edited, ivschatRoomApi(ivschat, REGION), { acquire: async () => {} });

    expect(entries).toHaveLength(1);
    expect(entries[0]?.outcome).toBe('skipped');
    expect(entries[0]?.reason).toContain("are not what policy review-fallback-deny's fix sets");
    expect(updateRoomCalls()).toBe(0);
    expect((await getRoom(room.arn)).messageReviewHandler).toEqual({
      uri: handler('review-v1'),
      fallbackResult: 'ALLOW',
    });
  });
});
