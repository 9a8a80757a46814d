import { describe, expect, it } from 'vitest';
import { Evaluator, evaluateRoom } from '../../lambda/audit/evaluate.js';
import { type FindingRecord, reconcile, redecide, roomsWithFindings } from '../../lambda/audit/lifecycle.js';
import { buildReport } from '../../lambda/audit/report.js';
import type { RegionInventory } from '../../lambda/core/types.js';
import { evaluateRooms } from '../../lambda/inventory/room-evaluation.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { compliantRoom, inventoryOf } from '../fixtures.js';

const policies = loadPolicyDir().policies;
const T1 = '2026-05-01T10:00:00.000Z';
const T2 = '2026-05-01T11:00:00.000Z';

const inventory = inventoryOf;

/** Runs reconcile as the handler does and returns the state after the run. */
function run(inv: RegionInventory, previous: Map<string, FindingRecord>, now: string) {
  evaluateRooms(inv, inv.rooms, { evaluator: new Evaluator(policies), now });
  const report = buildReport({ startedAt: now, finishedAt: now, inventories: [inv], policies });
  const result = reconcile(report, [inv], previous, { now, renotifyAfterHours: 24 });
  const next = new Map(previous);
  for (const change of result.changes) next.set(change.fingerprint, change);
  return { ...result, state: next };
}

const bad = compliantRoom({ maximumMessageLength: 500 }, 'Bad000000001');
const good = compliantRoom({}, 'Good00000001');

describe('reconcile', () => {
  it('marks first-seen findings new, then open, and stays quiet while nothing changes', () => {
    const first = run(inventory([bad, good]), new Map(), T1);
    expect(first.newFindings.map((f) => f.roomArn)).toEqual([bad.arn]);
    const second = run(inventory([bad, good]), first.state, T2);
    expect(second.newFindings).toEqual([]);
    expect(second.report.findings.map((f) => f.status)).toEqual(['open']);
    expect(second.report.findings[0]?.firstSeen).toBe(T1);
    expect(second.changes).toEqual([]);
  });

  it('resolves a finding when its room was audited and passes', () => {
    const first = run(inventory([bad]), new Map(), T1);
    const fixed = { ...bad, maximumMessageLength: 200 };
    const second = run(inventory([fixed]), first.state, T2);
    expect(second.resolvedFindings).toHaveLength(1);
    expect(second.resolvedFindings[0]).not.toHaveProperty('resolvedReason');
  });

  it('keeps the findings of a room whose GetRoom failed open', () => {
    const first = run(inventory([bad]), new Map(), T1);
    const failed = inventory([], {
      listed: [bad.arn],
      complete: false,
      errors: [
        {
          region: 'us-east-1',
          roomArn: bad.arn,
          operation: 'GetRoom',
          code: 'InternalServerException',
          message: 'x',
        },
      ],
    });
    expect(run(failed, first.state, T2).resolvedFindings).toEqual([]);
  });

  it('does not resolve a room that a live list missed (updated while the list was read)', () => {
    const first = run(inventory([bad]), new Map(), T1);
    // The room is absent from the list and was not confirmed gone: it must stay open.
    const missed = inventory([good]);
    expect(run(missed, first.state, T2).resolvedFindings).toEqual([]);
  });

  it('resolves the findings of a room GetRoom confirmed deleted, saying why', () => {
    const first = run(inventory([bad]), new Map(), T1);
    const gone = inventory([], { deleted: [bad.arn] });
    const [resolved] = run(gone, first.state, T2).resolvedFindings;
    expect(resolved?.resolvedReason).toBe('room deleted');
  });

  it('resolves a room missing from an authoritative listing (a saved --input file)', () => {
    const first = run(inventory([bad], { authoritative: true }), new Map(), T1);
    const second = run(inventory([good], { authoritative: true }), first.state, T2);
    expect(second.resolvedFindings[0]?.resolvedReason).toBe('room deleted');
  });

  it("gives the listing's own reason for a room missing from it", () => {
    const first = run(inventory([bad], { authoritative: true }), new Map(), T1);
    const listing = { authoritative: true, absentReason: 'no longer in the input file' };
    const second = run(inventory([good], listing), first.state, T2);
    expect(second.resolvedFindings[0]?.resolvedReason).toBe('no longer in the input file');
  });

  it('neither raises nor resolves findings of a policy whose rule threw on the room', () => {
    const first = run(inventory([bad]), new Map(), T1);
    const fixed = { ...bad, maximumMessageLength: 200 };
    const evaluated = inventory([fixed]);
    evaluateRooms(evaluated, evaluated.rooms, { evaluator: new Evaluator(policies), now: T2 });
    const report = buildReport({
      startedAt: T2,
      finishedAt: T2,
      inventories: [evaluated],
      policies,
    });
    report.errors.push({
      region: 'us-east-1',
      roomArn: bad.arn,
      policyId: 'message-length-max',
      operation: 'Evaluate',
      code: 'RuleError',
      message: 'threw',
    });
    const result = reconcile(report, [inventory([fixed])], first.state, { now: T2, renotifyAfterHours: 24 });
    expect(result.resolvedFindings).toEqual([]);
  });

  it('reminds of open findings after renotifyAfterHours, once', () => {
    const first = run(inventory([bad]), new Map(), T1);
    const dayLater = '2026-05-02T10:00:00.000Z';
    const reminded = run(inventory([bad]), first.state, dayLater);
    expect(reminded.reminders).toHaveLength(1);
    expect(run(inventory([bad]), reminded.state, '2026-05-02T11:00:00.000Z').reminders).toEqual([]);
  });

  it('counts a room listed twice once', () => {
    const twice = inventory([bad, bad]);
    const result = run(twice, new Map(), T1);
    expect(result.newFindings).toHaveLength(1);
    expect(new Set(result.changes.map((c) => c.fingerprint)).size).toBe(result.changes.length);
  });

  it('lists rooms with open findings per region, for the next live run to double-check', () => {
    const { state } = run(inventory([bad, good]), new Map(), T1);
    expect(roomsWithFindings(state)).toEqual(new Map([['us-east-1', new Set([bad.arn])]]));
  });
});

