import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyDiff } from '../../lambda/audit/policy-diff.js';
import { readPoliciesAtRef } from '../../lambda/cli/git-policies.js';
import { DEFAULT_POLICIES_DIR, MAX_POLICY_FILE_BYTES } from '../../lambda/policy/load-dir.js';
import { cliWith } from './run.js';

const ROOMS = join(import.meta.dirname, '..', 'fixtures', 'diff', 'rooms.json');

let repo: string;
let outside: string;
const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    encoding: 'utf8',
  });

/** A repository whose main holds the shipped policies; `change` makes the branch `pr` on top. */
function prBranch(change: (policies: string) => void): void {
  git('checkout', '-qb', 'pr');
  change(join(repo, 'policies'));
  git('add', '-A');
  git('commit', '-qm', 'pr');
  git('checkout', '-q', 'main');
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'git-policies-'));
  outside = mkdtempSync(join(tmpdir(), 'outside-'));
  git('init', '-q', '-b', 'main');
  cpSync(DEFAULT_POLICIES_DIR, join(repo, 'policies'), { recursive: true });
  git('add', '-A');
  git('commit', '-qm', 'base');
});
afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('readPoliciesAtRef: the policies of a ref, from git objects', () => {
  it('refuses a link (mode 120000) without reading its target, and a submodule', () => {
    const secret = join(outside, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-RUNNER-VALUE');
    prBranch((policies) => {
      symlinkSync(secret, join(policies, 'leak.json'));
      symlinkSync('/dev/zero', join(policies, 'zero.md'));
    });
    git('checkout', '-q', 'pr');
    const head = git('rev-parse', 'HEAD').trim();
    git('update-index', '--add', '--cacheinfo', `160000,${head},policies/vendored.json`);
    git('commit', '-qm', 'submodule');
    git('checkout', '-q', 'main');

    const read = readPoliciesAtRef('pr', join(repo, 'policies'), '--head');
    expect(read.problems.map((p) => p.message)).toEqual([
      'policies/leak.json /: is a symbolic link: a policy folder holds regular files only, and links are not followed',
      'policies/vendored.json /: is a submodule: a policy folder holds regular files only, and links are not followed',
      'policies/zero.md /: is a symbolic link: a policy folder holds regular files only, and links are not followed',
    ]);
    expect(JSON.stringify(read)).not.toContain('TOP-SECRET');
    expect(read.sources.map((s) => s.file)).not.toContain('policies/leak.json');
  });

  it('refuses a blob over the size limit unread', () => {
    prBranch((policies) => {
      writeFileSync(join(policies, 'huge.json'), 'x'.repeat(MAX_POLICY_FILE_BYTES + 1));
    });
    const read = readPoliciesAtRef('pr', join(repo, 'policies'), '--head');
    expect(read.problems.map((p) => p.message)).toEqual([
      `policies/huge.json /: is ${MAX_POLICY_FILE_BYTES + 1} bytes, more than a policy file may be (1048576 bytes); a policy is a few KiB`,
    ]);
    expect(read.sources.some((s) => s.file === 'policies/huge.json')).toBe(false);
  });
});

describe('policies check|test|diff with a git ref: nothing of the ref is written to disk', () => {
  const run = (...argv: string[]) =>
    cliWith(argv, { cwd: repo, clock: () => new Date('2026-11-26T12:00:00.000Z') });

  it("checks and tests a ref's policies against the shipped schema, ignoring the ref's own", async () => {
    prBranch((policies) => {
      const schema = JSON.parse(readFileSync(join(policies, 'policy.schema.json'), 'utf8'));
      schema.properties.severity = { type: 'string' };
      writeFileSync(join(policies, 'policy.schema.json'), JSON.stringify(schema));
      const file = join(policies, 'message-rate-max.json');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('"severity": "medium"', '"severity": "<img src=x>"'),
      );
    });
    const before = git('status', '--porcelain');
    for (const command of ['check', 'test']) {
      const { code, stdout, stderr } = await run('policies', command, 'pr');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('policies/message-rate-max.json /severity: must be one of critical, high');
      expect(stderr).not.toContain('<img');
    }
    // The working tree (main) is as it was: the ref was never checked out.
    expect(git('status', '--porcelain')).toBe(before);
    expect(readFileSync(join(repo, 'policies', 'message-rate-max.json'), 'utf8')).toContain('"medium"');
  });

  it('refuses a file whose name holds a line break, as the folder view does (never skips it)', async () => {
    prBranch((policies) => {
      const policy = JSON.parse(readFileSync(join(policies, 'message-length-max.json'), 'utf8'));
      writeFileSync(join(policies, 'hidden\n.json'), JSON.stringify({ ...policy, id: 'hidden' }));
    });
    for (const command of ['check', 'test']) {
      const { code, stderr } = await run('policies', command, 'pr');
      expect(code).toBe(2);
      expect(stderr).toContain(
        'policies/hidden\\u000a.json /: the file name holds control characters (U+000A)',
      );
    }
  });

  it('warns that the ref carries a schema of its own, which is ignored', async () => {
    prBranch((policies) => {
      writeFileSync(join(policies, 'policy.schema.json'), '{"type": "object"}');
    });
    const { code, stdout, stderr } = await run('policies', 'check', 'pr');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^7 policies OK/);
    expect(stderr).toContain(
      'warning: policies/policy.schema.json: differs from the policy schema this tool ships and is ignored',
    );
  });

  it('diffs --base main --head pr, both read from git, and names a link on the head side', async () => {
    prBranch((policies) => {
      const file = join(policies, 'message-rate-max.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"severity": "medium"', '"severity": "high"'));
    });
    const ok = await run(
      'policies',
      'diff',
      '--base',
      'main',
      '--head',
      'pr',
      '--input',
      ROOMS,
      '--format',
      'json',
    );
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    const diff = JSON.parse(ok.stdout) as PolicyDiff;
    expect(diff.base).toBe('main:policies/');
    expect(diff.head).toBe('pr:policies/');
    expect(diff.policies.find((p) => p.id === 'message-rate-max')?.change).toBe('changed');

    git('checkout', '-q', 'pr');
    symlinkSync('/etc/hostname', join(repo, 'policies', 'host.json'));
    git('add', '-A');
    git('commit', '-qm', 'link');
    unlinkSync(join(repo, 'policies', 'host.json'));
    git('checkout', '-qf', 'main');
    const refused = await run('policies', 'diff', '--base', 'main', '--head', 'pr', '--input', ROOMS);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'error: --head pr: policies/host.json /: is a symbolic link: a policy folder holds regular files only',
    );
  });
});
