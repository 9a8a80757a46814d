/**
 * A run that counts the findings it finds again exactly as stored instead of listing them
 * (AuditRunOptions.countUnchanged, Report.unchangedOpen): the scheduled Lambda's steady state. Every
 * decision, write and total must be what the same run makes when it lists every finding.
 */
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../lambda/alert/alert.js';
import { findingCount, openCount } from '../../lambda/alert/alert.js';
import { alertForRoute } from '../../lambda/alert/route-alert.js';
import { Evaluator } from '../../lambda/audit/evaluate.js';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import { buildReport } from '../../lambda/audit/report.js';
import type { Finding, RoomDocument } from '../../lambda/core/types.js';
import { unchangedBySeverity, unchangedCount } from '../../lambda/core/unchanged-open.js';
import { evaluateRooms } from '../../lambda/inventory/room-evaluation.js';
import type { InventorySource } from '../../lambda/inventory/source.js';
import { runAudit } from '../../lambda/pipeline/run-audit.js';
import { summariseRun } from '../../lambda/pipeline/run-summary.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { RecordReader, stateRow } from '../../lambda/state/record.js';
import type { StateStore } from '../../lambda/state/store.js';
import { StoredStatesBuilder } from '../../lambda/state/stored-states.js';
import { compliantRoom, inventoryOf } from '../fixtures.js';

const policies = loadPolicyDir().policies;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-05-01T10:00:00.000Z');

/** Rooms 0..n-1, each breaking two starter policies (message length and rate). */
function fleet(n: number, overrides: (i: number) => Partial<RoomDocument> = () => ({})): RoomDocument[] {
  return Array.from({ length: n }, (_, i) =>
    compliantRoom(
      { maximumMessageLength: 500, maximumMessageRatePerSecond: 50, ...overrides(i) },
      `Room${String(i).padStart(8, '0')}`,
    ),
  );
}

/** A live-like source: evaluates the rooms with the state's lookup and the pipeline's hold, as the Lambda's does. */
function rooms(docs: RoomDocument[]): InventorySource {
  return {
    async audit({ startedAt, previous, hold }) {
      const inventory = inventoryOf(docs);
      evaluateRooms(inventory, docs, {
        evaluator: new Evaluator(policies),
        now: startedAt,
        stored: (fingerprint) => previous.get(fingerprint),
        ...(hold ? { hold } : {}),
      });
      const report = buildReport({ startedAt, finishedAt: startedAt, inventories: [inventory], policies });
      return { report, inventories: [inventory] };
    },
  };
}

/**
 * A store in memory: `columns` loads the state as the state table does (StoredStates), otherwise as
 * a plain map of compact records (the CLI's file store reads whole records into a map).
 */
function memoryStore(columns: boolean) {
  const records = new Map<string, FindingRecord>();
  const saves: FindingRecord[][] = [];
  const store: StateStore = {
    load: async () => {
      if (columns) {
        const builder = new StoredStatesBuilder();
        for (const r of records.values()) builder.add(stateRow({ ...r, finding: { ...r.finding } }));
        return builder.build();
      }
      const reader = new RecordReader();
      return new Map([...records].map(([fp, r]) => [fp, reader.readState({ ...r })]));
    },
    fetch: async (states) =>
      new Map(states.flatMap((s) => records.get(s.fingerprint) ?? []).map((r) => [r.fingerprint, r])),
    save: async (changes) => {
      saves.push([...changes]);
      for (const c of changes) records.set(c.fingerprint, c);
    },
  };
  return { store, records, saves };
}

function recordingSink(): {
  name: string;
  alerts: Alert[];
  deliver(alert: Alert): Promise<{ sink: string; delivered: number; messageIds: string[] }>;
} {
  const alerts: Alert[] = [];
  return {
    name: 'sns',
    alerts,
    async deliver(alert) {
      alerts.push(alert);
      return { sink: 'sns', delivered: 1, messageIds: ['m-1'] };
    },
  };
}

/** Two stores fed the same runs, one counting unchanged findings and one listing them. */
async function twin(columns: boolean, runs: { docs: RoomDocument[]; at: number }[]) {
  const counting = memoryStore(columns);
  const listing = memoryStore(columns);
  const results = [];
  for (const { docs, at } of runs) {
    const clock = () => new Date(at);
    const common = { inventory: rooms(docs), sinks: [], clock, renotifyAfterHours: 24 };
    const a = await runAudit({ ...common, state: () => counting.store, countUnchanged: true });
    const b = await runAudit({ ...common, state: () => listing.store });
    results.push({ counted: a, listed: b });
  }
  return { results, counting, listing };
}

const key = (f: Finding) => `${f.fingerprint}:${f.status}`;
const keys = (list: readonly Finding[]) => list.map(key).sort();

