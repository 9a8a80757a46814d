import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/types.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { type Spawned, start as startProcess } from './spawn.js';

// What a user's Ctrl-C, a CI cancellation or `timeout` (SIGTERM) does to a real process: the bin is
// spawned as the user runs it (node, or npx), against the emulator slowed down so the run is caught
// in the middle.
const ROOMS = 40;
let aws: LocalAws;
let dir: string;

beforeAll(async () => {
  aws = await startLocalAws({ quotas: { enabled: false } });
  aws.seedRooms(
    'us-west-2',
    Array.from({ length: ROOMS }, (_, i) => ({ name: `room-${i}`, maximumMessageLength: 500 })),
  );
  aws.setLatency(50);
  dir = mkdtempSync(join(tmpdir(), 'signals-'));
});
afterAll(async () => {
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => aws.resetStats());

/** The command with the environment of a user's shell, npx kept offline. */
function start(command: string, args: string[], options: { detached?: boolean } = {}): Spawned {
  return startProcess(command, args, {
    env: {
      ...process.env,
      NO_COLOR: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // npx finds the bin in this checkout; it must never ask the registry.
      npm_config_offline: 'true',
      npm_config_cache: join(dir, 'npm-cache'),
      npm_config_update_notifier: 'false',
    },
    detached: options.detached ?? false,
  });
}

const liveAudit = (output: string) => [
  'audit',
  '--endpoint',
  aws.endpoint,
  '--region',
  'us-west-2',
  '--format',
  'json',
  '-o',
  output,
];

/**
 * Until the run has fetched a room: the signal then lands in the middle of it. Two GetRoom calls,
 * so the first (50 ms of latency, the next one a budgeted 250 ms later) has surely been answered.
 */
async function midRun(): Promise<void> {
  while ((aws.stats()['us-west-2']?.GetRoom?.calls ?? 0) < 2) await new Promise((r) => setTimeout(r, 50));
}

function partialReport(path: string): Report {
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  expect(report.complete).toBe(false);
  expect(report.roomsAudited).toBeGreaterThan(0);
  expect(report.roomsAudited).toBeLessThan(ROOMS);
  expect(report.errors).toContainEqual(expect.objectContaining({ code: 'Interrupted' }));
  return report;
}

describe('a signal to a live audit', () => {
  it.each([
    ['SIGINT', 'interrupted (Ctrl-C)'],
    ['SIGTERM', 'terminated (SIGTERM)'],
  ] as const)(
    '%s stops it: exit 3, says so on stderr, and writes the partial report to -o',
    async (signal, said) => {
      const out = join(dir, `${signal}.json`);
      const run = start(process.execPath, ['bin/ivschat-audit.js', ...liveAudit(out)]);
      await midRun();
      run.child.kill(signal);
      expect(await run.closed).toEqual({ code: 3, signal: null });
      expect(run.output.stderr).toContain(`error: ${said}: the run was stopped; the report is partial`);
      partialReport(out);
    },
    60_000,
  );
});

describe('a signal under npx', () => {
  // npm runs the bin through `sh -c`, which dies at once on the signal without passing it on: the
  // CLI learns of it by being orphaned, and still writes its partial report and says why.
  it('SIGTERM to npx (as `timeout` sends it) stops the run and leaves the partial report', async () => {
    const out = join(dir, 'npx-sigterm.json');
    const run = start('npx', ['ivschat-audit', ...liveAudit(out)]);
    await midRun();
    run.child.kill('SIGTERM');
    // npm's own status is its shell's: killed by SIGTERM (the shell shows 143), as README says.
    expect((await run.closed).signal).toBe('SIGTERM');
    expect(run.output.stderr).toContain(
      'error: npm (npx), which started it, was stopped: the run was stopped; the report is partial',
    );
    partialReport(out);
  }, 90_000);

  it('Ctrl-C (SIGINT to the whole process group) stops the run and leaves the partial report', async () => {
    const out = join(dir, 'npx-sigint.json');
    const run = start('npx', ['ivschat-audit', ...liveAudit(out)], { detached: true });
    await midRun();
    process.kill(-(run.child.pid as number), 'SIGINT');
    // npm's own status is its shell's: killed by SIGINT (the shell shows 130), as README says.
    expect((await run.closed).signal).toBe('SIGINT');
    expect(run.output.stderr).toContain(
      'error: interrupted (Ctrl-C): the run was stopped; the report is partial',
    );
    partialReport(out);
  }, 90_000);
});

describe('a signal to an offline audit', () => {
  it('SIGINT while `--input -` waits for a slow stdin exits 3 with a message', async () => {
    const run = start(process.execPath, ['bin/ivschat-audit.js', 'audit', '--input', '-']);
    // Leading blanks are valid JSON; once the CLI has drained a pipe's worth it is reading, with
    // its signal handlers in place.
    await new Promise<void>((resolve) => run.child.stdin?.write(' '.repeat(1 << 20), () => resolve()));
    run.child.kill('SIGINT');
    expect(await run.closed).toEqual({ code: 3, signal: null });
    expect(run.output.stderr).toContain('error: interrupted (Ctrl-C): stopped before the command finished');
    run.child.stdin?.destroy();
  }, 60_000);
});
