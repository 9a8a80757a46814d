import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import type { Finding, RoomDocument } from '../../lambda/core/types.js';
import type { CompiledPolicy } from '../../lambda/policy/compile.js';
import { DEFAULT_POLICIES_DIR, loadPolicyDir } from '../../lambda/policy/load-dir.js';
import type { ExecutorOptions, RoomApi } from '../../lambda/remediate/apply.js';
import {
  type DeployedMode,
  FixCandidates,
  fixablePolicies,
  MAX_KEPT,
  markFixedByAuditor,
  remediateTarget,
} from '../../lambda/remediate/deployed.js';
import type { Trail, TrailEntry } from '../../lambda/remediate/trail.js';
import { compliantRoom } from '../fixtures.js';

const NOW = '2026-11-26T12:00:00.000Z';
const ACCOUNT = '123456789012';
const TAG = { key: 'ivschat-auditor:remediate', value: 'true' };
const starter = loadPolicyDir(DEFAULT_POLICIES_DIR, { now: NOW }).policies;
/** The starter set with message-length-max's fix marked `auto` (message-rate-max's is not). */
const policies: CompiledPolicy[] = starter.map((p) =>
  p.policy.id === 'message-length-max' && p.policy.fix
    ? { ...p, policy: { ...p.policy, fix: { ...p.policy.fix, auto: true } } }
    : p,
);

const optedIn = (id: string, over: Partial<RoomDocument> = {}) =>
  compliantRoom({ tags: { ...TAG_OBJ, owner: 'team' }, ...over }, id);
const TAG_OBJ = { [TAG.key]: TAG.value };
const untagged = (id: string, over: Partial<RoomDocument> = {}) =>
  compliantRoom({ tags: { owner: 'team' }, ...over }, id);

/** An in-memory IVS Chat account: UpdateRoom changes the room and moves its updateTime. */
function fakeAccount(rooms: RoomDocument[]) {
  const byArn = new Map(rooms.map((r) => [r.arn, structuredClone(r)]));
  const writes: string[] = [];
  let tick = 0;
  const api: RoomApi = {
    getRoom: async (arn) => structuredClone(byArn.get(arn) as RoomDocument),
    updateRoom: async ({ identifier, ...fields }) => {
      writes.push(identifier);
      const room = byArn.get(identifier) as RoomDocument;
      const after = structuredClone(room);
      Object.assign(after, fields);
      after.updateTime = `2026-11-26T12:00:0${++tick}.000Z`;
      byArn.set(identifier, after);
    },
  };
  return { api, writes, room: (arn: string) => byArn.get(arn) };
}

function memoryTrail(failAfter = Number.POSITIVE_INFINITY): Trail & { kept: TrailEntry[] } {
  const kept: TrailEntry[] = [];
  return {
    kept,
    append: async (e) => {
      if (kept.length >= failAfter) throw new Error('state table is gone (simulated)');
      kept.push(e);
    },
    entries: async () => [...kept],
  };
}

async function run(
  mode: DeployedMode,
  rooms: RoomDocument[],
  options: {
    maxChanges?: number;
    trail?: Trail;
    exempt?: string[];
    complete?: boolean;
    signal?: AbortSignal;
  } = {},
) {
  const account = fakeAccount(rooms);
  const trail = options.trail ?? memoryTrail();
  const candidates = new FixCandidates(fixablePolicies(policies, mode), TAG);
  const findings: Finding[] = [];
  for (const room of rooms) {
    const region = 'us-east-1';
    const evaluation = evaluateRoom(room, policies, { now: NOW, accountId: ACCOUNT, region });
    candidates.collect({ region, doc: room, evaluation });
    for (const f of evaluateRoom(room, policies, { now: NOW }).findings) {
      findings.push(
        options.exempt?.includes(String(room.id))
          ? { ...f, status: 'exempt', exemption: { reason: 'launch event', expired: false } }
          : { ...f, status: 'new' },
      );
    }
  }
  let executorBuilt = 0;
  const executor = async (): Promise<Omit<ExecutorOptions, 'policies'>> => {
    executorBuilt++;
    return {
      api: () => account.api,
      writeBudget: () => ({ acquire: async () => {} }),
      trail,
      actor: `arn:aws:sts::${ACCOUNT}:assumed-role/ivschat-auditor-member/run`,
      clock: () => new Date('2026-11-26T12:00:30.000Z'),
      ...(options.signal ? { signal: options.signal } : {}),
    };
  };
  const result = await remediateTarget({
    mode,
    findings,
    candidates,
    roomsAudited: Math.max(20, rooms.length),
    complete: options.complete ?? true,
    policies,
    tag: TAG,
    guards: { maxChanges: options.maxChanges ?? 10, maxPercent: 100 },
    now: NOW,
    executor,
  });
  return { result, account, executorBuilt, candidates };
}