describe('exemption renewal', () => {
  it('honours a renewed exemption listed after an expired one', () => {
    const room = compliantRoom({ maximumMessageLength: 300 }, 'Legacy000001');
    const [compiled] = policies.filter((p) => p.policy.id === 'message-length-max');
    if (!compiled) throw new Error('starter policy missing');
    const renewed = {
      ...compiled,
      exemptions: new Map([
        [
          room.arn,
          [
            { rooms: [room.arn], reason: 'first', expires: '2020-01-31' },
            { rooms: [room.arn], reason: 'renewed', expires: '2099-12-31' },
          ],
        ],
      ]),
    };
    const [finding] = evaluateRoom(room, [renewed], { now: T1 }).findings;
    expect(finding).toMatchObject({ status: 'exempt', exemption: { reason: 'renewed', expired: false } });
  });
});

describe('redecide', () => {
  const [finding] = evaluateRoom(bad, policies, { now: T1 }).findings;
  if (!finding) throw new Error('the bad room must break a policy');
  const rec = (status: FindingRecord['status'], observedAt: string, extra: Partial<FindingRecord> = {}) =>
    ({
      fingerprint: finding.fingerprint,
      status,
      firstSeen: T1,
      lastSeen: T1,
      finding,
      version: 3,
      observedAt,
      ...extra,
    }) as FindingRecord;
  const T3 = '2026-05-01T12:00:00.000Z';

  it('drops a change observed before the stored record, whatever it meant to announce', () => {
    expect(redecide(rec('resolved', T1), 'resolved', rec('open', T2), T3)).toBeUndefined();
    expect(redecide(rec('open', T1), 'new', rec('resolved', T2), T3)).toBeUndefined();
  });

  it('judges the transition from the stored status, not from the one read earlier', () => {
    expect(redecide(rec('resolved', T2), 'resolved', rec('open', T1), T3)).toMatchObject({
      announce: 'resolved',
      record: { status: 'resolved', version: 3, lastNotified: T3 },
    });
    // The other writer resolved it (an older observation): this newer one opens it again.
    expect(redecide(rec('open', T2), 'reminder', rec('resolved', T1), T3)).toMatchObject({ announce: 'new' });
    // Already resolved, or already open: stored without telling anyone, keeping what is owed.
    const owed = { pendingSinks: ['securityhub'], owedFor: 2, lastNotified: T1 };
    const quiet = redecide(rec('resolved', T2), 'resolved', rec('resolved', T1, owed), T3);
    expect(quiet?.announce).toBeUndefined();
    expect(quiet?.record).toMatchObject({ observedAt: T2, version: 3, ...owed });
    expect(redecide(rec('open', T2), 'new', rec('open', T1), T3)?.announce).toBeUndefined();
  });

  it('treats a record written before observations were kept as older, and a missing one as absent', () => {
    const legacy = { ...rec('open', ''), version: 0 };
    expect(redecide(rec('resolved', T2), 'resolved', legacy, T3)).toMatchObject({
      announce: 'resolved',
      record: { version: 0 },
    });
    expect(redecide(rec('open', T2), 'new', undefined, T3)).toMatchObject({
      announce: 'new',
      record: { version: 0 },
    });
  });

  it('lets a retried delivery send its own claim again, and only while it is owed', () => {
    const claimed = rec('open', T2, { pendingSinks: ['sns'], owedFor: 4, version: 4 });
    expect(redecide(rec('open', T2), 'new', claimed, T3)).toMatchObject({
      announce: 'new',
      record: { version: 4 },
    });
    const delivered = rec('open', T2, { version: 5 });
    expect(redecide(rec('open', T2), 'new', delivered, T3)).toBeUndefined();
  });
});
