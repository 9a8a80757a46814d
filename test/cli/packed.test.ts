import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's way to use the CLI outside the checkout: `npm pack`, then install the tarball. The
// install itself needs the registry; here the packed files run with this checkout's dependencies, so a
// file the CLI needs at run time but `npm pack` leaves out fails this test.
const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

let dir: string;
let bin: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'packed-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  await run('tar', ['-xzf', join(dir, filename), '-C', dir]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'package', 'node_modules'), 'dir');
  bin = join(dir, 'package', 'bin', 'ivschat-audit.js');
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI from the tarball npm pack writes, run in another folder', () => {
  it('audits a saved room with the policies packed with it', async () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const result = await run(
      process.execPath,
      [bin, 'audit', '--input', join(ROOT, 'examples', 'get-room.json')],
      {
        cwd: elsewhere,
        env: { ...process.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('creator-qna (us-east-1)  maximumMessageLength is 500; must be ≤ 200');
    const help = await run(process.execPath, [bin, 'audit', '--help'], { cwd: elsewhere });
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      `the bundled policies (${join(dir, 'package', 'policies')})`,
    );
  }, 60_000);
});
