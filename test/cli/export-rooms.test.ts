import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportRooms } from '../../lambda/cli/export-rooms.js';
import { OutputWriteError } from '../../lambda/cli/paths.js';
import type { Report, RoomDocument } from '../../lambda/core/types.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { cli } from './run.js';

let aws: LocalAws;
let dir: string;
beforeAll(async () => {
  aws = await startLocalAws({ quotas: { enabled: true } });
});
afterAll(() => aws.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'export-rooms-'));
  aws.clearRooms();
  aws.resetStats();
  aws.setFaults({});
  return () => rmSync(dir, { recursive: true, force: true });
});

const seed = () => {
  aws.seedRooms('us-west-2', [
    { name: 'long', maximumMessageLength: 500, tags: { owner: 'team-a' } },
    {
      name: 'fine',
      maximumMessageLength: 200,
      tags: { owner: 'team-b' },
      loggingConfigurationIdentifiers: [],
    },
    { name: 'fast', maximumMessageRatePerSecond: 50 },
  ]);
  aws.seedRooms('eu-west-1', [
    { name: 'euro', messageReviewHandler: { uri: 'arn:aws:lambda:x', fallbackResult: 'ALLOW' } },
  ]);
};

const exportTo = (file: string, ...extra: string[]) =>
  cli(
    'export-rooms',
    '--endpoint',
    aws.endpoint,
    '--region',
    'us-west-2',
    '--region',
    'eu-west-1',
    '-o',
    file,
    ...extra,
  );

/** Findings as comparable strings: the same set whether the rooms came live or from a file. */
const findingKeys = (report: Report) =>
  report.findings.map((f) => `${f.fingerprint} ${f.status} ${f.message}`).sort();

describe('ivschat-audit export-rooms', () => {
  it('writes every room of every region as its GetRoom document, in the { "rooms": [...] } shape', async () => {
    seed();
    const file = join(dir, 'rooms.json');
    const { code, stdout } = await exportTo(file);
    expect(code).toBe(0);
    expect(stdout).toBe(`4 rooms from us-west-2, eu-west-1 written to ${file}\n`);
    const { rooms } = JSON.parse(readFileSync(file, 'utf8')) as { rooms: RoomDocument[] };
    const byName = new Map(rooms.map((r) => [r.name, r]));
    expect([...byName.keys()].sort()).toEqual(['euro', 'fast', 'fine', 'long']);
    // GetRoom fields ListRooms does not return are there.
    expect(byName.get('fine')).toMatchObject({ maximumMessageLength: 200, maximumMessageRatePerSecond: 10 });
    expect(aws.stats()['us-west-2']?.GetRoom?.calls).toBe(3);
    expect(readdirSync(dir)).toEqual(['rooms.json']);
  });

  it('round-trips: auditing the exported file finds what a live audit finds', async () => {
    seed();
    const file = join(dir, 'rooms.json');
    await exportTo(file);
    const liveRun = await cli(
      'audit',
      '--endpoint',
      aws.endpoint,
      '--region',
      'us-west-2',
      '--region',
      'eu-west-1',
      '--format',
      'json',
    );
    const fileRun = await cli('audit', '--input', file, '--format', 'json');
    expect(fileRun.code).toBe(liveRun.code);
    const live = JSON.parse(liveRun.stdout) as Report;
    expect(live.findings.length).toBeGreaterThan(0);
    expect(findingKeys(JSON.parse(fileRun.stdout) as Report)).toEqual(findingKeys(live));
  });

  it('writes an empty list for a region without rooms, and the regions it covered', async () => {
    const file = join(dir, 'rooms.json');
    const { code } = await exportTo(file);
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      rooms: [],
      regions: ['us-west-2', 'eu-west-1'],
    });
  });

  it('exits 3 when incomplete, keeps what it got in <file>.partial and leaves <file> as it was', async () => {
    seed();
    aws.setFaults({ accessDeniedRegions: ['eu-west-1'] });
    const file = join(dir, 'rooms.json');
    writeFileSync(file, '{ "rooms": [] }\n');
    const { code, stderr, stdout } = await exportTo(file);
    expect(code).toBe(3);
    expect(stderr).toContain('error: eu-west-1 ListRooms: AccessDeniedException');
    expect(stderr).toContain(`error: export incomplete: ${file} was not written`);
    expect(stdout).toContain(`3 rooms from us-west-2, eu-west-1 written to ${file}.partial`);
    expect(readFileSync(file, 'utf8')).toBe('{ "rooms": [] }\n');
    const partial = JSON.parse(readFileSync(`${file}.partial`, 'utf8')) as { rooms: unknown[] };
    expect(partial.rooms).toHaveLength(3);
    // A partial export does not vouch for its regions: auditing it resolves nothing by absence.
    expect(partial).not.toHaveProperty('regions');
  });

  it('refuses a folder as -o before any call, leaving no temporary file beside it', async () => {
    seed();
    const folder = join(dir, 'out');
    mkdirSync(folder);
    const { code, stderr } = await exportTo(folder);
    expect(code).toBe(2);
    expect(stderr).toBe(`error: --output: cannot write ${folder}: it is a folder\n`);
    expect(readdirSync(dir)).toEqual(['out']);
    expect(aws.stats()).toEqual({});
  });

  it('removes its temporary file and names --output when the file cannot be put in place', async () => {
    seed();
    // The path turned into a non-empty folder after the up-front check: the rename fails.
    const output = join(dir, 'rooms.json');
    mkdirSync(output);
    writeFileSync(join(output, 'keep'), '');
    const run = exportRooms({
      regions: ['us-west-2'],
      connection: { endpoint: aws.endpoint },
      apiBudgetTps: 5,
      output,
    });
    await expect(run).rejects.toThrow(OutputWriteError);
    await expect(run).rejects.toThrow(`--output: cannot write ${output}: `);
    expect(readdirSync(dir)).toEqual(['rooms.json']);
  });

  it.each([
    [['--region', 'US_WEST', '-o', 'x.json'], '--region: "US_WEST" is not a region name'],
    [
      ['--region', 'us-west-2', '-o', '/no/such/folder/rooms.json'],
      '--output: cannot write /no/such/folder/rooms.json: folder /no/such/folder does not exist',
    ],
    [['--region', 'us-west-2'], "required option '-o, --output <rooms.json>' not specified"],
    [
      ['--region', 'us-west-2', '-o', 'x.json', '--api-budget', '9'],
      '--api-budget: 9 is above the IVS Chat quota',
    ],
  ])('exits 2 for bad flags: %j', async (args, message) => {
    const { code, stderr } = await cli('export-rooms', ...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(existsSync('x.json')).toBe(false);
  });
});
