import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyDiff } from '../../lambda/audit/policy-diff.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { cli } from './run.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'diff');
const BASE = join(FIXTURES, 'base');
const HEAD = join(FIXTURES, 'head');

let aws: LocalAws;
let dir: string;
beforeAll(async () => {
  aws = await startLocalAws({ quotas: { enabled: true } });
  aws.seedRooms('us-west-2', [
    { name: 'long', maximumMessageLength: 500, tags: { owner: 'team-a', env: 'prod' } },
    { name: 'medium', maximumMessageLength: 180, tags: { owner: 'team-b', env: 'staging' } },
    { name: 'short', maximumMessageLength: 100, tags: { env: 'prod' } },
  ]);
  aws.seedRooms('eu-west-1', [{ name: 'euro', maximumMessageLength: 160, tags: { owner: 'team-c' } }]);
});
afterAll(() => aws.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policies-diff-live-'));
  aws.setFaults({});
  return () => rmSync(dir, { recursive: true, force: true });
});

const live = ['--endpoint', () => aws.endpoint, '--region', 'us-west-2', '--region', 'eu-west-1'] as const;
const liveArgs = () => live.map((a) => (typeof a === 'function' ? a() : a));

describe('ivschat-audit policies diff --region (live)', () => {
  it('previews against the rooms it reads, as it would against their export', async () => {
    const viaLive = await cli(
      'policies',
      'diff',
      '--base',
      BASE,
      '--head',
      HEAD,
      ...liveArgs(),
      '--format',
      'json',
    );
    const file = join(dir, 'rooms.json');
    const exported = await cli('export-rooms', ...liveArgs(), '-o', file);
    const viaFile = await cli(
      'policies',
      'diff',
      '--base',
      BASE,
      '--head',
      HEAD,
      '--input',
      file,
      '--format',
      'json',
    );

    expect([viaLive.code, viaLive.stderr, exported.code, viaFile.code]).toEqual([0, '', 0, 0]);
    const liveDiff = JSON.parse(viaLive.stdout) as PolicyDiff;
    expect(liveDiff.roomsEvaluated).toBe(4);
    expect(liveDiff.policies.find((p) => p.id === 'message-length-max')).toMatchObject({
      before: 1,
      after: 3,
      newlyFailing: [{ roomName: 'euro' }, { roomName: 'medium' }],
    });
    expect(liveDiff.policies).toEqual((JSON.parse(viaFile.stdout) as PolicyDiff).policies);
  });

  it('exits 3 with no preview when it cannot read every room', async () => {
    aws.setFaults({ accessDeniedRegions: ['eu-west-1'] });
    const { code, stdout, stderr } = await cli(
      'policies',
      'diff',
      '--base',
      BASE,
      '--head',
      HEAD,
      ...liveArgs(),
    );
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toContain('error: eu-west-1 ListRooms');
    expect(stderr).toContain('could not read every room');
  });

  it('refuses --region together with a rooms file', async () => {
    const { code, stderr } = await cli(
      'policies',
      'diff',
      '--base',
      BASE,
      '--input',
      join(FIXTURES, 'rooms.json'),
      '--region',
      'us-west-2',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('error: --region: give one of --input, --region, not several');
  });
});