describe.each([
  ['column-wise state (the state table)', true],
  ['a plain map of records (the CLI file)', false],
])('countUnchanged, with %s', (_, columns) => {
  it('counts every finding found again as stored, and decides, writes and totals exactly as listing them', async () => {
    const docs = fleet(20);
    const fixed = docs.map((d, i) => (i === 3 ? { ...d, maximumMessageRatePerSecond: 10 } : d));
    const { results, counting, listing } = await twin(columns, [
      { docs, at: T0 },
      { docs: fixed, at: T0 + HOUR },
    ]);
    const [first, second] = results as [(typeof results)[0], (typeof results)[0]];
    // A first audit has nothing stored: everything is listed, as new.
    expect(first.counted.run.report.unchangedOpen).toBeUndefined();
    expect(first.counted.run.report.findings).toHaveLength(40);

    const counted = second.counted.run;
    const listed = second.listed.run;
    // 39 still open as stored: counted, not listed; the one fixed resolves in both.
    expect(counted.report.findings).toEqual([]);
    expect(unchangedCount(counted.report)).toBe(39);
    expect(listed.report.findings).toHaveLength(39);
    expect(keys(counted.reconciliation.resolvedFindings)).toEqual(
      keys(listed.reconciliation.resolvedFindings),
    );
    expect(counted.reconciliation.resolvedFindings).toHaveLength(1);
    expect(counted.reconciliation.newFindings).toEqual([]);
    expect(counted.reconciliation.reminders).toEqual([]);
    expect(counted.reconciliation.changes.map((c) => c.fingerprint)).toEqual(
      listed.reconciliation.changes.map((c) => c.fingerprint),
    );
    expect([...counting.records.values()].map((r) => `${r.fingerprint}:${r.status}`).sort()).toEqual(
      [...listing.records.values()].map((r) => `${r.fingerprint}:${r.status}`).sort(),
    );
    // The totals the alert, the metrics and the summary read.
    expect(findingCount(counted.report)).toBe(findingCount(listed.report));
    expect(openCount(counted.report)).toBe(openCount(listed.report));
    const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    for (const f of listed.report.findings) bySeverity[f.severity]++;
    expect(unchangedBySeverity(counted.report)).toEqual(bySeverity);
    const summary = (run: typeof counted, outcome: typeof second.counted.outcome) =>
      summariseRun({ accountId: run.accountId, inventories: run.inventories, outcome, durationMs: 0 });
    expect(summary(counted, second.counted.outcome)).toEqual(summary(listed, second.listed.outcome));
  });

  it('lists what changes: a reminder due, a message that moved, a room found again after it was fixed', async () => {
    const docs = fleet(4);
    const moved = docs.map((d, i) => (i === 1 ? { ...d, maximumMessageLength: 300 } : d));
    const { results } = await twin(columns, [
      { docs, at: T0 },
      { docs: moved, at: T0 + HOUR },
      // 25 hours after the first run: every finding's reminder is due.
      { docs: moved, at: T0 + 25 * HOUR },
    ]);
    const second = results[1]?.counted.run;
    // Room 1's length finding says 300 now: listed (its stored message is updated), the rest counted.
    expect(second?.report.findings.map((f) => [f.roomId, f.message])).toEqual([
      ['Room00000001', expect.stringContaining('300')],
    ]);
    expect(second?.reconciliation.changes.map((c) => c.finding.roomId)).toEqual(['Room00000001']);
    expect(unchangedCount(second?.report ?? {})).toBe(7);
    const third = results[2];
    expect(third?.counted.run.report.unchangedOpen).toBeUndefined();
    expect(keys(third?.counted.run.reconciliation.reminders ?? [])).toEqual(
      keys(third?.listed.run.reconciliation.reminders ?? []),
    );
    expect(third?.counted.run.reconciliation.reminders).toHaveLength(8);
  });

  it('counts a room listed twice once, and resolves nothing it counted', async () => {
    const docs = fleet(3);
    const { results } = await twin(columns, [
      { docs, at: T0 },
      { docs: [...docs, docs[0] as RoomDocument], at: T0 + HOUR },
    ]);
    const run = results[1]?.counted.run;
    expect(unchangedCount(run?.report ?? {})).toBe(6);
    expect(run?.report.findings).toEqual([]);
    expect(run?.reconciliation.resolvedFindings).toEqual([]);
    expect(run?.reconciliation.changes).toEqual([]);
  });
});

describe('countUnchanged with alert routes', () => {
  it("gives each route the count of its own rooms' findings", async () => {
    const docs = fleet(4);
    const sink = recordingSink();
    const { store } = memoryStore(true);
    const routesOf = (i: number) => (i < 3 ? ['payments'] : ['default']);
    // The routes the evaluator would set from a routes file, given by room here.
    const withRoutes = (): InventorySource => ({
      async audit({ startedAt, previous, hold }) {
        const inventory = inventoryOf(docs);
        const evaluator = new Evaluator(policies);
        const original = evaluator.evaluate.bind(evaluator);
        evaluator.evaluate = (room, ctx) => {
          const out = original(room, ctx);
          const i = docs.findIndex((d) => d.arn === room.arn);
          for (const f of out.findings) f.routes = routesOf(i);
          return out;
        };
        evaluateRooms(inventory, docs, {
          evaluator,
          now: startedAt,
          stored: (fingerprint) => previous.get(fingerprint),
          ...(hold ? { hold } : {}),
        });
        const report = buildReport({ startedAt, finishedAt: startedAt, inventories: [inventory], policies });
        return { report, inventories: [inventory] };
      },
    });
    for (const at of [T0, T0 + HOUR]) {
      await runAudit({
        inventory: withRoutes(),
        state: () => store,
        sinks: [sink],
        clock: () => new Date(at),
        renotifyAfterHours: 24,
        countUnchanged: true,
      });
    }
    const { run } = await runAudit({
      inventory: withRoutes(),
      state: () => store,
      sinks: [],
      clock: () => new Date(T0 + 2 * HOUR),
      renotifyAfterHours: 24,
      countUnchanged: true,
    });
    const alert: Alert = {
      accountId: run.accountId,
      regions: run.regions,
      newFindings: [],
      resolvedFindings: [],
      reminders: [],
      report: run.report,
    };
    expect(openCount(alertForRoute(alert, 'payments').report)).toBe(6);
    expect(openCount(alertForRoute(alert, 'default').report)).toBe(2);
    expect(openCount(alertForRoute(alert, 'nobody').report)).toBe(0);
  });
});
