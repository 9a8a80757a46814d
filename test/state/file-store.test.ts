import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../lambda/alert/alert.js';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import { InputError } from '../../lambda/core/errors.js';
import { cachedRoom } from '../../lambda/core/room-cache.js';
import type { Finding } from '../../lambda/core/types.js';
import { notifyAndRecord } from '../../lambda/pipeline/deliver.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import type { AlertSink } from '../../lambda/sinks/sink.js';
import { FileStateStore } from '../../lambda/state/file-store.js';
import { ACCOUNT, compliantRoom, openRecord } from '../fixtures.js';
import { wholeState } from './whole-state.js';

const NOW = '2026-11-26T00:00:00.000Z';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function records(): FindingRecord[] {
  const room = compliantRoom({ maximumMessageLength: 500, tags: {} });
  return evaluateRoom(room, loadPolicyDir().policies, { now: NOW }).findings.map((finding) =>
    openRecord(finding, NOW),
  );
}

function stateFile(content: string): string {
  const path = join(dir, 's.json');
  writeFileSync(path, content);
  return path;
}

async function loadError(content: string): Promise<InputError> {
  const error = await new FileStateStore(stateFile(content)).load().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('FileStateStore', () => {
  it('keeps the rooms of two regions saved at the same moment, with no temporary file left', async () => {
    const path = join(dir, 's.json');
    const store = new FileStateStore(path);
    const east = cachedRoom(compliantRoom({}, 'East00000001', 'us-east-1'), NOW);
    const west = cachedRoom(compliantRoom({}, 'West00000001', 'eu-west-1'), NOW);

    await Promise.all([
      store.saveRooms(ACCOUNT, 'us-east-1', [east], []),
      store.saveRooms(ACCOUNT, 'eu-west-1', [west], []),
    ]);

    const fresh = new FileStateStore(path);
    expect([...(await fresh.loadRooms(ACCOUNT, 'us-east-1')).keys()]).toEqual([east.arn]);
    expect([...(await fresh.loadRooms(ACCOUNT, 'eu-west-1')).keys()]).toEqual([west.arn]);
    expect(readdirSync(dir)).toEqual(['s.json']);
  });

  it('keeps both regions when their first reads and saves overlap on a store that read nothing yet', async () => {
    const path = join(dir, 's.json');
    const first = new FileStateStore(path);
    await first.saveRooms(ACCOUNT, 'ap-south-1', [cachedRoom(compliantRoom({}, 'Old000000001'), NOW)], []);
    const store = new FileStateStore(path);
    const east = cachedRoom(compliantRoom({}, 'East00000001', 'us-east-1'), NOW);
    const west = cachedRoom(compliantRoom({}, 'West00000001', 'eu-west-1'), NOW);

    await Promise.all([
      store.loadRooms(ACCOUNT, 'us-east-1').then(() => store.saveRooms(ACCOUNT, 'us-east-1', [east], [])),
      store.loadRooms(ACCOUNT, 'eu-west-1').then(() => store.saveRooms(ACCOUNT, 'eu-west-1', [west], [])),
    ]);

    const fresh = new FileStateStore(path);
    expect((await fresh.loadRooms(ACCOUNT, 'us-east-1')).size).toBe(1);
    expect((await fresh.loadRooms(ACCOUNT, 'eu-west-1')).size).toBe(1);
    expect((await fresh.loadRooms(ACCOUNT, 'ap-south-1')).size).toBe(1);
  });

  it('reads back the records it wrote, without the remediation, as valid JSON', async () => {
    const path = join(dir, 's.json');
    const written = records();
    await new FileStateStore(path).save(written);

    const read = await new FileStateStore(path).load();
    expect([...read.keys()]).toEqual(written.map((r) => r.fingerprint));
    for (const record of written) {
      const { remediationTemplate: _fix, ...finding } = record.finding;
      expect(read.get(record.fingerprint)).toEqual({
        ...record,
        // Never versioned or observed: a state file has one writer (the CLI run holding it).
        version: 0,
        observedAt: '',
        finding: { ...finding, remediationTemplate: '' },
      });
    }
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).findings)).toHaveLength(written.length);
  });

  it('starts empty when the file does not exist yet', async () => {
    expect((await new FileStateStore(join(dir, 'none.json')).load()).size).toBe(0);
  });

  it('refuses a state file whose findings is null, naming file and pointer', async () => {
    const error = await loadError('{"version":1,"findings":null}');
    expect(error.message).toBe(`${join(dir, 's.json')} /findings: must be object`);
  });

  it('refuses a state file whose findings is an array (nothing would ever be saved)', async () => {
    expect((await loadError('{"version":1,"findings":[]}')).message).toMatch(/ \/findings: must be object$/);
  });

  it('refuses a finding record that is not an object', async () => {
    const error = await loadError('{"version":1,"findings":{"x":1}}');
    expect(error.message).toBe(`${join(dir, 's.json')} /findings/x: must be object`);
  });

  it('refuses a finding record with an unknown status, naming its pointer', async () => {
    const [record] = records();
    const bad = { ...record, status: 'gone' };
    const error = await loadError(JSON.stringify({ version: 1, findings: { fp: bad } }));
    expect(error.message).toMatch(/ \/findings\/fp\/status: must be equal to one of the allowed values/);
  });

  it('refuses another version or a missing findings member', async () => {
    expect((await loadError('{"version":2,"findings":{}}')).message).toMatch(
      / \/version: must be equal to constant: 1$/,
    );
    expect((await loadError('{"version":1}')).message).toMatch(
      / \/: must have required property 'findings'$/,
    );
    expect((await loadError('[]')).message).toMatch(/ \/: must be object$/);
  });

  it('refuses a cached room without its document', async () => {
    const error = await loadError(
      '{"version":1,"findings":{},"rooms":{"a/us-east-1":{"arn:x":{"arn":"arn:x"}}}}',
    );
    expect(error.message).toMatch(/ \/rooms\/a~1us-east-1\/arn:x: must have required property 'fetchedAt'$/);
  });

  it('refuses a file that is not JSON, or is empty, naming the file', async () => {
    expect((await loadError('{"version":1,\n"findings":{"a":{,}}')).message).toMatch(
      /s\.json \/: not valid JSON at line 2, column 18 \(expected an object key\)$/,
    );
    expect((await loadError('')).message).toMatch(
      /s\.json \/: the file is empty; not a state file this tool wrote \(delete it to start afresh\)$/,
    );
  });

  it('reports a state file it cannot write as an input error naming the file', async () => {
    const path = join(dir, 'missing-dir', 's.json');
    const error = await new FileStateStore(path).save(records()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`cannot write state file ${path}: ENOENT`);
  });
});

