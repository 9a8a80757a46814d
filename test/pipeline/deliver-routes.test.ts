/**
 * Delivery with alert routes (policies/routes.json) when the routes file changed between runs: a
 * finding or an owed delivery whose route has no sink any more still reaches the default topic, and
 * "every sink failed" is judged over the sinks that had something of the run to send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../lambda/alert/alert.js';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import type { Finding } from '../../lambda/core/types.js';
import { notifyAndRecord, sinksOwing } from '../../lambda/pipeline/deliver.js';
import type { AlertSink } from '../../lambda/sinks/sink.js';
import { FileStateStore } from '../../lambda/state/file-store.js';
import { makeFinding, makeReport } from '../render/fixtures.js';
import { wholeState } from '../state/whole-state.js';

const NOW = '2026-11-26T00:00:00.000Z';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deliver-routes-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A sink that records what it was sent (fingerprints by list), or throws when `fails`. */
function sink(name: string, route: string | undefined, fails = false) {
  const sent: { resolved: string[]; fresh: string[] }[] = [];
  const s: AlertSink = {
    name,
    ...(route !== undefined ? { route } : {}),
    async deliver(alert: Alert) {
      sent.push({
        resolved: alert.resolvedFindings.map((f) => f.fingerprint),
        fresh: alert.newFindings.map((f) => f.fingerprint),
      });
      if (fails) throw new Error(`${name} is down`);
      return { sink: name, delivered: 1, messageIds: [`${name}-1`] };
    },
  };
  return { sink: s, sent };
}

const alertOf = (lists: { newFindings?: Finding[]; resolvedFindings?: Finding[] }): Alert => ({
  accountId: '111111111111',
  regions: ['us-east-1'],
  newFindings: lists.newFindings ?? [],
  resolvedFindings: lists.resolvedFindings ?? [],
  reminders: [],
  report: makeReport({ findings: lists.newFindings ?? [] }),
});

const recordOf = (finding: Finding, status: FindingRecord['status'], pendingSinks?: string[]) => ({
  fingerprint: finding.fingerprint,
  status,
  firstSeen: NOW,
  lastSeen: NOW,
  finding,
  ...(pendingSinks ? { pendingSinks } : {}),
});

describe('delivery after a route left the routes file', () => {
  for (const routes of [['gone'], ['owners:esports']]) {
    it(`tells the default topic of a resolution routed to ${routes[0]}, which has no sink now`, async () => {
      const finding = makeFinding({ routes, status: 'resolved' });
      const main = sink('sns', 'default');
      const team = sink('sns:payments', 'payments');
      const path = join(dir, 'state.json');
      await notifyAndRecord({
        alert: alertOf({ resolvedFindings: [finding] }),
        sinks: [main.sink, team.sink],
        store: new FileStateStore(path),
        changes: [recordOf(finding, 'resolved')],
        now: NOW,
      });
      expect(main.sent).toEqual([{ resolved: [finding.fingerprint], fresh: [] }]);
      expect(team.sent).toEqual([]);
      const stored = await wholeState(new FileStateStore(path));
      expect(stored.get(finding.fingerprint)?.pendingSinks).toBeUndefined();
    });
  }

  it('owes a new finding of a removed route to the default sink, which keeps it while it fails', async () => {
    const finding = makeFinding({ routes: ['gone'] });
    const main = sink('sns', 'default', true);
    const team = sink('sns:payments', 'payments');
    const other = sink('securityhub', undefined);
    const path = join(dir, 'state.json');
    const outcome = await notifyAndRecord({
      alert: alertOf({ newFindings: [finding] }),
      sinks: [main.sink, team.sink, other.sink],
      store: new FileStateStore(path),
      changes: [recordOf(finding, 'open')],
      now: NOW,
    });
    expect(main.sent).toEqual([{ resolved: [], fresh: [finding.fingerprint] }]);
    expect(outcome.lagging?.map((l) => l.sink)).toEqual(['sns']);
    const stored = await wholeState(new FileStateStore(path));
    expect(stored.get(finding.fingerprint)?.pendingSinks).toEqual(['sns']);
  });

  it("sends a delivery owed to a removed route's sink to the default sink, and keeps it owed there while that fails", async () => {
    const finding = makeFinding({ routes: ['gone'], status: 'resolved' });
    const path = join(dir, 'state.json');
    const owed = recordOf(finding, 'resolved', ['sns:gone']);
    await new FileStateStore(path).save([owed]);
    const down = sink('sns', 'default', true);
    const team = sink('sns:payments', 'payments');
    const first = await notifyAndRecord({
      alert: alertOf({}),
      sinks: [down.sink, team.sink],
      store: new FileStateStore(path),
      changes: [],
      now: NOW,
      backlog: [owed],
    });
    expect(down.sent).toEqual([{ resolved: [finding.fingerprint], fresh: [] }]);
    expect(first.lagging?.map((l) => l.sink)).toEqual(['sns']);
    // Still owed: as stored (`sns:gone`, read as `sns` again next run) or already as `sns`.
    const stillOwed = await wholeState(new FileStateStore(path));
    expect(stillOwed.get(finding.fingerprint)?.pendingSinks?.length).toBe(1);

    const up = sink('sns', 'default');
    await notifyAndRecord({
      alert: alertOf({}),
      sinks: [up.sink, team.sink],
      store: new FileStateStore(path),
      changes: [],
      now: NOW,
      backlog: [...stillOwed.values()],
    });
    expect(up.sent).toEqual([{ resolved: [finding.fingerprint], fresh: [] }]);
    expect(team.sent).toEqual([]);
    const settled = await wholeState(new FileStateStore(path));
    expect(settled.get(finding.fingerprint)?.pendingSinks).toBeUndefined();
  });
});

