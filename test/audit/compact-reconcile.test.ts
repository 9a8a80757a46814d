/**
 * Reconcile in two steps from the state as the table loads it (compact: no finding payloads), then
 * the resolutions from the records fetched whole, must decide exactly what reconcile decides from
 * whole records. Compared on generated states and runs: every mix of stored status, reminder age,
 * moved value, exemption, audited, deleted, unreached and failed room, and saved listing.
 */
import { describe, expect, it } from 'vitest';
import {
  decide,
  type FindingRecord,
  type LifecycleOptions,
  reconcile,
  resolve,
  type StoredState,
} from '../../lambda/audit/lifecycle.js';
import type { AuditError, Finding, RegionInventory, Report } from '../../lambda/core/types.js';
import { RecordReader, storedFinding } from '../../lambda/state/record.js';

const ACCOUNT = '111122223333';
const REGIONS = ['us-east-1', 'eu-west-1'];
const POLICIES = ['message-length-max', 'required-tags', 'logging-required'];
const NOW = '2026-05-02T10:00:00.000Z';

/** A small deterministic generator (mulberry32): a failing seed reproduces. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

function finding(policyId: string, region: string, room: number, message: string): Finding {
  const roomArn = `arn:aws:ivschat:${region}:${ACCOUNT}:room/Room${room}`;
  return {
    fingerprint: `${policyId}|${roomArn}`,
    policyId,
    title: `${policyId} title`,
    severity: 'high',
    status: 'new',
    accountId: ACCOUNT,
    region,
    roomArn,
    roomId: `Room${room}`,
    roomName: `room-${room}`,
    path: '/maximumMessageLength',
    actual: { value: message.length },
    message,
    remediationTemplate: 'aws ivschat update-room --identifier {arn}',
    firstSeen: '2026-04-01T00:00:00.000Z',
    lastSeen: '2026-05-01T10:00:00.000Z',
  };
}

interface Case {
  report: Report;
  inventories: RegionInventory[];
  whole: Map<string, FindingRecord>;
  options: LifecycleOptions;
}

function generated(seed: number): Case {
  const r = random(seed);
  const whole = new Map<string, FindingRecord>();
  const findings: Finding[] = [];
  const errors: AuditError[] = [];
  const inventories: RegionInventory[] = [];
  for (const region of REGIONS) {
    const rooms = Array.from({ length: 6 }, (_, i) => i);
    const arn = (room: number) => `arn:aws:ivschat:${region}:${ACCOUNT}:room/Room${room}`;
    const audited = rooms.filter(() => r.chance(0.6));
    const deleted = rooms.filter((room) => !audited.includes(room) && r.chance(0.3));
    const authoritative = r.chance(0.3);
    const listed = rooms.filter((room) => audited.includes(room) || r.chance(0.5));
    if (!r.chance(0.85)) continue; // a region this run did not cover
    inventories.push({
      accountId: ACCOUNT,
      region,
      listed: listed.map(arn),
      audited: audited.map(arn),
      rooms: [],
      deleted: deleted.map(arn),
      notReached: [],
      errors: [],
      complete: true,
      calls: { listRooms: 1, getRoom: audited.length },
      ...(authoritative
        ? { authoritative, ...(r.chance(0.5) ? { absentReason: 'not in the listing' } : {}) }
        : {}),
      ...(r.chance(0.2) ? { notEvaluated: new Map([[r.pick(POLICIES), [arn(r.pick(rooms))]]]) } : {}),
    });
    for (const room of rooms) {
      for (const policyId of POLICIES) {
        const message = r.pick(['is 500; must be ≤ 200', 'is 300; must be ≤ 200']);
        if (r.chance(0.6)) {
          const stored = finding(policyId, region, room, r.pick([message, 'is 900; must be ≤ 200']));
          const status = r.pick(['open', 'open', 'resolved', 'exempt'] as const);
          const lastNotified = r.pick([undefined, '2026-05-02T09:00:00.000Z', '2026-04-30T09:00:00.000Z']);
          whole.set(stored.fingerprint, {
            fingerprint: stored.fingerprint,
            status,
            firstSeen: stored.firstSeen,
            lastSeen: stored.lastSeen,
            ...(lastNotified ? { lastNotified } : {}),
            finding: { ...stored, status: status === 'exempt' ? 'exempt' : 'open' },
            version: 1 + Math.floor(r.chance(0.5) ? 3 : 1),
            observedAt: '2026-05-01T10:00:00.000Z',
            ...(r.chance(0.1) ? { pendingSinks: ['slack'], owedFor: 2 } : {}),
          });
        }
        if (audited.includes(room) && r.chance(0.5)) {
          const found = finding(policyId, region, room, message);
          if (r.chance(0.15)) found.status = 'exempt';
          findings.push(found);
          if (r.chance(0.1)) findings.push({ ...found }); // the same room listed twice
        }
        if (audited.includes(room) && r.chance(0.05)) {
          errors.push({
            region,
            roomArn: arn(room),
            policyId,
            operation: 'Evaluate',
            code: 'RuleThrew',
            message: '',
          });
        }
      }
    }
  }
  const report: Report = {
    version: '1',
    startedAt: NOW,
    finishedAt: NOW,
    targets: inventories.map(({ accountId, region }) => ({ accountId, region })),
    roomsAudited: 0,
    policiesEvaluated: POLICIES.length,
    findings,
    errors,
    complete: true,
  };
  const policyIds = r.chance(0.2) ? { policyIds: new Set(POLICIES.slice(0, 2)) } : {};
  return { report, inventories, whole, options: { now: NOW, renotifyAfterHours: 24, ...policyIds } };
}

/** The state as the table's load() reads it: each record stored as the store writes it, read back compactly. */
function compactly(whole: ReadonlyMap<string, FindingRecord>): Map<string, StoredState> {
  const reader = new RecordReader();
  const items = [...whole.values()].map((record) => ({
    pk: `FINDING#${ACCOUNT}#${record.finding.region}`,
    sk: record.fingerprint,
    ...record,
    finding: storedFinding(record.finding),
  }));
  return new Map(items.map((item) => [item.sk, reader.readState(item)]));
}

