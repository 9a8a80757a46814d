/**
 * A first audit through claim → deliver → settle on the state table (dynalite) holds nothing per
 * finding beside the run's change records: the claim hands back the changes array itself (the records
 * left as they were decided), replaces nothing, and settle is given that same array and asked of each
 * record as it writes it. What is stored is what the protocol promises: owed marks cleared where
 * the sink took the finding, kept where it did not, nothing left when no sink took the alert. The run
 * a day later, which reminds of every finding, keeps no copy of the items its claims replace: released,
 * each reminder is made due again instead of put back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../lambda/alert/alert.js';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import type { Finding } from '../../lambda/core/types.js';
import { notifyAndRecord } from '../../lambda/pipeline/deliver.js';
import type { AlertSink } from '../../lambda/sinks/sink.js';
import type { Claimed, SharedWrites, StateStore } from '../../lambda/state/store.js';
import { TargetStateStore } from '../../lambda/state/target-store.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';
import { ACCOUNT, openRecord } from '../fixtures.js';
import { makeFinding, makeReport } from '../render/fixtures.js';
import { wholeState } from '../state/whole-state.js';

const REGION = 'us-east-1';
const NOW = '2026-11-26T10:00:00.000Z';
const LATER = '2026-11-26T10:30:00.000Z';
const FINDINGS = 300;

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

/** The state table's store, with what its claims, settlements and releases were given and gave. */
function watchedStore(table: string) {
  const store = new TargetStateStore(dynamo.client, table, ACCOUNT, REGION);
  const seen = {
    claimedFrom: [] as (readonly FindingRecord[])[],
    claimed: [] as Claimed[],
    settled: [] as Claimed[],
    released: [] as Claimed[],
  };
  const shared: SharedWrites = {
    async claim(changes, now, rules) {
      seen.claimedFrom.push(changes);
      const claimed = await store.shared.claim(changes, now, rules);
      seen.claimed.push(claimed);
      return claimed;
    },
    async settle(claimed, settlement) {
      seen.settled.push(claimed);
      await store.shared.settle(claimed, settlement);
    },
    async release(claimed) {
      seen.released.push(claimed);
      await store.shared.release(claimed);
    },
  };
  const watched: StateStore = {
    load: () => store.load(),
    fetch: (states) => store.fetch(states),
    save: (changes, now) => store.save(changes, now),
    shared,
  };
  return { store: watched, seen };
}

/** A first audit's findings and its change records: every finding new, observed at NOW. */
function firstAudit(count: number) {
  const findings = Array.from({ length: count }, () => makeFinding({ region: REGION, status: 'new' }));
  const changes = findings.map(
    (finding): FindingRecord => ({ ...openRecord(finding, NOW), observedAt: NOW }),
  );
  const alert: Alert = {
    accountId: ACCOUNT,
    regions: [REGION],
    newFindings: findings,
    resolvedFindings: [],
    reminders: [],
    report: makeReport({ findings }),
  };
  return { findings, changes, alert };
}

/** A sink that takes every finding but those `refuses` names, or throws when `down`. */
function sink(name: string, options: { refuses?: ReadonlySet<string>; down?: boolean } = {}) {
  const told: string[][] = [];
  const s: AlertSink = {
    name,
    async deliver(alert) {
      told.push(alert.newFindings.map((f) => f.fingerprint));
      if (options.down) throw new Error(`${name} is down`);
      const undelivered = alert.newFindings
        .map((f) => f.fingerprint)
        .filter((fp) => options.refuses?.has(fp));
      return {
        sink: name,
        delivered: alert.newFindings.length - undelivered.length,
        messageIds: [`${name}-1`],
        ...(undelivered.length ? { undelivered, error: 'throttled' } : {}),
      };
    },
  };
  return { sink: s, told };
}

async function stored(table: string) {
  return wholeState(new TargetStateStore(dynamo.client, table, ACCOUNT, REGION));
}

const fingerprints = (findings: readonly Finding[]) => findings.map((f) => f.fingerprint);

