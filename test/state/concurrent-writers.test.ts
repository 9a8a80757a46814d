/**
 * The scheduled run and the change path record the same findings in the same partition. These tests
 * interleave two writers through the real pipeline (`auditRun` → `deliver`) and the real store on
 * dynalite: each writer loads and reads its rooms, then delivers (the org-scale aggregate step does so
 * hours later), and the other writer acts in between. The newer observation must win, and each
 * transition must be announced exactly once.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../lambda/alert/alert.js';
import { Evaluator } from '../../lambda/audit/evaluate.js';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import { buildReport } from '../../lambda/audit/report.js';
import type { RegionInventory, RoomDocument } from '../../lambda/core/types.js';
import { evaluateRooms } from '../../lambda/inventory/room-evaluation.js';
import { type AuditedRun, auditRun } from '../../lambda/pipeline/run-audit.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import type { AlertSink } from '../../lambda/sinks/sink.js';
import { batchWrite } from '../../lambda/state/batch-write.js';
import { storedFinding } from '../../lambda/state/record.js';
import { TargetStateStore } from '../../lambda/state/target-store.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';
import { ACCOUNT, compliantRoom, inventoryOf } from '../fixtures.js';
import { wholeState } from './whole-state.js';

const REGION = 'us-east-1';
const policies = loadPolicyDir().policies;
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

/** The room breaking three starter policies (length, review handler, tags), or fixed. */
const ROOM_ID = 'Contested001';
const bad = compliantRoom(
  {
    maximumMessageLength: 500,
    messageReviewHandler: { uri: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:r`, fallbackResult: 'ALLOW' },
    tags: {},
  },
  ROOM_ID,
);
const fixed = compliantRoom({}, ROOM_ID);

/** A day apart from the first audit, so a finding still open is due for a reminder. */
const FIRST = '2026-11-25T08:00:00.000Z';
const at = (time: string) => `2026-11-26T${time}:00.000Z`;

const inventory = (rooms: RoomDocument[]): RegionInventory => inventoryOf(rooms, { region: REGION });

/** The inventory with its rooms evaluated at `now`, as the inventory path leaves it. */
function evaluated(inv: RegionInventory, now: string): RegionInventory {
  evaluateRooms(inv, inv.rooms, { evaluator: new Evaluator(policies), now });
  return inv;
}

interface Writer {
  audited: AuditedRun;
  /** What each delivery of this writer told (one alert per delivery). */
  alerts: Alert[];
  deliver(): Promise<void>;
}

/**
 * One writer's pass: loads the state and reads `room` as at `observed` (the pass's start), reconciling
 * at `now` (the org-scale run reconciles at its execution's start, and reads the rooms later).
 */
async function pass(
  table: string,
  room: RoomDocument,
  observed: string,
  now = observed,
  options: { emailDown?: boolean; emailAlerts?: Alert[] } = {},
): Promise<Writer> {
  const alerts: Alert[] = [];
  const sink: AlertSink = {
    name: 'sns',
    async deliver(alert) {
      alerts.push(alert);
      return { sink: 'sns', delivered: 1, messageIds: [`m-${alerts.length}`] };
    },
  };
  // A second sink, given only when a test says whether it is down: it takes nothing then.
  const email: AlertSink = {
    name: 'email',
    async deliver(alert) {
      options.emailAlerts?.push(alert);
      if (!options.emailDown) return { sink: 'email', delivered: 1, messageIds: ['e'] };
      const all = [...alert.newFindings, ...alert.resolvedFindings, ...alert.reminders];
      return {
        sink: 'email',
        delivered: 0,
        messageIds: [],
        undelivered: all.map((f) => f.fingerprint),
        error: 'down',
      };
    },
  };
  const sinks = options.emailDown === undefined ? [sink] : [sink, email];
  const audited = await auditRun({
    inventory: {
      audit: async ({ startedAt }) => {
        const inventories = [evaluated(inventory([room]), startedAt)];
        return {
          report: buildReport({ startedAt, finishedAt: startedAt, inventories, policies }),
          inventories,
        };
      },
    },
    state: () => new TargetStateStore(dynamo.client, table, ACCOUNT, REGION),
    sinks,
    clock: () => new Date(now),
    observationClock: () => new Date(observed),
    renotifyAfterHours: 24,
  });
  return {
    audited,
    alerts,
    deliver: async () => {
      await audited.deliver();
    },
  };
}

/** What the writer's deliveries told, by list: [policy id…] sorted. */
function told(writer: Writer) {
  const ids = (pick: (a: Alert) => { policyId: string }[]) =>
    writer.alerts.flatMap((a) => pick(a).map((f) => f.policyId)).sort();
  return {
    newFindings: ids((a) => a.newFindings),
    resolvedFindings: ids((a) => a.resolvedFindings),
    reminders: ids((a) => a.reminders),
  };
}

const NOTHING = { newFindings: [], resolvedFindings: [], reminders: [] };
const THREE = ['message-length-max', 'required-tags', 'review-handler-fallback-deny'];

async function stored(table: string) {
  const records = await wholeState(new TargetStateStore(dynamo.client, table, ACCOUNT, REGION));
  return [...records.values()]
    .map((r) => ({
      policyId: r.finding.policyId,
      status: r.status,
      observedAt: r.observedAt,
      owed: r.pendingSinks,
    }))
    .sort((a, b) => a.policyId.localeCompare(b.policyId));
}

const each = (status: string, observedAt: string) =>
  THREE.map((policyId) => ({ policyId, status, observedAt, owed: undefined }));

/** A table where the first audit (FIRST) found the room bad and told everyone. */
async function openTable(name: string) {
  const table = await dynamo.createStateTable(name);
  const first = await pass(table, bad, FIRST);
  await first.deliver();
  expect(told(first).newFindings).toEqual(THREE);
  return table;
}

describe('the change path resolves a finding during a long scheduled run', () => {
  it('the run, which read it still open, neither re-opens it nor reminds of it', async () => {
    const table = await openTable('a-reminder');
    const scheduled = await pass(table, bad, at('10:00'));
    expect(scheduled.audited.reconciliation.reminders).toHaveLength(3); // due: told a day ago
    const change = await pass(table, fixed, at('10:30'));
    await change.deliver();

    await scheduled.deliver(); // the aggregate step, hours later

    expect(told(change)).toEqual({ ...NOTHING, resolvedFindings: THREE });
    expect(told(scheduled)).toEqual(NOTHING);
    expect(scheduled.alerts).toEqual([]); // nothing to tell: no message at all
    expect(await stored(table)).toEqual(each('resolved', at('10:30')));
  });

  it('the run, which saw it fixed earlier, does not announce "resolved" a second time', async () => {
    const table = await openTable('a-resolved-older');
    const scheduled = await pass(table, fixed, at('10:00'));
    expect(scheduled.audited.reconciliation.resolvedFindings).toHaveLength(3);
    const change = await pass(table, fixed, at('10:30'));
    await change.deliver();

    await scheduled.deliver();

    expect(told(change)).toEqual({ ...NOTHING, resolvedFindings: THREE });
    expect(told(scheduled)).toEqual(NOTHING);
    expect(await stored(table)).toEqual(each('resolved', at('10:30')));
  });

  it('the run, which saw it fixed later, records its newer observation without a second "resolved"', async () => {
    const table = await openTable('a-resolved-newer');
    // The org-scale run started at 09:00 and read this target at 10:45, before the change path wrote.
    const scheduled = await pass(table, fixed, at('10:45'), at('09:00'));
    const change = await pass(table, fixed, at('10:30'));
    await change.deliver();

    await scheduled.deliver();

    expect(told(change)).toEqual({ ...NOTHING, resolvedFindings: THREE });
    expect(told(scheduled)).toEqual(NOTHING);
    expect(await stored(table)).toEqual(each('resolved', at('10:45')));
  });
});

describe('the change path opens a finding during a scheduled run', () => {
  it('the run, which saw it open earlier, does not announce it again', async () => {
    const table = await dynamo.createStateTable('b-opened');
    const scheduled = await pass(table, bad, at('10:00'));
    expect(scheduled.audited.reconciliation.newFindings).toHaveLength(3);
    const change = await pass(table, bad, at('10:30'));
    await change.deliver();

    await scheduled.deliver();

    expect(told(change)).toEqual({ ...NOTHING, newFindings: THREE });
    expect(told(scheduled)).toEqual(NOTHING);
    expect(await stored(table)).toEqual(each('open', at('10:30')));
  });

  it('the run, which saw the room fixed before it broke again, does not erase the finding', async () => {
    const table = await openTable('b-erase');
    const scheduled = await pass(table, fixed, at('09:54')); // reads "open", sees the room fixed
    const resolve = await pass(table, fixed, at('09:55'));
    await resolve.deliver();
    const reopen = await pass(table, bad, at('10:30')); // the room broke again
    await reopen.deliver();

    await scheduled.deliver();

    expect(told(resolve)).toEqual({ ...NOTHING, resolvedFindings: THREE });
    expect(told(reopen)).toEqual({ ...NOTHING, newFindings: THREE });
    expect(told(scheduled)).toEqual(NOTHING);
    expect(await stored(table)).toEqual(each('open', at('10:30')));
  });
});

describe('two writers record the same findings at once', () => {
  it('announces each resolution once and keeps the newest observation', async () => {
    const table = await openTable('c-resolve');
    const older = await pass(table, fixed, at('10:00'));
    const newer = await pass(table, fixed, at('10:05'));

    await Promise.all([older.deliver(), newer.deliver()]);

    const resolved = [...told(older).resolvedFindings, ...told(newer).resolvedFindings].sort();
    expect(resolved).toEqual(THREE);
    expect([...told(older).newFindings, ...told(newer).newFindings]).toEqual([]);
    expect(await stored(table)).toEqual(each('resolved', at('10:05')));
  });

  it('announces each new finding once and keeps the newest observation', async () => {
    const table = await dynamo.createStateTable('c-open');
    const writers = await Promise.all([
      pass(table, bad, at('10:00')),
      pass(table, bad, at('10:01')),
      pass(table, bad, at('10:02')),
    ]);

    await Promise.all(writers.map((w) => w.deliver()));

    expect(writers.flatMap((w) => told(w).newFindings).sort()).toEqual(THREE);
    expect(await stored(table)).toEqual(each('open', at('10:02')));
  });

  it('lets the newer observation decide when the two disagree', async () => {
    const table = await openTable('c-disagree');
    const stillBad = await pass(table, bad, at('10:00'));
    const nowFixed = await pass(table, fixed, at('10:05'));

    await Promise.all([stillBad.deliver(), nowFixed.deliver()]);

    // Whichever landed first, the fix is announced once and stored; nothing is opened again.
    expect(told(nowFixed).resolvedFindings).toEqual(THREE);
    expect([...told(stillBad).newFindings, ...told(stillBad).resolvedFindings]).toEqual([]);
    expect(await stored(table)).toEqual(each('resolved', at('10:05')));
  });
});

describe('at-least-once with claims', () => {
  it('sends a claimed transition again when the same delivery is retried after a crash', async () => {
    const table = await dynamo.createStateTable('retry-claim');
    const writer = await pass(table, bad, at('10:00'));
    // The step claimed (wrote the records owed to every sink) and died before the sink took them.
    // Claimed as notify.ts claims: every change owed to the one sink.
    const changes = writer.audited.reconciliation.changes;
    const store = new TargetStateStore(dynamo.client, table, ACCOUNT, REGION);
    await store.shared.claim(changes, at('10:00'), { owedTo: () => ['sns'], onConflict: () => undefined });
    expect((await stored(table)).map((r) => r.owed)).toEqual([['sns'], ['sns'], ['sns']]);

    await writer.deliver(); // the step retried with the same outcome

    expect(told(writer).newFindings).toEqual(THREE);
    expect(await stored(table)).toEqual(each('open', at('10:00')));
  });

  it('sends what a crashed writer claimed with the next run', async () => {
    const table = await dynamo.createStateTable('next-run-claim');
    const crashed = await pass(table, bad, at('10:00'));
    const changes = crashed.audited.reconciliation.changes;
    await new TargetStateStore(dynamo.client, table, ACCOUNT, REGION).shared.claim(changes, at('10:00'), {
      owedTo: () => ['sns'],
      onConflict: () => undefined,
    });

    const next = await pass(table, bad, at('11:00'));
    expect(next.audited.reconciliation.newFindings).toEqual([]); // the claim is stored as open
    await next.deliver();

    expect(told(next).newFindings).toEqual(THREE); // from the backlog
    expect((await stored(table)).map((r) => r.owed)).toEqual([undefined, undefined, undefined]);
  });

  it('puts the records back when no sink took the alert, so the retry tells everything again', async () => {
    const table = await openTable('release');
    const failing = await pass(table, fixed, at('10:00'));
    const audited = failing.audited;
    const down: AlertSink = {
      name: 'sns',
      deliver: async () => Promise.reject(new Error('SNS is down')),
    };
    const failingTarget = await auditRun({
      inventory: {
        audit: async ({ startedAt }) => {
          const inventories = [evaluated(inventory([fixed]), startedAt)];
          return {
            report: buildReport({ startedAt, finishedAt: startedAt, inventories, policies }),
            inventories,
          };
        },
      },
      state: () => new TargetStateStore(dynamo.client, table, ACCOUNT, REGION),
      sinks: [down],
      clock: () => new Date(at('10:00')),
      renotifyAfterHours: 24,
    });
    expect(audited.reconciliation.resolvedFindings).toHaveLength(3);

    await expect(failingTarget.deliver()).rejects.toThrow('SNS is down');
    expect(await stored(table)).toEqual(each('open', FIRST));

    await failing.deliver();
    expect(told(failing).resolvedFindings).toEqual(THREE);
    expect(await stored(table)).toEqual(each('resolved', at('10:00')));
  });
});

describe('records written before versions', () => {
  it('are read, overwritten and announced as before, and carry a version from then on', async () => {
    const table = await dynamo.createStateTable('unversioned');
    const seed = await pass(table, bad, FIRST);
    // As the previous release wrote them: no version, no observation time.
    const doc = DynamoDBDocumentClient.from(dynamo.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const legacy = seed.audited.reconciliation.changes.map((record) => {
      const { version: _v, observedAt: _o, ...rest }: FindingRecord = record;
      return {
        PutRequest: {
          Item: {
            pk: `FINDING#${ACCOUNT}#${REGION}`,
            sk: record.fingerprint,
            ...rest,
            finding: storedFinding(record.finding),
          },
        },
      };
    });
    await batchWrite(doc, table, legacy);
    expect(await stored(table)).toEqual(each('open', ''));

    const run = await pass(table, fixed, at('10:00'));
    await run.deliver();

    expect(told(run)).toEqual({ ...NOTHING, resolvedFindings: THREE });
    expect(await stored(table)).toEqual(each('resolved', at('10:00')));
    const versions = [...(await new TargetStateStore(dynamo.client, table, ACCOUNT, REGION).load()).values()];
    // Claimed (1), then settled once the sink took it (2).
    expect(versions.map((r) => r.version)).toEqual([2, 2, 2]);
  });
});

describe('a sink another writer still owes', () => {
  it('keeps its owed mark when a later writer settles the same findings quietly', async () => {
    const table = await dynamo.createStateTable('owed-kept');
    const emailAlerts: Alert[] = [];
    // The org-scale run reads the bad room at 10:45 and reconciles at its start (09:00): it aggregates later.
    const scheduled = await pass(table, bad, at('10:45'), at('09:00'), { emailDown: false, emailAlerts });
    // Meanwhile the change path reads it at 10:30 and delivers; email is down and takes nothing.
    const change = await pass(table, bad, at('10:30'), at('10:30'), { emailDown: true, emailAlerts });
    await change.deliver();
    expect((await stored(table)).map((r) => r.owed)).toEqual([['email'], ['email'], ['email']]);

    await scheduled.deliver();

    // The scheduled run announces nothing new (the change path did), but email is still owed the three
    // new findings: the next run sends them, nothing is lost.
    expect(told(scheduled)).toEqual(NOTHING);
    expect((await stored(table)).map((r) => r.owed)).toEqual([['email'], ['email'], ['email']]);
  });
});
