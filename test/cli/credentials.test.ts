import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from './spawn.js';

// A first live run on a machine with no AWS credentials at all: the real bin, with an environment
// that holds none (and no instance metadata to ask: nothing leaves the machine).
const POLICIES = join(import.meta.dirname, '../../policies');
let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'no-credentials-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function bare(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runBin(args, {
    cwd: home,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
}

describe('a live command without AWS credentials', () => {
  it.each([
    [['audit', '--region', 'us-east-1']],
    [['export-rooms', '--region', 'us-east-1', '-o', 'rooms.json']],
    [['policies', 'diff', '--base', POLICIES, '--head', POLICIES, '--region', 'us-east-1']],
    [['selftest', '--region', 'us-east-1', '--yes']],
  ])(
    '%j exits 2 with one message naming what to configure, before any call',
    async (args) => {
      const { code, stdout, stderr } = await bare(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: AWS credentials: cannot be loaded \(Could not load credentials/);
      for (const hint of [
        'AWS_PROFILE',
        '`aws configure`',
        'AWS_ACCESS_KEY_ID',
        '--endpoint http://127.0.0.1:4566',
      ]) {
        expect(lines[0]).toContain(hint);
      }
    },
    60_000,
  );
});