/** A fresh copy of the run's report: reconcile sets statuses on the report's findings in place. */
const copy = (report: Report): Report => structuredClone(report);

describe('Function: decide, then resolve', () => {
  it('reconciles the compact state exactly as reconcile reconciles whole records (500 generated runs)', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const { report, inventories, whole, options } = generated(seed);
      const expected = reconcile(copy(report), inventories, whole, options);
      const decision = decide(copy(report), inventories, compactly(whole), options);
      const actual = resolve(decision, whole, options);
      expect(actual, `seed ${seed}`).toEqual(expected);
    }
  });

  it('generates runs that resolve, remind, exempt and open findings', () => {
    const seen = { resolved: 0, reminders: 0, exempted: 0, new: 0, movedValue: 0 };
    for (let seed = 1; seed <= 500; seed++) {
      const { report, inventories, whole, options } = generated(seed);
      const run = reconcile(copy(report), inventories, whole, options);
      seen.resolved += run.resolvedFindings.length;
      seen.reminders += run.reminders.length;
      seen.exempted += run.exemptedFindings.length;
      seen.new += run.newFindings.length;
      seen.movedValue += run.changes.filter((c) => c.status === 'open' && c.lastNotified !== NOW).length;
    }
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(20);
  });

  it('defers a resolution whose record is no longer stored, and writes nothing of it', () => {
    const record: FindingRecord = {
      fingerprint: 'gone',
      status: 'open',
      firstSeen: NOW,
      lastSeen: NOW,
      finding: finding('message-length-max', 'us-east-1', 1, 'is 500; must be ≤ 200'),
      version: 3,
    };
    const state = compactly(new Map([['gone', { ...record, fingerprint: 'gone' }]]));
    const inventory: RegionInventory = {
      accountId: ACCOUNT,
      region: 'us-east-1',
      listed: [record.finding.roomArn],
      audited: [record.finding.roomArn],
      rooms: [],
      deleted: [],
      notReached: [],
      errors: [],
      complete: true,
      calls: { listRooms: 1, getRoom: 1 },
    };
    const report = generated(1).report;
    const options = { now: NOW, renotifyAfterHours: 24 };
    const decision = decide({ ...report, findings: [], errors: [] }, [inventory], state, options);
    expect(decision.resolving.map((r) => r.state.fingerprint)).toEqual(['gone']);

    const run = resolve(decision, new Map(), options);
    expect(run).toMatchObject({ resolvedFindings: [], changes: [], deferred: 1 });
  });
});