describe('remediateTarget', () => {
  it('plans every fix of an opted-in room, skips the rooms without the tag, and writes nothing', async () => {
    const tagged = optedIn('Tagged000001', { maximumMessageLength: 500, maximumMessageRatePerSecond: 50 });
    const plain = untagged('Untagged0001', { maximumMessageLength: 500 });
    const { result, account, executorBuilt } = await run('plan', [tagged, plain]);

    expect(result?.mode).toBe('plan');
    expect(result?.planned.map((c) => [c.roomArn, c.policyId, c.after])).toEqual([
      [tagged.arn, 'message-length-max', { maximumMessageLength: 200 }],
      [tagged.arn, 'message-rate-max', { maximumMessageRatePerSecond: 10 }],
    ]);
    expect(result?.skipped).toEqual([
      expect.objectContaining({
        roomArn: plain.arn,
        policyId: 'message-length-max',
        reason: 'not opted in: tag ivschat-auditor:remediate=true missing',
      }),
    ]);
    expect(result?.entries).toEqual([]);
    expect(executorBuilt).toBe(0);
    expect(account.writes).toEqual([]);
  });

  it('applies only the fixes marked auto, to opted-in rooms, and records each in the trail', async () => {
    const tagged = optedIn('Tagged000001', { maximumMessageLength: 500, maximumMessageRatePerSecond: 50 });
    const plain = untagged('Untagged0001', { maximumMessageLength: 500 });
    const trail = memoryTrail();
    const { result, account } = await run('apply', [tagged, plain], { trail });

    expect(account.writes).toEqual([tagged.arn]);
    expect(account.room(tagged.arn)?.maximumMessageLength).toBe(200);
    expect(account.room(tagged.arn)?.maximumMessageRatePerSecond).toBe(50);
    expect(account.room(plain.arn)?.maximumMessageLength).toBe(500);
    expect(result?.planned.map((c) => c.policyId)).toEqual(['message-length-max']);
    expect(result?.entries).toEqual([
      expect.objectContaining({ outcome: 'applied', roomArn: tagged.arn, policyId: 'message-length-max' }),
    ]);
    expect(trail.kept).toEqual(result?.entries);
  });

  it('writes nothing when the plan is over a guard, and names the setting to change', async () => {
    const rooms = ['Tagged000001', 'Tagged000002', 'Tagged000003'].map((id) =>
      optedIn(id, { maximumMessageLength: 500 }),
    );
    const { result, account, executorBuilt } = await run('apply', rooms, { maxChanges: 2 });

    expect(result?.tripped).toEqual(['3 changes planned, more than remediationMaxChanges 2']);
    expect(result?.planned).toHaveLength(3);
    expect(result?.entries).toEqual([]);
    expect(executorBuilt).toBe(0);
    expect(account.writes).toEqual([]);
  });

  it('writes nothing after an incomplete audit, and says why', async () => {
    const tagged = optedIn('Tagged000001', { maximumMessageLength: 500 });
    const { result, account, executorBuilt } = await run('apply', [tagged], { complete: false });

    expect(account.writes).toEqual([]);
    expect(executorBuilt).toBe(0);
    expect(result?.planned).toHaveLength(1);
    expect(result?.error).toMatch(/audit of the target is incomplete .* nothing was changed/);
  });

  it('never writes an exempt room, tagged or not', async () => {
    const exempt = optedIn('Exempt000001', { maximumMessageLength: 500 });
    const { result, account } = await run('apply', [exempt], { exempt: ['Exempt000001'] });

    expect(account.writes).toEqual([]);
    expect(result?.planned).toEqual([]);
    expect(result?.skipped).toEqual([
      expect.objectContaining({ roomArn: exempt.arn, reason: 'exempt: launch event' }),
    ]);
  });

  it('reports every write, the one the trail could not record included, and why it stopped', async () => {
    const rooms = ['Tagged000001', 'Tagged000002', 'Tagged000003'].map((id) =>
      optedIn(id, { maximumMessageLength: 500 }),
    );
    const { result, account } = await run('apply', rooms, { trail: memoryTrail(1) });

    // The second room was written but could not be recorded: it is still reported, with the error;
    // nothing after it runs.
    expect(result?.entries.map((e) => [e.roomArn, e.outcome])).toEqual([
      [rooms[0]?.arn, 'applied'],
      [rooms[1]?.arn, 'applied'],
    ]);
    expect(result?.error).toMatch(/state table is gone/);
    expect(account.writes).toEqual([rooms[0]?.arn, rooms[1]?.arn]);
  });

  it('says how many planned changes the deadline left untried, rather than reporting nothing', async () => {
    const rooms = ['Tagged000001', 'Tagged000002'].map((id) => optedIn(id, { maximumMessageLength: 500 }));
    const { result, account } = await run('apply', rooms, { signal: AbortSignal.abort() });

    expect(account.writes).toEqual([]);
    expect(result?.entries).toEqual([]);
    expect(result?.error).toMatch(/deadline came first: 2 planned change\(s\) not attempted/);
  });

  it('keeps at most MAX_KEPT of each list and counts the rest', async () => {
    const rooms = Array.from({ length: MAX_KEPT + 50 }, (_, i) =>
      untagged(`Untagged${String(i).padStart(4, '0')}`, { maximumMessageLength: 500 }),
    );
    const { result } = await run('plan', rooms);

    expect(result?.skipped).toHaveLength(MAX_KEPT);
    expect(result?.omitted).toBe(50);
  });

  it('counts every applied change in its totals, past the MAX_KEPT it lists', async () => {
    const rooms = Array.from({ length: MAX_KEPT + 20 }, (_, i) =>
      optedIn(`Tagged${String(i).padStart(6, '0')}`, { maximumMessageLength: 500 }),
    );
    const { result, account } = await run('apply', rooms, { maxChanges: 1000 });

    expect(account.writes).toHaveLength(MAX_KEPT + 20);
    expect(result?.entries).toHaveLength(MAX_KEPT);
    expect(result?.totals).toEqual({ planned: MAX_KEPT + 20, applied: MAX_KEPT + 20, skipped: 0, failed: 0 });
  });

  it('keeps no document of a room that is not opted in or breaks no fixable policy', async () => {
    const { candidates } = await run('plan', [
      untagged('Untagged0001', { maximumMessageLength: 500 }),
      optedIn('Compliant001'),
      optedIn('Tagged000001', { maximumMessageLength: 500 }),
    ]);
    expect([...candidates.rooms.keys()]).toEqual([optedIn('Tagged000001').arn]);
  });

  it('tells nothing when no policy has a fix the mode uses', async () => {
    const manual = policies.map((p) =>
      p.policy.fix ? { ...p, policy: { ...p.policy, fix: { set: p.policy.fix.set } } } : p,
    );
    expect(fixablePolicies(manual, 'apply')).toEqual([]);
    expect(fixablePolicies(manual, 'plan').map((p) => p.policy.id)).toEqual([
      'message-length-max',
      'message-rate-max',
    ]);
  });
});

