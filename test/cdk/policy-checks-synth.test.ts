import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/** `npx cdk synth` of the fixture app with IvsChatPolicyChecks: the real CLI, offline, no credentials. */
async function cdkSynth(out: string, extra: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extra,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
  };
  for (const key of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
    delete env[key];
  const args = [
    'cdk',
    'synth',
    '--quiet',
    '--no-notices',
    '--app',
    'npx tsx test/fixtures/iac/checked-app.ts',
    '-o',
    out,
  ];
  try {
    const { stderr } = await run('npx', args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? 1, stderr: failed.stderr ?? '' };
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'policy-checks-synth-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cdk synth of an app with IvsChatPolicyChecks', () => {
  it('fails on a violation, and passes once it is acknowledged', async () => {
    const failing = await cdkSynth(join(dir, 'failing'));
    expect(failing.code).not.toBe(0);
    expect(failing.stderr).toContain('ERROR [ivschat-audit] message-length-max: maximumMessageLength is 500');
    const acknowledged = await cdkSynth(join(dir, 'acknowledged'), { IVSCHAT_ACKNOWLEDGE: '1' });
    expect(acknowledged.stderr).not.toContain('ERROR [ivschat-audit]');
    expect(acknowledged.code).toBe(0);
    // What cannot be judged before deploy stays a warning either way.
    expect(acknowledged.stderr).toContain('WARNING [ivschat-audit] message-length-max not evaluated');
  }, 180_000);
});