describe('a first audit through the claims of the state table', () => {
  it('claims, delivers and settles the changes themselves, and stores each finding owed to nobody', async () => {
    const table = await dynamo.createStateTable('first-audit');
    const { store, seen } = watchedStore(table);
    const { findings, changes, alert } = firstAudit(FINDINGS);
    const sns = sink('sns');

    const outcome = await notifyAndRecord({ alert, sinks: [sns.sink], store, changes, now: NOW });

    expect(outcome.alert).toBe(alert); // nothing redecided: the alert is not rebuilt
    expect(sns.told).toEqual([fingerprints(findings)]);
    // Nothing per change: the claim hands back the very array it was given, replacing nothing...
    expect(seen.claimedFrom).toHaveLength(1);
    expect(seen.claimedFrom[0]).toBe(changes);
    expect(seen.claimed[0]?.records).toBe(changes);
    expect(seen.claimed[0]?.replaced.size).toBe(0);
    // ...and settle is given that array, not a list of settlements.
    expect(seen.settled).toHaveLength(1);
    expect(seen.settled[0]?.records).toBe(changes);
    expect(seen.released).toEqual([]);
    // What each was marked owed to is worked out when asked; the changes are left as they were decided.
    expect(seen.claimed[0]?.owed(changes[0] as FindingRecord)).toEqual({ pendingSinks: ['sns'], owedFor: 1 });
    const untouched = (c: FindingRecord) =>
      c.pendingSinks === undefined && c.owedFor === undefined && c.version === undefined;
    expect(changes.every(untouched)).toBe(true);

    const records = await stored(table);
    expect(records.size).toBe(FINDINGS);
    const states = [...records.values()].map((r) => [r.status, r.pendingSinks, r.owedFor, r.version]);
    expect(new Set(states.map((s) => JSON.stringify(s)))).toEqual(
      new Set([JSON.stringify(['open', null, null, 2])]),
    );
  });

  it('keeps a finding owed to the sink that did not take it, and to that sink only', async () => {
    const table = await dynamo.createStateTable('first-audit-lagging');
    const { store, seen } = watchedStore(table);
    const { findings, changes, alert } = firstAudit(FINDINGS);
    const refused = new Set(fingerprints(findings).filter((_, i) => i % 3 === 0));
    const sns = sink('sns');
    const email = sink('email', { refuses: refused });

    const outcome = await notifyAndRecord({ alert, sinks: [sns.sink, email.sink], store, changes, now: NOW });

    expect(outcome.lagging).toEqual([{ sink: 'email', undelivered: refused.size, error: 'throttled' }]);
    expect(seen.claimed[0]?.records).toBe(changes);
    expect(seen.settled[0]?.records).toBe(changes);
    const owed = [...(await stored(table)).values()].filter((r) => r.pendingSinks);
    expect(owed.map((r) => r.fingerprint).sort()).toEqual([...refused].sort());
    expect(owed.every((r) => r.pendingSinks?.join() === 'email')).toBe(true);
  });

  it('leaves nothing stored when no sink took the alert, and the same changes are recorded when retried', async () => {
    const table = await dynamo.createStateTable('first-audit-released');
    const { store, seen } = watchedStore(table);
    const { findings, changes, alert } = firstAudit(FINDINGS);
    const down = sink('sns', { down: true });

    await expect(notifyAndRecord({ alert, sinks: [down.sink], store, changes, now: NOW })).rejects.toThrow(
      'sns is down',
    );
    expect(seen.released).toHaveLength(1);
    expect(seen.released[0]?.records).toBe(changes);
    expect((await stored(table)).size).toBe(0);

    // The same records, claimed again, are told once more and recorded.
    const up = sink('sns');
    await notifyAndRecord({ alert, sinks: [up.sink], store, changes, now: NOW });
    expect(up.told).toEqual([fingerprints(findings)]);
    const records = [...(await stored(table)).values()];
    expect(records).toHaveLength(FINDINGS);
    expect(records.every((r) => r.status === 'open' && r.pendingSinks === undefined)).toBe(true);
  });

  it('drops the finding another writer observed later, and announces and settles only the rest', async () => {
    const table = await dynamo.createStateTable('first-audit-raced');
    const { store, seen } = watchedStore(table);
    const { findings, changes, alert } = firstAudit(FINDINGS);
    const [taken] = changes;
    // The change path recorded (and announced) the first finding from a later observation.
    await new TargetStateStore(dynamo.client, table, ACCOUNT, REGION).save(
      [{ ...(taken as FindingRecord), observedAt: LATER }],
      LATER,
    );
    const sns = sink('sns');

    const outcome = await notifyAndRecord({ alert, sinks: [sns.sink], store, changes, now: NOW });

    const rest = fingerprints(findings).slice(1);
    expect(sns.told).toEqual([rest]);
    expect(fingerprints(outcome.alert.newFindings)).toEqual(rest);
    const records = seen.claimed[0]?.records ?? [];
    expect(records).not.toBe(changes);
    expect(records.map((r) => r.fingerprint)).toEqual(rest);
    expect(seen.settled[0]?.records).toBe(records);
    const kept = (await stored(table)).get(taken?.fingerprint ?? '');
    expect(kept?.observedAt).toBe(LATER);
    expect(kept?.version).toBe(1); // untouched by this writer's claim or settlement
  });
});

