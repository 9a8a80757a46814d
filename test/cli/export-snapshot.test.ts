/**
 * The room snapshot end to end: the scheduled audit (single account, state in dynalite) leaves one per
 * complete region, `export-rooms --from-table` turns it into an export-rooms file with no IVS Chat
 * call, and a policy preview against it matches one against a live export of the same rooms.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RoomDocument } from '../../lambda/core/types.js';
import { RoomSnapshotStore } from '../../lambda/state/room-snapshot.js';
import type { SeedRoom } from '../../local-aws/index.js';
import {
  ACCOUNT_ID,
  generatedLogging,
  loadSmallFleet,
  POLICIES_DIR,
  REGIONS,
  type Stack,
  stackAudit,
  startStack,
} from '../e2e/helpers.js';
import { cliWith } from './run.js';

let stack: Stack;
let seed: SeedRoom[];
let dir: string;

beforeAll(async () => {
  seed = await loadSmallFleet();
  stack = await startStack();
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.aws.clearRooms();
  stack.aws.clearLoggingConfigurations();
  stack.aws.seedRooms(undefined, seed);
  for (const region of REGIONS) stack.aws.seedLoggingConfigurations(region, [generatedLogging(region)]);
  stack.aws.setFaults({});
  dir = mkdtempSync(join(tmpdir(), 'export-snapshot-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

const fromTable = (table: string, ...args: string[]) =>
  cliWith(['export-rooms', '--from-table', table, '--endpoint', stack.dynamo.endpoint, ...args], {
    env: { NO_COLOR: '1', AWS_REGION: 'us-east-1' },
  });

const readRooms = (path: string) =>
  JSON.parse(readFileSync(path, 'utf8')) as { rooms: RoomDocument[]; regions?: string[] };
const byArn = (rooms: RoomDocument[]) => [...rooms].sort((a, b) => a.arn.localeCompare(b.arn));

describe('room snapshot of the scheduled audit', () => {
  it('exports with --from-table exactly what a live export-rooms writes, without calling IVS Chat', async () => {
    const table = await stack.freshTable();
    await stackAudit(stack, { table })();
    const live = join(dir, 'live.json');
    const liveRun = await cliWith(
      [
        'export-rooms',
        '--endpoint',
        stack.aws.endpoint,
        ...REGIONS.flatMap((r) => ['--region', r]),
        '-o',
        live,
      ],
      { env: { NO_COLOR: '1' } },
    );
    expect(liveRun.code).toBe(0);
    stack.aws.resetStats();

    const out = join(dir, 'rooms.json');
    const run = await fromTable(table, '-o', out);

    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`written to ${out} (complete for eu-west-1, us-east-1)`);
    const exported = readRooms(out);
    expect(byArn(exported.rooms)).toEqual(byArn(readRooms(live).rooms));
    expect(exported.rooms.length).toBeGreaterThan(0);
    expect(exported.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(Object.keys(stack.aws.stats())).toEqual([]);
  });

  it('gives the same policy preview as a live export of the same rooms', async () => {
    const table = await stack.freshTable();
    await stackAudit(stack, { table })();
    const snapshot = join(dir, 'snapshot.json');
    const live = join(dir, 'live.json');
    expect((await fromTable(table, '-o', snapshot)).code).toBe(0);
    const liveArgs = ['export-rooms', '--endpoint', stack.aws.endpoint, '--region', REGIONS[0] as string];
    expect((await cliWith([...liveArgs, '--region', REGIONS[1] as string, '-o', live])).code).toBe(0);
    const head = join(dir, 'head');
    cpSync(POLICIES_DIR, head, { recursive: true });
    const lengthPolicy = JSON.parse(readFileSync(join(head, 'message-length-max.json'), 'utf8'));
    lengthPolicy.rule.properties.maximumMessageLength.maximum = 150;
    // The fix must still fix: a lower limit, a lower value to set.
    if (lengthPolicy.fix) lengthPolicy.fix.set.maximumMessageLength = 150;
    writeFileSync(join(head, 'message-length-max.json'), JSON.stringify(lengthPolicy, null, 2));

    const diff = (rooms: string) =>
      cliWith([
        'policies',
        'diff',
        '--base',
        POLICIES_DIR,
        '--head',
        head,
        '--from-snapshot',
        rooms,
        '--format',
        'json',
      ]);
    const [a, b] = [await diff(snapshot), await diff(live)];

    expect(a.stderr).toBe('');
    expect(a.code).toBe(b.code);
    const preview = JSON.parse(a.stdout);
    expect(preview).toEqual(JSON.parse(b.stdout));
    expect(preview.roomsEvaluated).toBe(seed.length);
    expect(preview.totals.newlyFailing).toBeGreaterThan(0);
  });

  it('leaves no snapshot of a region it could not audit completely, and --region asking for it is incomplete', async () => {
    const table = await stack.freshTable();
    stack.aws.setFaults({ accessDeniedRegions: ['eu-west-1'] });
    await stackAudit(stack, { table })();

    const stored = [];
    for await (const s of new RoomSnapshotStore(stack.dynamo.client, table).list()) stored.push(s.region);
    expect(stored).toEqual(['us-east-1']);

    const out = join(dir, 'rooms.json');
    const run = await fromTable(table, '--region', 'us-east-1', '--region', 'eu-west-1', '-o', out);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`error: no snapshot of ${ACCOUNT_ID}/eu-west-1`);
    expect(readRooms(`${out}.partial`).regions).toBeUndefined();
  });

  it('exits 3 naming the table when it holds no snapshot, and 2 for an --account that is no account id', async () => {
    const table = await stack.freshTable();
    const empty = await fromTable(table, '-o', join(dir, 'rooms.json'));
    expect(empty.code).toBe(3);
    expect(empty.stderr).toContain(`state table ${table} holds no room snapshot`);

    const bad = await fromTable(table, '--account', 'prod', '-o', join(dir, 'rooms.json'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--account: "prod" is not a 12-digit account id');
  });

  it('exits 3 naming the table when it cannot be read', async () => {
    const run = await fromTable('no-such-table', '-o', join(dir, 'rooms.json'));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot read state table no-such-table/);
  });
});
