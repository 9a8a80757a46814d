import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicySetError } from '../../lambda/core/errors.js';
import { compilePolicySet } from '../../lambda/policy/compile.js';
import {
  DEFAULT_POLICIES_DIR,
  loadPolicyDir,
  MAX_POLICY_FILE_BYTES,
  POLICY_SCHEMA_FILE,
} from '../../lambda/policy/load-dir.js';
import { cli } from '../cli/run.js';

const NOW = '2026-11-26T12:00:00.000Z';
/** The repro's policy: a severity that carries markup, accepted only by a permissive schema. */
const EVIL = {
  id: 'evil',
  title: 't',
  severity: 'high** <img src="https://attacker.example/pixel.png"> @octocat <details open><summary>',
  description: 'd',
  remediation: 'r',
  rule: { type: 'object', required: ['costCenter'] },
  examples: {
    pass: [{ arn: 'arn:aws:ivschat:us-east-1:111111111111:room/Pass0000001', costCenter: 'x' }],
    fail: [{ arn: 'arn:aws:ivschat:us-east-1:111111111111:room/Fail0000001' }],
  },
};
const PERMISSIVE_SCHEMA = { type: 'object', properties: { severity: { type: 'string' } } };

let dir: string;
let outside: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policies-'));
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
  outside = mkdtempSync(join(tmpdir(), 'outside-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function problems(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof PolicySetError) return error.problems.map((p) => p.message);
    throw error;
  }
  throw new Error('loaded without a problem');
}

describe('loadPolicyDir: the schema is the one the tool ships', () => {
  it("refuses a severity outside the enum although the folder's own schema allows any string", () => {
    writeFileSync(join(dir, 'evil.json'), JSON.stringify(EVIL));
    writeFileSync(join(dir, POLICY_SCHEMA_FILE), JSON.stringify(PERMISSIVE_SCHEMA));
    expect(problems(() => loadPolicyDir(dir, { now: NOW }))).toEqual([
      expect.stringMatching(/evil\.json \/severity: must be one of critical, high, medium, low, info$/),
    ]);
  });

  it("warns that a folder's differing policy.schema.json is ignored, and is silent about the shipped copy", () => {
    expect(loadPolicyDir(dir, { now: NOW }).warnings).toEqual([]);
    writeFileSync(join(dir, POLICY_SCHEMA_FILE), JSON.stringify(PERMISSIVE_SCHEMA));
    const { policies, warnings } = loadPolicyDir(dir, { now: NOW });
    expect(policies.length).toBeGreaterThan(0);
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        /policy\.schema\.json: differs from the policy schema this tool ships and is ignored/,
      ),
    ]);
  });

  it('checks the severity in code too, whatever schema a caller compiles against', () => {
    const source = [{ file: 'policies/evil.json', text: JSON.stringify(EVIL) }];
    expect(problems(() => compilePolicySet(source, PERMISSIVE_SCHEMA, { now: NOW }))).toEqual([
      'policies/evil.json /severity: must be one of critical, high, medium, low, info',
    ]);
  });

  it('refuses a key holding control characters, naming it as an escape, never as the raw character', () => {
    const text = JSON.stringify({ ...EVIL, severity: 'high', 'x\u001b]52;c;aGk=\u0007\n::error::forged': 1 });
    writeFileSync(join(dir, 'evil.json'), text);
    const shown = problems(() => loadPolicyDir(dir, { now: NOW }));
    expect(shown).toEqual([
      expect.stringContaining(
        'evil.json /x\\u001b]52;c;aGk=\\u0007\\u000a::error::forged: key holds control characters (U+001B, U+0007, U+000A)',
      ),
    ]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(shown.join('')).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('loadPolicyDir: only regular files, of bounded size', () => {
  it('refuses a symbolic link to a file of the machine, naming it, without reading the target', () => {
    const secret = join(outside, 'runner-secret.txt');
    writeFileSync(secret, '{"id": "TOP-SECRET-RUNNER-VALUE"}');
    symlinkSync(secret, join(dir, 'leak.json'));
    const shown = problems(() => loadPolicyDir(dir, { now: NOW }));
    expect(shown).toEqual([
      expect.stringMatching(/leak\.json \/: is a symbolic link: a policy folder holds regular files only/),
    ]);
    expect(shown.join('\n')).not.toContain('TOP-SECRET');
  });

  it('refuses a link to /dev/zero at once, and a link of any name', () => {
    symlinkSync('/dev/zero', join(dir, 'zero.json'));
    symlinkSync('/etc/hostname', join(dir, 'notes.md'));
    expect(problems(() => loadPolicyDir(dir, { now: NOW }))).toEqual([
      expect.stringMatching(/notes\.md \/: is a symbolic link/),
      expect.stringMatching(/zero\.json \/: is a symbolic link/),
    ]);
  });

  it('refuses a FIFO and a folder named *.json without blocking on them', () => {
    execFileSync('mkfifo', [join(dir, 'pipe.json')]);
    mkdirSync(join(dir, 'folder.json'));
    expect(problems(() => loadPolicyDir(dir, { now: NOW }))).toEqual([
      expect.stringMatching(/folder\.json \/: is a folder/),
      expect.stringMatching(/pipe\.json \/: is a special file/),
    ]);
  });

  it('refuses a policy file over the size limit, and reports the other files problems with it', () => {
    writeFileSync(join(dir, 'huge.json'), `{"id": "huge", "pad": "${'x'.repeat(MAX_POLICY_FILE_BYTES)}"}`);
    writeFileSync(join(dir, 'evil.json'), JSON.stringify(EVIL));
    const shown = problems(() => loadPolicyDir(dir, { now: NOW }));
    expect(shown).toEqual([
      expect.stringMatching(
        /huge\.json \/: is 1048\d{3} bytes, more than a policy file may be \(1048576 bytes\)/,
      ),
      expect.stringMatching(/evil\.json \/severity: must be one of/),
    ]);
  });

  it('policies check exits 2 and names the link', async () => {
    symlinkSync(join(dir, 'message-rate-max.json'), join(dir, 'alias.json'));
    const { code, stdout, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/alias\.json \/: is a symbolic link: a policy folder holds regular files only/);
    expect(readFileSync(join(dir, 'message-rate-max.json'), 'utf8')).toContain('"id"');
  });
});