describe('the run a day later: every finding reminded through the claims of the state table', () => {
  const DAY_LATER = '2026-11-27T11:00:00.000Z';

  /** A first audit recorded and delivered, then the day-later run's reminders of every finding. */
  async function recordedThenReminded(table: string) {
    const { findings, changes, alert } = firstAudit(FINDINGS);
    const first = watchedStore(table);
    await notifyAndRecord({ alert, sinks: [sink('sns').sink], store: first.store, changes, now: NOW });
    const versions = new Map([...(await stored(table)).values()].map((r) => [r.fingerprint, r.version]));
    const reminders = findings.map((f): Finding => ({ ...f, status: 'open' }));
    const reminded = reminders.map(
      (finding): FindingRecord => ({
        ...openRecord(finding, NOW),
        lastSeen: DAY_LATER,
        lastNotified: DAY_LATER,
        version: versions.get(finding.fingerprint) ?? 0,
        observedAt: DAY_LATER,
      }),
    );
    const dayLater: Alert = {
      ...alert,
      newFindings: [],
      reminders,
      report: makeReport({ findings: reminders }),
    };
    return { findings, reminded, dayLater };
  }

  it('keeps no copy of the items it replaces, and records each reminder as told', async () => {
    const table = await dynamo.createStateTable('day-later');
    const { findings, reminded, dayLater } = await recordedThenReminded(table);
    const { store, seen } = watchedStore(table);
    const sns = sink('sns');

    await notifyAndRecord({ alert: dayLater, sinks: [sns.sink], store, changes: reminded, now: DAY_LATER });

    expect(seen.claimed[0]?.records).toBe(reminded);
    expect(seen.claimed[0]?.replaced.size).toBe(0);
    expect(seen.released).toEqual([]);
    const records = [...(await stored(table)).values()];
    expect(records).toHaveLength(findings.length);
    expect(records.every((r) => r.lastNotified === DAY_LATER && r.firstSeen === NOW)).toBe(true);
    expect(records.every((r) => r.version === 3 && r.pendingSinks === undefined)).toBe(true);
  });

  it('makes every reminder due again when no sink took the alert, and the retry tells them', async () => {
    const table = await dynamo.createStateTable('day-later-released');
    const { findings, reminded, dayLater } = await recordedThenReminded(table);
    const { store, seen } = watchedStore(table);

    await expect(
      notifyAndRecord({
        alert: dayLater,
        sinks: [sink('sns', { down: true }).sink],
        store,
        changes: reminded,
        now: DAY_LATER,
      }),
    ).rejects.toThrow('sns is down');

    expect(seen.released).toHaveLength(1);
    const released = [...(await stored(table)).values()];
    expect(released).toHaveLength(findings.length); // a reminder's release deletes nothing
    // Not told: no `lastNotified`, so the next run reminds again; the rest of the claim stays.
    expect(released.every((r) => r.lastNotified === undefined && r.status === 'open')).toBe(true);
    expect(released.every((r) => r.firstSeen === NOW && r.lastSeen === DAY_LATER && r.version === 3)).toBe(
      true,
    );

    // The retry decides against what is stored now (version 3) and tells every reminder.
    const retried = reminded.map((r) => ({ ...r, version: 3 }));
    const up = sink('sns');
    await notifyAndRecord({ alert: dayLater, sinks: [up.sink], store, changes: retried, now: DAY_LATER });
    expect(up.told).toHaveLength(1);
    const told = [...(await stored(table)).values()];
    expect(told.every((r) => r.lastNotified === DAY_LATER && r.version === 4)).toBe(true);
  });

  it('still puts back a transition it replaced beside reminders: a reopened finding is resolved again', async () => {
    const table = await dynamo.createStateTable('day-later-mixed');
    const { findings, reminded, dayLater } = await recordedThenReminded(table);
    const [gone, ...rest] = findings as [Finding, ...Finding[]];
    const writer = new TargetStateStore(dynamo.client, table, ACCOUNT, REGION);
    const before = (await stored(table)).get(gone.fingerprint) as FindingRecord;
    await writer.save([{ ...before, status: 'resolved', lastSeen: NOW }], NOW);
    const resolved = (await stored(table)).get(gone.fingerprint) as FindingRecord;
    const reopened: FindingRecord = {
      ...openRecord({ ...gone, status: 'new' }, DAY_LATER),
      version: resolved.version ?? 0,
      observedAt: DAY_LATER,
    };
    const changes = [reopened, ...reminded.slice(1)];
    const alert: Alert = {
      ...dayLater,
      newFindings: [{ ...gone, status: 'new' }],
      reminders: dayLater.reminders.slice(1),
    };
    const { store, seen } = watchedStore(table);

    await expect(
      notifyAndRecord({ alert, sinks: [sink('sns', { down: true }).sink], store, changes, now: DAY_LATER }),
    ).rejects.toThrow('sns is down');

    // Only the transition's item was copied, and it is back exactly as it was.
    expect([...(seen.claimed[0]?.replaced.keys() ?? [])]).toEqual([gone.fingerprint]);
    const after = await stored(table);
    expect(after.get(gone.fingerprint)).toEqual(resolved);
    expect(rest.every((f) => after.get(f.fingerprint)?.lastNotified === undefined)).toBe(true);
  });
});