describe('a failing default topic', () => {
  const run = (sinks: AlertSink[], finding: Finding, path: string) =>
    notifyAndRecord({
      alert: alertOf({ newFindings: [finding] }),
      sinks,
      store: new FileStateStore(path),
      changes: [recordOf(finding, 'open')],
      now: NOW,
    });

  it('fails the run without a routes file', async () => {
    const path = join(dir, 'state.json');
    const finding = makeFinding();
    await expect(run([sink('sns', undefined, true).sink], finding, path)).rejects.toThrow('sns is down');
    expect(await new FileStateStore(path).load()).toEqual(new Map());
  });

  it("fails the run with a routes file when it is the only sink with something to send (a team's is idle)", async () => {
    const path = join(dir, 'state.json');
    const finding = makeFinding({ routes: ['default'] });
    const team = sink('sns:payments', 'payments');
    await expect(run([sink('sns', 'default', true).sink, team.sink], finding, path)).rejects.toThrow(
      'sns is down',
    );
    expect(team.sent).toEqual([]);
    expect(await new FileStateStore(path).load()).toEqual(new Map());
  });

  it('does not fail the run when a route that had something to send delivered it', async () => {
    const path = join(dir, 'state.json');
    const finding = makeFinding({ routes: ['default', 'payments'] });
    const team = sink('sns:payments', 'payments');
    const outcome = await run([sink('sns', 'default', true).sink, team.sink], finding, path);
    expect(outcome.lagging?.map((l) => l.sink)).toEqual(['sns']);
    const stored = await wholeState(new FileStateStore(path));
    expect(stored.get(finding.fingerprint)?.pendingSinks).toEqual(['sns']);
  });
});

describe('sinksOwing', () => {
  it('shares one list between findings routed alike, each with its own routes array', () => {
    const owing = sinksOwing([sink('sns', 'default').sink, sink('sns:payments', 'payments').sink]);
    const a = owing(makeFinding({ routes: ['payments'] }));
    const b = owing(makeFinding({ routes: ['payments'] }));
    expect(a).toEqual(['sns:payments']);
    expect(b).toBe(a);
    expect(owing(makeFinding({ routes: ['payments', 'default'] }))).toEqual(['sns', 'sns:payments']);
    expect(owing(makeFinding({ routes: ['gone'] }))).toEqual(['sns']);
    expect(owing(makeFinding())).toEqual(['sns']);
  });
});
