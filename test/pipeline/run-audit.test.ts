import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../lambda/alert/alert.js';
import { Evaluator } from '../../lambda/audit/evaluate.js';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import { buildReport } from '../../lambda/audit/report.js';
import { PublishError } from '../../lambda/core/errors.js';
import type { RoomDocument } from '../../lambda/core/types.js';
import { evaluateRooms } from '../../lambda/inventory/room-evaluation.js';
import type { Identity, InventorySource } from '../../lambda/inventory/source.js';
import { type AuditRunOptions, auditRun, runAudit } from '../../lambda/pipeline/run-audit.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import type { AlertSink } from '../../lambda/sinks/sink.js';
import { RecordReader } from '../../lambda/state/record.js';
import type { StateStore } from '../../lambda/state/store.js';
import { compliantRoom, inventoryOf } from '../fixtures.js';

const policies = loadPolicyDir().policies;

/** A full garbage collection now (V8's `gc`, reached without starting node with --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
const T0 = Date.parse('2026-05-01T10:00:00.000Z');
const bad = compliantRoom({ maximumMessageLength: 500 }, 'Bad000000001');

/** A clock that moves on an hour at every reading: a second reading would show in the results. */
function movingClock(): { clock: () => Date; readings: () => number } {
  let readings = 0;
  return { clock: () => new Date(T0 + readings++ * 3_600_000), readings: () => readings };
}

/** The rooms of one region, evaluated when the pipeline asks, at the time it passes. */
function rooms(docs: RoomDocument[], identity?: Identity, stopped?: string): InventorySource {
  return {
    ...(identity ? { identify: async () => identity } : {}),
    async audit({ startedAt }) {
      const inventory = inventoryOf(docs, {
        errors: identity?.error ? [identity.error] : [],
        complete: !identity?.error,
      });
      evaluateRooms(inventory, docs, { evaluator: new Evaluator(policies), now: startedAt });
      const report = buildReport({ startedAt, finishedAt: startedAt, inventories: [inventory], policies });
      return { report, inventories: [inventory], ...(stopped ? { stopped } : {}) };
    },
  };
}

/**
 * A state store in memory that records what it was asked. It loads records as the state table does,
 * compactly (no finding payload), so whatever a run needs whole must come from `fetch`.
 */
function memoryStore(initial: FindingRecord[] = []) {
  const records = new Map(initial.map((r) => [r.fingerprint, r]));
  const calls = { loads: 0, saves: [] as { changes: FindingRecord[]; now: string }[] };
  const fetched: string[][] = [];
  const store: StateStore = {
    load: async () => {
      calls.loads++;
      const reader = new RecordReader();
      return new Map([...records].map(([fingerprint, r]) => [fingerprint, reader.readState({ ...r })]));
    },
    fetch: async (states) => {
      fetched.push(states.map((s) => s.fingerprint));
      const whole = new Map<string, FindingRecord>();
      for (const { fingerprint } of states) {
        const record = records.get(fingerprint);
        if (record) whole.set(fingerprint, record);
      }
      return whole;
    },
    save: async (changes, now) => {
      calls.saves.push({ changes: [...changes], now });
      for (const c of changes) records.set(c.fingerprint, c);
    },
  };
  return { store, calls, records, fetched };
}

function recordingSink(name: string, fail = false): AlertSink & { alerts: Alert[] } {
  const alerts: Alert[] = [];
  return {
    name,
    alerts,
    async deliver(alert) {
      alerts.push(alert);
      if (fail) throw new PublishError(`${name} refused the alert`);
      return { sink: name, delivered: 1, messageIds: [`${name}-1`] };
    },
  };
}

function options(overrides: Partial<AuditRunOptions> & Pick<AuditRunOptions, 'inventory'>) {
  const { store } = memoryStore();
  return {
    state: () => store,
    sinks: [],
    clock: movingClock().clock,
    renotifyAfterHours: 24,
    ...overrides,
  } satisfies AuditRunOptions;
}