describe('markFixedByAuditor', () => {
  const room = compliantRoom({}, 'Fixed0000001');
  const resolved = (over: Partial<Finding> = {}): Finding => ({
    ...(evaluateRoom(compliantRoom({ maximumMessageLength: 500 }, 'Fixed0000001'), policies, { now: NOW })
      .findings[0] as Finding),
    status: 'resolved',
    firstSeen: '2026-11-26T10:00:00.000Z',
    ...over,
  });
  const applied = (over: Partial<TrailEntry> = {}): TrailEntry => ({
    changeId: 'chg-aaaaaaaaaaaa',
    kind: 'fix',
    outcome: 'applied',
    policyId: 'message-length-max',
    accountId: ACCOUNT,
    region: 'us-east-1',
    roomArn: room.arn,
    roomName: room.name as string,
    before: { maximumMessageLength: 500 },
    after: { maximumMessageLength: 200 },
    time: '2026-11-26T10:00:30.000Z',
    actor: 'arn:aws:sts::123456789012:assumed-role/ivschat-auditor/x',
    ...over,
  });

  it('names the latest applied fix of the room and policy since the finding was first seen', () => {
    const f = resolved();
    const n = markFixedByAuditor(
      [f],
      [applied(), applied({ changeId: 'chg-bbbbbbbbbbbb', time: '2026-11-26T11:00:30.000Z' })],
    );
    expect(n).toBe(1);
    expect(f.resolvedReason).toBe('fixed by the auditor (chg-bbbbbbbbbbbb)');
  });

  it('leaves unexplained a finding fixed otherwise: skipped, earlier, other policy, or an undo', () => {
    const f = resolved();
    markFixedByAuditor(
      [f],
      [
        applied({ outcome: 'skipped' }),
        applied({ time: '2026-11-26T09:00:00.000Z' }),
        applied({ policyId: 'message-rate-max' }),
        applied({ kind: 'undo', undoOf: 'chg-0' }),
      ],
    );
    expect(f.resolvedReason).toBeUndefined();
  });

  it('keeps a reason the finding already has', () => {
    const f = resolved({ resolvedReason: 'room deleted' });
    markFixedByAuditor([f], [applied()]);
    expect(f.resolvedReason).toBe('room deleted');
  });
});
