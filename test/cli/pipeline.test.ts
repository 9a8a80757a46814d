import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/types.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { compliantRoom } from '../fixtures.js';
import { cliWith } from './run.js';

// How the CLI drives the one audit pipeline: its clock, its state and its alerts.
let aws: LocalAws;
let dir: string;
beforeAll(async () => {
  aws = await startLocalAws({ quotas: { enabled: false } });
  dir = mkdtempSync(join(tmpdir(), 'cli-pipeline-'));
});
afterAll(async () => {
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  aws.clearRooms();
  aws.resetStats();
  aws.setFaults({});
});

const T0 = Date.parse('2026-05-01T10:00:00.000Z');
const HOUR = 3_600_000;

/** A clock that moves on a minute at every reading, from `start`. */
function movingClock(start: number): () => Date {
  let readings = 0;
  return () => new Date(start + readings++ * 60_000);
}

const live = (...extra: string[]) => [
  'audit',
  '--endpoint',
  aws.endpoint,
  '--region',
  'us-west-2',
  '--format',
  'json',
  ...extra,
];

const seed = (count: number) =>
  aws.seedRooms(
    'us-west-2',
    Array.from({ length: count }, (_, i) => ({ name: `room-${i}`, maximumMessageLength: 500 })),
  );

describe('ivschat-audit audit: one now per run', () => {
  it('uses the first reading of its clock for the report and every new finding', async () => {
    const input = join(dir, 'rooms.json');
    writeFileSync(input, JSON.stringify([compliantRoom({ maximumMessageLength: 500 }, 'Long00000001')]));

    const { stdout } = await cliWith(
      ['audit', '--input', input, '--format', 'json', '--state', join(dir, 'now.json')],
      { clock: movingClock(T0) },
    );

    const report = JSON.parse(stdout) as Report;
    const now = new Date(T0).toISOString();
    expect(report.startedAt).toBe(now);
    expect(report.findings.map((f) => [f.status, f.firstSeen])).toEqual([['new', now]]);
  });
});

describe('ivschat-audit audit --full-refresh-hours', () => {
  it('re-fetches rooms whose cached copy is older than it, and only then', async () => {
    seed(3);
    const state = join(dir, 'refresh.json');
    await cliWith(live('--state', state), { clock: movingClock(T0) });

    aws.resetStats();
    await cliWith(live('--state', state), { clock: movingClock(T0 + 2 * HOUR) });
    expect(aws.stats()['us-west-2']?.GetRoom?.calls ?? 0).toBe(0);

    const { code } = await cliWith(live('--state', state, '--full-refresh-hours', '1'), {
      clock: movingClock(T0 + 2 * HOUR),
    });
    expect(code).toBe(1);
    expect(aws.stats()['us-west-2']?.GetRoom?.calls).toBe(3);
  });

  it('refuses a value outside its range, naming the flag', async () => {
    const { code, stderr } = await cliWith(live('--full-refresh-hours', '0'));
    expect(code).toBe(2);
    expect(stderr).toContain('--full-refresh-hours');
  });
});

describe('ivschat-audit audit: an account it cannot identify', () => {
  it('reports the rooms, but publishes nothing, records nothing and exits 3', async () => {
    seed(2);
    const topic = aws.createTopic('us-west-2', 'unidentified');
    const state = join(dir, 'unidentified.json');
    aws.setFaults({ serverErrorRate: 1, serverErrorServices: ['sts'] });

    const { code, stdout, stderr } = await cliWith(live('--state', state, '--publish', topic));

    expect(code).toBe(3);
    const report = JSON.parse(stdout) as Report;
    expect(report.complete).toBe(false);
    expect(report.roomsAudited).toBe(2);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(stderr).toContain(
      `error: the AWS account could not be identified (GetCallerIdentity: InternalFailure); the report is partial and nothing was published or recorded in ${state}`,
    );
    expect(aws.published('us-west-2')).toHaveLength(0);
    expect(existsSync(state) ? (JSON.parse(readFileSync(state, 'utf8')).findings ?? []) : []).toEqual([]);
  });
});
