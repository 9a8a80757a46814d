import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/types.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { compliantRoom } from '../fixtures.js';
import { cli } from './run.js';

// The CLI against the emulator, at the real IVS Chat quota (5 TPS per operation).
let aws: LocalAws;
let dir: string;
beforeAll(async () => {
  aws = await startLocalAws({ quotas: { enabled: true } });
  dir = mkdtempSync(join(tmpdir(), 'live-'));
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

const seed = (count: number) =>
  aws.seedRooms(
    'us-west-2',
    Array.from({ length: count }, (_, i) => ({ name: `room-${i}`, maximumMessageLength: i % 2 ? 500 : 200 })),
  );

/** `ivschat-audit audit` against the emulator in us-west-2, JSON output, plus any extra flags. */
const liveAudit = (...extra: string[]) =>
  cli('audit', '--endpoint', aws.endpoint, '--region', 'us-west-2', '--format', 'json', ...extra);

describe('ivschat-audit audit (live, against local AWS)', () => {
  it('stays within the default API budget of 4 calls per second: nothing throttled', async () => {
    seed(14);
    const { code, stdout } = await liveAudit();
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as Report).roomsAudited).toBe(14);
    const getRoom = aws.stats()['us-west-2']?.GetRoom;
    expect(getRoom?.throttled).toBe(0);
    expect(getRoom?.maxObservedTps).toBeLessThanOrEqual(4);
  });

  it('audits a region given twice once', async () => {
    seed(2);
    const { stdout } = await cli(
      'audit',
      '--endpoint',
      aws.endpoint,
      '--region',
      'us-west-2',
      '--region',
      'us-west-2',
      '--format',
      'json',
    );
    const report = JSON.parse(stdout) as Report;
    expect(report.roomsAudited).toBe(2);
    expect(new Set(report.findings.map((f) => f.fingerprint)).size).toBe(report.findings.length);
  });

  it('exits 3 (incomplete) when the account cannot be identified, still reporting findings by room ARN', async () => {
    seed(2);
    aws.setFaults({ serverErrorRate: 1, serverErrorServices: ['sts'] });
    const { code, stdout } = await liveAudit();
    expect(code).toBe(3);
    const report = JSON.parse(stdout) as Report;
    expect(report.complete).toBe(false);
    expect(report.errors[0]).toMatchObject({ operation: 'GetCallerIdentity' });
    expect(report.findings[0]?.accountId).toBe('000000000000');
  });

  it('keeps lifecycle and room cache in --state: the second run needs no GetRoom', async () => {
    seed(3);
    const state = join(dir, 'state.json');
    const args = [
      'audit',
      '--endpoint',
      aws.endpoint,
      '--region',
      'us-west-2',
      '--state',
      state,
      '--format',
      'json',
    ];
    await cli(...args);
    aws.resetStats();
    const { stdout } = await cli(...args);
    const statuses = new Set((JSON.parse(stdout) as Report).findings.map((f) => f.status));
    expect(statuses).toEqual(new Set(['open']));
    expect(aws.stats()['us-west-2']?.GetRoom?.calls ?? 0).toBe(0);
  });
});

describe('ivschat-audit audit: bad live usage exits 2', () => {
  it.each([
    [['--region', 'US_EAST'], '--region: "US_EAST" is not a region name'],
    [['--region', 'us-east-1', '--endpoint', 'not a url'], '--endpoint: not a URL'],
    [['--region', 'us-east-1', '--api-budget', '50'], '--api-budget: 50 is above the IVS Chat quota of 5'],
  ])('%j', async (args, message) => {
    const { code, stderr } = await cli('audit', ...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('rejects a rooms file that lists a room twice, naming where', async () => {
    const path = join(dir, 'twice.json');
    const room = compliantRoom();
    writeFileSync(path, JSON.stringify([room, room]));
    const { code, stderr } = await cli('audit', '--input', path);
    expect(code).toBe(2);
    expect(stderr).toContain(`twice.json /1: room ${room.arn} appears twice`);
  });
});