describe('FileStateStore: delivery through its claims', () => {
  const sink = (name: string, fail: boolean): AlertSink => ({
    name,
    async deliver() {
      if (fail) throw new Error(`${name} refused the alert`);
      return { sink: name, delivered: 1, messageIds: [`${name}-1`] };
    },
  });
  const alertOf = (newFindings: Finding[]): Alert => ({
    accountId: ACCOUNT,
    regions: ['us-east-1'],
    newFindings,
    resolvedFindings: [],
    reminders: [],
    report: { findings: [], errors: [] } as unknown as Alert['report'],
  });

  it('records what a sink did not take, sends it to that sink only next run, then clears it', async () => {
    const path = join(dir, 'state.json');
    const changes = records().map((r) => ({ ...r, status: 'open' as const }));
    const findings = changes.map((r) => r.finding);

    await notifyAndRecord({
      alert: alertOf(findings),
      sinks: [sink('first', false), sink('second', true)],
      store: new FileStateStore(path),
      changes,
      now: NOW,
    });
    const owed = await wholeState(new FileStateStore(path));
    expect([...owed.values()].map((r) => r.pendingSinks)).toEqual(changes.map(() => ['second']));

    const delivered: string[] = [];
    const again = await notifyAndRecord({
      alert: alertOf([]),
      sinks: ['first', 'second'].map((name) => ({
        name,
        async deliver(alert: Alert) {
          delivered.push(`${name}:${alert.newFindings.length}`);
          return { sink: name, delivered: 1, messageIds: [] };
        },
      })),
      store: new FileStateStore(path),
      changes: [],
      now: NOW,
      backlog: [...owed.values()],
    });
    expect(delivered).toEqual([`second:${changes.length}`]);
    expect(again.published).toBe(1);
    const settled = await new FileStateStore(path).load();
    expect([...settled.values()].map((r) => r.pendingSinks)).toEqual(changes.map(() => undefined));
  });

  it('records nothing when every sink failed', async () => {
    const path = join(dir, 'state.json');
    const changes = records();
    const delivery = notifyAndRecord({
      alert: alertOf(changes.map((r) => r.finding)),
      sinks: [sink('first', true)],
      store: new FileStateStore(path),
      changes,
      now: NOW,
    });
    await expect(delivery).rejects.toThrow('first refused the alert');
    expect(await new FileStateStore(path).load()).toEqual(new Map());
  });
});
