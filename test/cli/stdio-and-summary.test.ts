import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/types.js';
import { ROOT, runBin } from './spawn.js';

// `-` as the file names standard input and output, and `audit -o FILE` saying what it wrote: the
// real bin, spawned in a scratch folder as a user runs it from a shell.
const ROOMS = join(ROOT, 'examples/rooms.json');
let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'stdio-'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function run(
  args: string[],
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runBin(args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdin: stdin ?? '',
  });
}

describe('`-` for standard input and output', () => {
  it('`audit -o -` writes the report to stdout, not to a file named "-"', async () => {
    const { code, stdout } = await run(['audit', '--input', ROOMS, '--format', 'json', '-o', '-']);
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as Report).roomsAudited).toBe(5);
    expect(existsSync(join(cwd, '-'))).toBe(false);
  }, 60_000);

  it('`audit --input -` reads the rooms from stdin (`aws ivschat get-room … | ivschat-audit audit --input -`)', async () => {
    const { code, stdout, stderr } = await run(
      ['audit', '--input', '-', '--format', 'json'],
      readFileSync(ROOMS, 'utf8'),
    );
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as Report).roomsAudited).toBe(5);
  }, 60_000);

  it('`audit --input -` with nothing on stdin says so (exit 2)', async () => {
    const { code, stderr } = await run(['audit', '--input', '-']);
    expect(code).toBe(2);
    expect(stderr).toBe('error: --input: standard input: nothing came in (it was empty)\n');
  }, 60_000);

  it('`audit --input -` of an empty list names standard input in its warning', async () => {
    const { code, stderr } = await run(['audit', '--input', '-'], '[]');
    expect(code).toBe(0);
    expect(stderr).toBe('warning: no rooms in standard input: nothing was audited\n');
  }, 60_000);

  it('`policies diff --input -` reads the rooms from stdin once for both sides, and `-o -` is stdout', async () => {
    const policies = join(ROOT, 'policies');
    const { code, stdout, stderr } = await run(
      [
        'policies',
        'diff',
        '--base',
        policies,
        '--head',
        policies,
        '--input',
        '-',
        '--format',
        'json',
        '-o',
        '-',
      ],
      readFileSync(ROOMS, 'utf8'),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { roomsEvaluated: number }).roomsEvaluated).toBe(5);
    expect(existsSync(join(cwd, '-'))).toBe(false);
  }, 60_000);

  it('`export-rooms -o -` is refused (exit 2): an incomplete export must be kept apart as .partial', async () => {
    const { code, stderr } = await run(['export-rooms', '--region', 'us-east-1', '-o', '-']);
    expect(code).toBe(2);
    expect(stderr).toContain('--output: - (standard output) is not supported by export-rooms');
  }, 60_000);
});

describe('`audit -o FILE`', () => {
  it('prints one summary line on stderr naming the file, and nothing on stdout', async () => {
    const file = join(cwd, 'report.json');
    const { code, stdout, stderr } = await run(['audit', '--input', ROOMS, '--format', 'json', '-o', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `5 rooms audited, 9 findings (2 high, 5 medium, 2 low), 0 errors; report written to ${file}\n`,
    );
    expect((JSON.parse(readFileSync(file, 'utf8')) as Report).findings).toHaveLength(9);
  }, 60_000);
});