describe('Function: auditRun', () => {
  it('reads the clock once: the report, the findings and the state write share one now', async () => {
    const { clock } = movingClock();
    const { store, calls } = memoryStore();
    const { run: target } = await runAudit(options({ inventory: rooms([bad]), state: () => store, clock }));

    const now = new Date(T0).toISOString();
    expect(target.report.startedAt).toBe(now);
    expect(target.report.findings.map((f) => [f.status, f.firstSeen])).toEqual([['new', now]]);
    expect(calls.saves.map((s) => s.now)).toEqual([now]);
    expect(calls.saves[0]?.changes.map((c) => c.lastNotified)).toEqual([now]);
  });

  it('announces a resolution with the whole stored finding, read by key after reconcile', async () => {
    const { store, records, fetched } = memoryStore();
    const sink = recordingSink('sns');
    await runAudit(options({ inventory: rooms([bad]), state: () => store, sinks: [sink] }));
    const [stored] = [...records.values()];
    const fixed = compliantRoom({}, 'Bad000000001');

    const { run } = await runAudit(options({ inventory: rooms([fixed]), state: () => store, sinks: [sink] }));

    // Only the resolving record was read whole; its payload is what the stored record held.
    expect(fetched).toEqual([[stored?.fingerprint]]);
    expect(run.reconciliation.resolvedFindings).toEqual([
      { ...stored?.finding, status: 'resolved', lastSeen: stored?.lastSeen },
    ]);
    expect(sink.alerts[1]?.resolvedFindings.map((f) => [f.title, f.severity, f.actual])).toEqual([
      [stored?.finding.title, stored?.finding.severity, 500],
    ]);
    expect([...records.values()].map((r) => r.status)).toEqual(['resolved']);
  });

  it('leaves a resolution, and what a sink is owed, to the next run when the records cannot be read whole', async () => {
    const { store, records } = memoryStore();
    const sink = recordingSink('sns');
    await runAudit(options({ inventory: rooms([bad]), state: () => store, sinks: [sink] }));
    const fixed = compliantRoom({}, 'Bad000000001');
    const failing: StateStore = {
      ...store,
      fetch: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };

    const { run, outcome } = await runAudit(
      options({ inventory: rooms([fixed]), state: () => failing, sinks: [sink] }),
    );
    expect(run.reconciliation.resolvedFindings).toEqual([]);
    expect(run.reconciliation.deferred).toBe(1);
    expect(run.warnings).toEqual([
      '1 stored findings could not be read whole (ProvisionedThroughputExceededException); their resolutions and owed deliveries wait for the next run',
    ]);
    expect(outcome.published).toBe(0);
    expect([...records.values()].map((r) => r.status)).toEqual(['open']);

    const { run: next } = await runAudit(
      options({ inventory: rooms([fixed]), state: () => store, sinks: [sink] }),
    );
    expect(next.reconciliation.resolvedFindings.map((f) => f.roomArn)).toEqual([fixed.arn]);
    expect([...records.values()].map((r) => r.status)).toEqual(['resolved']);
  });

  it('keeps what a sink is owed when a quiet change lands while the owed record cannot be read whole', async () => {
    const { store, records } = memoryStore();
    await runAudit(
      options({
        inventory: rooms([bad]),
        state: () => store,
        sinks: [recordingSink('sns'), recordingSink('second', true)],
      }),
    );
    expect([...records.values()].map((r) => r.pendingSinks)).toEqual([['second']]);
    const failing: StateStore = {
      ...store,
      fetch: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };
    // Still failing the same policy, with another value: the stored message moves (a quiet change).
    const moved = compliantRoom({ maximumMessageLength: 600 }, 'Bad000000001');

    const { run } = await runAudit(
      options({
        inventory: rooms([moved]),
        state: () => failing,
        sinks: [recordingSink('sns'), recordingSink('second')],
      }),
    );
    expect(run.reconciliation.changes.map((c) => c.finding.message)).toEqual([
      expect.stringContaining('600'),
    ]);
    // Not written without its mark (the state table writes it with the mark; a file waits for the next run).
    expect([...records.values()].map((r) => r.pendingSinks)).toEqual([['second']]);

    const second = recordingSink('second');
    await runAudit(
      options({ inventory: rooms([moved]), state: () => store, sinks: [recordingSink('sns'), second] }),
    );
    expect(second.alerts.flatMap((a) => a.newFindings.map((f) => f.roomArn))).toEqual([moved.arn]);
    expect([...records.values()].map((r) => [r.finding.message, r.pendingSinks])).toEqual([
      [expect.stringContaining('600'), undefined],
    ]);
  });

  it('delivers and records nothing until deliver() is called', async () => {
    const { store, calls } = memoryStore();
    const sink = recordingSink('sns');
    const target = await auditRun(options({ inventory: rooms([bad]), state: () => store, sinks: [sink] }));

    expect(target.reconciliation.newFindings).toHaveLength(1);
    expect(sink.alerts).toEqual([]);
    expect(calls.saves).toEqual([]);

    const outcome = await target.deliver();
    expect(outcome).toMatchObject({ published: 1, messageIds: ['sns-1'] });
    expect(calls.saves).toHaveLength(1);
  });

  it('records nothing and throws when the only sink refused the alert (the next run sends it again)', async () => {
    const { store, calls } = memoryStore();
    const only = recordingSink('sns', true);
    const target = await auditRun(options({ inventory: rooms([bad]), state: () => store, sinks: [only] }));

    await expect(target.deliver()).rejects.toThrow('sns refused the alert');
    expect(calls.saves).toEqual([]);
  });

  it('records which sink missed a finding, sends it to that sink only next run, and then clears it', async () => {
    const { store, calls, records } = memoryStore();
    const first = recordingSink('first');
    let failing = true;
    const second: AlertSink & { alerts: Alert[] } = {
      name: 'second',
      alerts: [],
      async deliver(alert) {
        second.alerts.push(alert);
        if (failing) throw new PublishError('second is throttled');
        return { sink: 'second', delivered: alert.newFindings.length, messageIds: [] };
      },
    };
    const run = () =>
      runAudit(options({ inventory: rooms([bad]), state: () => store, sinks: [first, second] }));

    const { outcome } = await run();
    expect(outcome.lagging).toEqual([{ sink: 'second', undelivered: 1, error: 'second is throttled' }]);
    expect([...records.values()].map((r) => r.pendingSinks)).toEqual([['second']]);

    failing = false;
    const { outcome: next } = await run();
    expect(first.alerts).toHaveLength(1); // nothing new for the first sink: it is not called again
    expect(second.alerts.map((a) => a.newFindings.map((f) => [f.policyId, f.status]))).toEqual([
      [['message-length-max', 'new']],
      [['message-length-max', 'new']],
    ]);
    expect(next.lagging).toEqual([]);
    expect([...records.values()].map((r) => r.pendingSinks)).toEqual([undefined]);
    expect(calls.saves).toHaveLength(2);
  });

  it('lets the loaded state go before delivery, and still sends what a sink was owed', async () => {
    const { store, records } = memoryStore();
    const first = recordingSink('first');
    const second = recordingSink('second', true);
    const sinks = [first, second];
    await runAudit(options({ inventory: rooms([bad]), state: () => store, sinks }));
    expect([...records.values()].map((r) => r.pendingSinks)).toEqual([['second']]);

    // The state as this run loads it, watched without being held.
    let loaded: WeakRef<object> | undefined;
    const watched: StateStore = {
      ...store,
      load: async () => {
        const map = await store.load();
        loaded = new WeakRef(map);
        return map;
      },
    };
    const healthy = recordingSink('second');
    const target = await auditRun(
      options({ inventory: rooms([bad]), state: () => watched, sinks: [first, healthy] }),
    );
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef holds its target until the turn ends
    collectGarbage();
    expect(loaded?.deref()).toBeUndefined();

    await target.deliver();
    expect(healthy.alerts.map((a) => a.newFindings.map((f) => f.policyId))).toEqual([['message-length-max']]);
    expect([...records.values()].map((r) => r.pendingSinks)).toEqual([undefined]);
  });

  it('keeps a finding owed to a sink that lags for several runs, and resends nothing to the others', async () => {
    const { store, records } = memoryStore();
    const first = recordingSink('first');
    const second = recordingSink('second', true);
    const run = () =>
      runAudit(options({ inventory: rooms([bad]), state: () => store, sinks: [first, second] }));

    await run();
    await run();
    await run();

    expect(first.alerts).toHaveLength(1);
    expect(second.alerts).toHaveLength(3);
    expect([...records.values()].map((r) => r.pendingSinks)).toEqual([['second']]);
  });

  it('calls no sink when there is nothing to tell, and still records the run', async () => {
    const { store, calls } = memoryStore();
    const sink = recordingSink('sns');
    const { outcome } = await runAudit(
      options({ inventory: rooms([compliantRoom({}, 'Good00000001')]), state: () => store, sinks: [sink] }),
    );

    expect(sink.alerts).toEqual([]);
    expect(outcome.published).toBe(0);
    expect(calls.saves).toHaveLength(1);
  });

  it('keys the state by the identified account', async () => {
    const asked: (string | undefined)[] = [];
    const { store } = memoryStore();
    await runAudit(
      options({
        inventory: rooms([bad], { accountId: '000000000000' }),
        state: (accountId) => {
          asked.push(accountId);
          return store;
        },
      }),
    );
    expect(asked).toEqual(['000000000000']);
  });

  it('audits an unidentified account but neither reads its state, delivers nor records', async () => {
    const error = {
      region: 'us-east-1',
      operation: 'GetCallerIdentity',
      code: 'AccessDenied',
      message: 'no',
    };
    const { store, calls } = memoryStore();
    const sink = recordingSink('sns');
    const { run: target, outcome } = await runAudit(
      options({ inventory: rooms([bad], { error }), state: () => store, sinks: [sink] }),
    );

    expect(target.report.complete).toBe(false);
    expect(target.report.findings.map((f) => f.roomArn)).toEqual([bad.arn]);
    expect(target.withheld).toBe('the AWS account could not be identified (GetCallerIdentity: AccessDenied)');
    expect(calls).toEqual({ loads: 0, saves: [] });
    expect(sink.alerts).toEqual([]);
    expect(outcome).toMatchObject({ published: 0, alert: { newFindings: [] } });
  });

  it('neither delivers nor records a run its caller stopped', async () => {
    const { store, calls } = memoryStore();
    const sink = recordingSink('sns');
    const { run: target } = await runAudit(
      options({ inventory: rooms([bad], undefined, 'interrupted'), state: () => store, sinks: [sink] }),
    );

    expect(target).toMatchObject({ stopped: 'interrupted', withheld: 'interrupted' });
    expect(sink.alerts).toEqual([]);
    expect(calls.saves).toEqual([]);
  });
});
