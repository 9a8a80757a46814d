import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Report, RoomDocument } from '../../lambda/core/types.js';
import type { ShownReport } from '../../lambda/render/remediation.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { compliantRoom } from '../fixtures.js';
import { cli } from './run.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'offline-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const eastBad = compliantRoom({ name: 'east-bad', maximumMessageLength: 500 }, 'EastBad00001', 'us-east-1');
const eastFine = compliantRoom({ name: 'east-fine' }, 'EastFine0001', 'us-east-1');
const westBad = compliantRoom({ name: 'west-bad', maximumMessageLength: 500 }, 'WestBad00001', 'eu-west-1');

async function jsonAudit(...args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const { code, stdout, stderr } = await cli('audit', '--format', 'json', ...args);
  if (code > 1) throw new Error(`exit ${code}: ${stderr}`);
  return { code, report: JSON.parse(stdout) as Report, stderr };
}

const statuses = (report: { findings: readonly { roomName: string; status: string }[] }) =>
  report.findings.map((f) => `${f.roomName} ${f.status}`);

describe('ivschat-audit audit --input: regions', () => {
  it('refuses a region typo offline instead of passing with 0 rooms', async () => {
    const { code, stdout, stderr } = await cli(
      'audit',
      '--input',
      write('r.json', [eastBad]),
      '--region',
      'us-east1',
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--region: "us-east1" is not a region name');
  });

  it('warns on stderr when a region filter matches no room in the file', async () => {
    const input = write('r.json', [eastFine, westBad]);
    const { code, report, stderr } = await jsonAudit(
      '--input',
      input,
      '--region',
      'us-east-1',
      '--region',
      'ap-south-1',
    );
    expect(code).toBe(0);
    expect(report.roomsAudited).toBe(1);
    expect(stderr).toContain(`warning: --region ap-south-1 matches no room in ${input}`);
    expect(stderr).toContain('eu-west-1, us-east-1');
    expect(stderr).not.toContain('--region us-east-1 matches');
  });

  it('keeps the findings of a state region the file has no room in as they were', async () => {
    const state = join(dir, 's.json');
    const input = write('r.json', [eastBad, westBad]);
    await jsonAudit('--input', input, '--state', state);

    const eastOnly = write('useonly.json', [eastBad]);
    const partial = await jsonAudit('--input', eastOnly, '--state', state);
    expect(statuses(partial.report)).toEqual(['east-bad open']);
    expect(partial.report.targets).not.toContainEqual({ accountId: '123456789012', region: 'eu-west-1' });
    expect(partial.stderr).toContain(
      `warning: ${eastOnly} has no room in eu-west-1: their findings are kept`,
    );

    const full = await jsonAudit('--input', input, '--state', state);
    expect(statuses(full.report)).toEqual(['west-bad open', 'east-bad open']);
  });

  it('resolves the findings of a region --region covers and the file has no room in', async () => {
    const state = join(dir, 's.json');
    const input = write('r.json', [eastBad, westBad]);
    await jsonAudit('--input', input, '--state', state);

    write('r.json', [eastBad]);
    const { report, stderr } = await jsonAudit(
      '--input',
      input,
      '--state',
      state,
      '--region',
      'us-east-1',
      '--region',
      'eu-west-1',
    );
    expect(statuses(report)).toEqual(['east-bad open', 'west-bad resolved']);
    expect(report.findings[1]?.resolvedReason).toBe('no longer in the input file');
    expect(report.targets).toContainEqual({ accountId: '123456789012', region: 'eu-west-1' });
    expect(stderr).toContain('--region eu-west-1 matches no room');
  });

  it('resolves the findings of a region the file declares and has no room in', async () => {
    const state = join(dir, 's.json');
    const input = write('r.json', [eastBad, westBad]);
    await jsonAudit('--input', input, '--state', state);

    write('r.json', { regions: ['us-east-1', 'eu-west-1'], rooms: [eastBad] });
    const { report, stderr } = await jsonAudit('--input', input, '--state', state);
    expect(statuses(report)).toEqual(['east-bad open', 'west-bad resolved']);
    expect(report.findings[1]?.resolvedReason).toBe('no longer in the input file');
    expect(stderr).toBe('');
  });

  it('resolves every finding when the file declares its regions and has no room left', async () => {
    const state = join(dir, 's.json');
    const input = write('r.json', [eastBad, westBad]);
    await jsonAudit('--input', input, '--state', state);

    write('r.json', { rooms: [] });
    expect(statuses((await jsonAudit('--input', input, '--state', state)).report)).toEqual([]);
    write('r.json', { rooms: [], regions: ['eu-west-1', 'us-east-1'] });
    const { code, report } = await jsonAudit('--input', input, '--state', state);
    expect(code).toBe(0);
    expect(statuses(report)).toEqual(['west-bad resolved', 'east-bad resolved']);
  });

  it('quotes at most 200 characters of a bad region, never half an emoji', async () => {
    // The quoted value is cut to 200 characters: the emoji ends at the 200th of `"rrr…😀`.
    const input = write('r.json', { rooms: [], regions: [`${'r'.repeat(198)}😀more`] });
    const { code, stderr } = await cli('audit', '--input', input);
    expect(code).toBe(2);
    expect(stderr).toContain(`/regions/0: "${'r'.repeat(198)}…`);
    expect(stderr).not.toContain('\ufffd');
  });

  it.each([
    [{ rooms: [], regions: 'us-east-1' }, '/regions: expected an array of region names'],
    [{ rooms: [], regions: ['us-east-1', 'us-east1'] }, '/regions/1: "us-east1" is not a region name'],
    [{ rooms: [], regions: [7] }, '/regions/0: 7 is not a region name'],
  ])('refuses a "regions" that is not a list of region names: %j', async (content, message) => {
    const input = write('r.json', content);
    const { code, stderr } = await cli('audit', '--input', input);
    expect(code).toBe(2);
    expect(stderr).toContain(`${input} ${message}`);
  });

  it('resolves nothing outside the regions a filter covers', async () => {
    const state = join(dir, 's.json');
    const input = write('r.json', [eastBad, westBad]);
    await jsonAudit('--input', input, '--state', state);

    write('r.json', [eastBad]);
    const filtered = await jsonAudit('--input', input, '--state', state, '--region', 'us-east-1');
    expect(statuses(filtered.report)).toEqual(['east-bad open']);
    const filteredWest = await jsonAudit('--input', input, '--state', state, '--region', 'eu-west-1');
    expect(statuses(filteredWest.report)).toEqual(['west-bad resolved']);
  });
});

describe('ivschat-audit audit: files it writes are checked before any work', () => {
  it.each([
    ['--output', ['-o', '/missing-dir/x.json']],
    ['--state', ['--state', '/missing-dir/s.json']],
  ])('exits 2 naming %s when its folder does not exist', async (flag, args) => {
    const { code, stderr } = await cli('audit', '--input', write('r.json', [eastBad]), ...args);
    expect(code).toBe(2);
    expect(stderr).toBe(`error: ${flag}: cannot write ${args[1]}: folder /missing-dir does not exist\n`);
  });

  it('exits 2 for an --output that is a folder', async () => {
    const { code, stderr } = await cli('audit', '--input', write('r.json', [eastBad]), '-o', dir);
    expect(code).toBe(2);
    expect(stderr).toContain(`--output: cannot write ${dir}: it is a folder`);
  });

  it('refuses an --output that is the --input file, leaving it as it was', async () => {
    const input = write('r.json', [eastBad]);
    const before = readFileSync(input, 'utf8');
    const { code, stderr } = await cli('audit', '--input', input, '-o', join(dir, '.', 'r.json'));
    expect(code).toBe(2);
    expect(stderr).toContain('--output: ');
    expect(stderr).toContain('is the --input file');
    expect(readFileSync(input, 'utf8')).toBe(before);
  });

  it('refuses an --output that is the --state file, also through a symbolic link', async () => {
    const state = join(dir, 's.json');
    const input = write('r.json', [eastBad]);
    await jsonAudit('--input', input, '--state', state);
    const before = readFileSync(state, 'utf8');
    symlinkSync(state, join(dir, 'link.json'));
    const { code, stderr } = await cli(
      'audit',
      '--input',
      input,
      '--state',
      state,
      '-o',
      join(dir, 'link.json'),
    );
    expect(code).toBe(2);
    expect(stderr).toContain('is the --state file');
    expect(readFileSync(state, 'utf8')).toBe(before);
  });
});

describe('ivschat-audit audit --state: a broken state file exits 2 naming --state, file and pointer', () => {
  it.each([
    [
      'findings is an object of non-records',
      '{"version":1,"findings":{"x":1}}',
      '/findings/x: must be object',
    ],
    ['findings is null', '{"version":1,"findings":null}', '/findings: must be object'],
    [
      'findings is an array (nothing would ever be saved)',
      '{"version":1,"findings":[]}',
      '/findings: must be object',
    ],
  ])('%s', async (_label, content, pointer) => {
    const state = write('s.json', content);
    const { code, stdout, stderr } = await cli(
      'audit',
      '--input',
      write('r.json', [eastBad]),
      '--state',
      state,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`error: --state: ${state} ${pointer}\n`);
    expect(readFileSync(state, 'utf8')).toBe(content);
  });
});

describe('ivschat-audit audit --format json', () => {
  it('writes exactly the indented JSON of the report, resolved findings included', async () => {
    const state = join(dir, 's.json');
    const input = write('r.json', [eastBad, westBad, eastFine]);
    await jsonAudit('--input', input, '--state', state);
    write('r.json', [eastBad, { ...westBad, maximumMessageLength: 100 }]);
    const out = join(dir, 'out.json');
    const { code, stdout } = await cli(
      'audit',
      '--input',
      input,
      '--state',
      state,
      '--format',
      'json',
      '-o',
      out,
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    const report = JSON.parse(text) as ShownReport;
    expect(text).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(statuses(report)).toEqual(['east-bad open', 'west-bad resolved']);
    expect(report.findings[0]?.remediation).toContain(eastBad.arn);
  });

  it('writes an empty findings list as []', async () => {
    const { stdout } = await cli('audit', '--input', write('r.json', [eastFine]), '--format', 'json');
    expect(stdout).toContain('"findings": [],');
    expect(stdout).toBe(`${JSON.stringify(JSON.parse(stdout), null, 2)}\n`);
  });
});

describe('ivschat-audit audit --state, live in two regions (local AWS)', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws({ quotas: { enabled: false } });
  });
  afterAll(async () => {
    await aws.close();
  });

  it('prints its report on every re-run: the two regions saving the room cache together do not collide', async () => {
    const seed = (region: string): RoomDocument[] =>
      aws.seedRooms(region, [{ name: `${region}-room`, maximumMessageLength: 500 }]) as RoomDocument[];
    seed('us-east-1');
    seed('eu-west-1');
    const state = join(dir, 's.json');
    const run = () =>
      cli(
        'audit',
        '--endpoint',
        aws.endpoint,
        '--region',
        'us-east-1',
        '--region',
        'eu-west-1',
        '--state',
        state,
        '--format',
        'json',
      );
    for (const expected of ['new', 'open', 'open']) {
      const { code, stdout, stderr } = await run();
      expect(stderr).toBe('');
      expect(code).toBe(1);
      const report = JSON.parse(stdout) as Report;
      expect(report.roomsAudited).toBe(2);
      expect(new Set(report.findings.map((f) => f.status))).toEqual(new Set([expected]));
    }
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    expect(Object.keys(saved.rooms).sort()).toEqual(['000000000000/eu-west-1', '000000000000/us-east-1']);
  });
});
