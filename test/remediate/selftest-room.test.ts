/**
 * The room `ivschat-audit selftest` creates is never remediated: the deployed remediation does not
 * plan it (opted in or not), and the executor, which re-reads each room just before its write, leaves
 * it alone when the tag appeared after the plan was made.
 */
import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { planRemediation } from '../../lambda/audit/remediation-plan.js';
import type { Finding, RoomDocument } from '../../lambda/core/types.js';
import type { CompiledPolicy } from '../../lambda/policy/compile.js';
import { DEFAULT_POLICIES_DIR, loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { applyPlan, type RoomApi } from '../../lambda/remediate/apply.js';
import { FixCandidates, fixablePolicies, remediateTarget } from '../../lambda/remediate/deployed.js';
import { planLive } from '../../lambda/remediate/live-plan.js';
import {
  isSelftestRoom,
  SELFTEST_ROOM_SKIPPED,
  SELFTEST_TAG_KEY,
} from '../../lambda/remediate/selftest-room.js';
import type { TrailEntry } from '../../lambda/remediate/trail.js';
import { startLocalAws } from '../../local-aws/index.js';
import { compliantRoom } from '../fixtures.js';

const NOW = '2026-11-26T12:00:00.000Z';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const OPT_IN = { key: 'ivschat-auditor:remediate', value: 'true' };
/** The starter set with message-length-max's fix marked `auto`, so apply mode would write it. */
const policies: CompiledPolicy[] = loadPolicyDir(DEFAULT_POLICIES_DIR, { now: NOW }).policies.map((p) =>
  p.policy.id === 'message-length-max' && p.policy.fix
    ? { ...p, policy: { ...p.policy, fix: { ...p.policy.fix, auto: true } } }
    : p,
);

/** A room that breaks message-length-max (500 > 200) and is opted in to remediation. */
const breaking = (id: string, tags: Record<string, string> = {}) =>
  compliantRoom(
    { maximumMessageLength: 500, tags: { owner: 'team', [OPT_IN.key]: OPT_IN.value, ...tags } },
    id,
  );

function memoryAccount(rooms: RoomDocument[]) {
  const byArn = new Map(rooms.map((r) => [r.arn, structuredClone(r)]));
  const writes: string[] = [];
  const api: RoomApi = {
    getRoom: async (arn) => structuredClone(byArn.get(arn) as RoomDocument),
    updateRoom: async ({ identifier, ...fields }) => {
      writes.push(identifier);
      Object.assign(byArn.get(identifier) as RoomDocument, fields, {
        updateTime: '2026-11-26T12:00:01.000Z',
      });
    },
  };
  return { api, writes, byArn };
}

function executor(api: RoomApi, kept: TrailEntry[]) {
  return {
    api: () => api,
    writeBudget: () => ({ acquire: async () => {} }),
    trail: { append: async (e: TrailEntry) => void kept.push(e), entries: async () => [...kept] },
    actor: `arn:aws:sts::${ACCOUNT}:assumed-role/ivschat-auditor-member/run`,
    clock: () => new Date('2026-11-26T12:00:30.000Z'),
  };
}

describe('isSelftestRoom', () => {
  it('is true for the self-test tag whatever its value, and false without it or for a look-alike key', () => {
    expect(isSelftestRoom({ tags: { [SELFTEST_TAG_KEY]: 'a1b2c3' } })).toBe(true);
    expect(isSelftestRoom({ tags: { [SELFTEST_TAG_KEY]: '' } })).toBe(true);
    expect(isSelftestRoom({ tags: { owner: 'team' } })).toBe(false);
    expect(
      isSelftestRoom({ tags: { 'ivschat-auditor:selftest ': 'x', 'IVSCHAT-AUDITOR:SELFTEST': 'x' } }),
    ).toBe(false);
    expect(isSelftestRoom({})).toBe(false);
    // A tag named like an Object.prototype member is not inherited from it.
    expect(isSelftestRoom({ tags: JSON.parse('{"__proto__": {"ivschat-auditor:selftest": "x"}}') })).toBe(
      false,
    );
  });
});

describe('deployed remediation and the self-test room', () => {
  it('plans and writes nothing for a self-test room, even opted in, and says why; other rooms are fixed', async () => {
    const selftest = breaking('SelfTest0001', { [SELFTEST_TAG_KEY]: 'a1b2c3' });
    const other = breaking('OptedIn00001');
    const account = memoryAccount([selftest, other]);
    const kept: TrailEntry[] = [];
    const candidates = new FixCandidates(fixablePolicies(policies, 'apply'), OPT_IN);
    const findings: Finding[] = [];
    for (const room of [selftest, other]) {
      const evaluation = evaluateRoom(room, policies, { now: NOW, accountId: ACCOUNT, region: REGION });
      candidates.collect({ region: REGION, doc: room, evaluation });
      findings.push(...evaluation.findings.map((f) => ({ ...f, status: 'new' as const })));
    }

    const result = await remediateTarget({
      mode: 'apply',
      findings,
      candidates,
      roomsAudited: 20,
      complete: true,
      policies,
      tag: OPT_IN,
      guards: { maxChanges: 10, maxPercent: 100 },
      now: NOW,
      executor: async () => executor(account.api, kept),
    });

    expect(candidates.rooms.has(selftest.arn)).toBe(false);
    expect(result?.planned.map((c) => c.roomArn)).toEqual([other.arn]);
    expect(result?.skipped).toEqual([
      expect.objectContaining({
        roomArn: selftest.arn,
        policyId: 'message-length-max',
        reason: SELFTEST_ROOM_SKIPPED,
      }),
    ]);
    expect(account.writes).toEqual([other.arn]);
    expect(account.byArn.get(selftest.arn)?.maximumMessageLength).toBe(500);
    expect(kept.map((e) => e.roomArn)).toEqual([other.arn]);
  });

  it('leaves a room alone when it carries the self-test tag at the write, though the plan was made before', async () => {
    const room = breaking('TaggedLater1');
    const account = memoryAccount([room]);
    const plan = planRemediation({
      findings: evaluateRoom(room, policies, { now: NOW }).findings.map((f) => ({
        ...f,
        status: 'new' as const,
      })),
      rooms: new Map([[room.arn, room]]),
      roomsAudited: 20,
      policies,
      policyIds: new Set(['message-length-max']),
      now: NOW,
    });
    expect(plan.changes).toHaveLength(1);
    // Tagged for a self-test between the plan and the write (TagResource leaves updateTime as it was).
    (account.byArn.get(room.arn) as RoomDocument).tags = { ...room.tags, [SELFTEST_TAG_KEY]: 'late' };
    const kept: TrailEntry[] = [];

    const result = await applyPlan(
      plan,
      { maxChanges: 10, maxPercent: 100 },
      {
        ...executor(account.api, kept),
        policies,
        requireTag: OPT_IN,
      },
    );

    expect(account.writes).toEqual([]);
    expect(result.entries).toEqual([
      expect.objectContaining({ outcome: 'skipped', roomArn: room.arn, reason: SELFTEST_ROOM_SKIPPED }),
    ]);
  });
});

describe('the CLI plan (ivschat-audit remediate) and the self-test room', () => {
  it('lists the self-test room as never remediated, with or without --tag, and plans the other rooms', async () => {
    const aws = await startLocalAws({ quotas: { enabled: false } });
    try {
      aws.seedRooms('us-west-2', [
        {
          name: 'selftest',
          maximumMessageLength: 500,
          tags: { [SELFTEST_TAG_KEY]: 'a1b2c3', [OPT_IN.key]: OPT_IN.value },
        },
        { name: 'plain', maximumMessageLength: 500, tags: { [OPT_IN.key]: OPT_IN.value } },
      ]);
      for (const tag of [undefined, OPT_IN]) {
        const { plan } = await planLive({
          regions: ['us-west-2'],
          connection: { endpoint: aws.endpoint },
          apiBudgetTps: 50,
          policies,
          policyIds: new Set(['message-length-max']),
          ...(tag ? { tag } : {}),
          signal: new AbortController().signal,
          now: NOW,
        });

        expect(plan.changes.map((c) => c.roomName)).toEqual(['plain']);
        expect(plan.skipped).toEqual([
          expect.objectContaining({
            roomName: 'selftest',
            policyId: 'message-length-max',
            reason: SELFTEST_ROOM_SKIPPED,
          }),
        ]);
      }
    } finally {
      await aws.close();
    }
  });
});
