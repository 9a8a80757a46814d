import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyDiff } from '../../lambda/audit/policy-diff.js';
import type { Report } from '../../lambda/core/types.js';
import { cliWith } from './run.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'diff');
const BASE = join(FIXTURES, 'base');
const HEAD = join(FIXTURES, 'head');
const ROOMS = join(FIXTURES, 'rooms.json');
// Inside the fixture exemption's lifetime (2027-01-31), so the head's exemption exempts.
const clock = () => new Date('2026-11-26T12:00:00.000Z');
const run = (...argv: string[]) => cliWith(argv, { clock });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policies-diff-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function diffJson(...argv: string[]): Promise<{ code: number; diff: PolicyDiff; stderr: string }> {
  const { code, stdout, stderr } = await run('policies', 'diff', '--format', 'json', ...argv);
  if (code > 1) throw new Error(`exit ${code}: ${stderr}`);
  return { code, diff: JSON.parse(stdout) as PolicyDiff, stderr };
}

async function audit(policies: string): Promise<Report> {
  const { code, stdout, stderr } = await run(
    'audit',
    '--input',
    ROOMS,
    '--policies',
    policies,
    '--format',
    'json',
  );
  if (code > 1) throw new Error(`audit exit ${code}: ${stderr}`);
  return JSON.parse(stdout) as Report;
}

/** policy id → fingerprints of its failing (not exempt) findings. */
function failing(report: Report): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of report.findings) {
    if (f.status === 'exempt') continue;
    const set = out.get(f.policyId) ?? new Set<string>();
    set.add(`${f.roomArn} ${f.message}`);
    out.set(f.policyId, set);
  }
  return out;
}

function gitRepo(): string {
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      [
        '-C',
        repo,
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.com',
        '-c',
        'commit.gpgsign=false',
        ...args,
      ],
      { stdio: 'pipe' },
    );
  git('init', '-q');
  cpSync(BASE, join(repo, 'policies'), { recursive: true });
  git('add', '.');
  git('commit', '-qm', 'base policies');
  return repo;
}

describe('ivschat-audit policies diff: what a policy change finds', () => {
  it('gives per-policy counts and rooms that match two separate audits of the same fleet', async () => {
    const { code, diff } = await diffJson('--base', BASE, '--head', HEAD, '--input', ROOMS);
    const before = failing(await audit(BASE));
    const after = failing(await audit(HEAD));

    expect(code).toBe(0);
    expect(diff.roomsEvaluated).toBe(12);
    expect(
      Object.fromEntries(
        diff.policies.map((p) => [
          p.id,
          [p.change, p.before, p.after, p.newlyFailing.length, p.noLongerFailing.length],
        ]),
      ),
    ).toEqual({
      'env-tag-known': ['added', 0, 3, 3, 0],
      'required-tags': ['removed', 4, 0, 0, 4],
      'message-length-max': ['changed', 3, 9, 6, 0],
      // Only an exemption was added: that changes what is found, like a rule change.
      'review-handler-fallback-deny': ['changed', 4, 3, 0, 1],
      'message-rate-max': ['unchanged', 2, 2, 0, 0],
    });
    for (const p of diff.policies) {
      const was = before.get(p.id) ?? new Set<string>();
      const is = after.get(p.id) ?? new Set<string>();
      expect([p.id, p.before, p.after]).toEqual([p.id, was.size, is.size]);
      expect(new Set(p.newlyFailing.map((r) => `${r.roomArn} ${r.message}`))).toEqual(
        new Set([...is].filter((k) => ![...was].some((w) => w.split(' ')[0] === k.split(' ')[0]))),
      );
      expect(p.noLongerFailing.map((r) => r.roomArn).sort()).toEqual(
        [...was]
          .map((k) => k.split(' ')[0] ?? '')
          .filter((arn) => ![...is].some((k) => k.startsWith(`${arn} `)))
          .sort(),
      );
    }
    expect(diff.totals).toMatchObject({ before: 13, after: 17, newlyFailing: 9, noLongerFailing: 5 });
    expect(diff.totals.byAccount).toEqual({
      '000000000000': { before: 4, after: 5, newlyFailing: 4, noLongerFailing: 3 },
      '123456789012': { before: 9, after: 12, newlyFailing: 5, noLongerFailing: 2 },
    });
    expect(diff.totals.bySeverity.medium).toEqual({
      before: 5,
      after: 11,
      newlyFailing: 6,
      noLongerFailing: 0,
    });
  });

  it('names the room, account, region, severity and message of each newly failing finding', async () => {
    const { diff } = await diffJson('--base', BASE, '--head', HEAD, '--input', ROOMS);
    const length = diff.policies.find((p) => p.id === 'message-length-max');
    expect(length?.newlyFailing).toContainEqual({
      roomArn: 'arn:aws:ivschat:us-east-1:123456789012:room/DfRoom000002',
      roomName: 'creator-qna',
      accountId: '123456789012',
      region: 'us-east-1',
      severity: 'medium',
      message: 'maximumMessageLength is 160; must be ≤ 150',
    });
    // Rooms failing before and after (500 > 150 and > 200) are not newly failing.
    expect(length?.newlyFailing.map((r) => r.roomName)).not.toContain('sandbox');
  });

  it('is empty when base and head are the same policies', async () => {
    const { code, diff } = await diffJson('--base', BASE, '--head', BASE, '--input', ROOMS);
    expect(code).toBe(0);
    expect(diff.policies.every((p) => p.change === 'unchanged' && p.before === p.after)).toBe(true);
    expect(diff.totals).toMatchObject({ newlyFailing: 0, noLongerFailing: 0 });
  });
});

describe('ivschat-audit policies diff: what counts as a change', () => {
  it('calls a policy unchanged when only its wording, examples or key order changed, and changed on severity', async () => {
    const head = join(dir, 'head');
    cpSync(BASE, head, { recursive: true });
    const file = join(head, 'message-rate-max.json');
    const policy = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const reworded = { ...policy, title: 'Chat is rate-limited', description: 'Reworded.' };
    // Same content, keys in reverse order.
    writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(reworded).reverse())));
    const tags = join(head, 'required-tags.json');
    writeFileSync(tags, readFileSync(tags, 'utf8').replace('"severity": "low"', '"severity": "high"'));

    const { diff } = await diffJson('--base', BASE, '--head', head, '--input', ROOMS);
    const change = Object.fromEntries(diff.policies.map((p) => [p.id, p.change]));
    expect(change['message-rate-max']).toBe('unchanged');
    expect(change['required-tags']).toBe('changed');
    // A severity change moves the findings between severities, not between failing and passing.
    expect(diff.totals).toMatchObject({ newlyFailing: 0, noLongerFailing: 0 });
    expect(diff.totals.bySeverity.high).toMatchObject({ before: 4, after: 8 });
  });
});

describe('ivschat-audit policies diff: guards', () => {
  function headWithGuard(maxNewFindings: number): string {
    const head = join(dir, 'head');
    cpSync(HEAD, head, { recursive: true });
    const file = join(head, 'message-length-max.json');
    const policy = JSON.parse(readFileSync(file, 'utf8')) as { rollout: { maxNewFindings: number } };
    policy.rollout.maxNewFindings = maxNewFindings;
    writeFileSync(file, JSON.stringify(policy));
    return head;
  }

  it('exits 1 when a policy with rollout.maxNewFindings 5 would flag 6 more rooms', async () => {
    const { code, stdout, stderr } = await run(
      'policies',
      'diff',
      '--base',
      BASE,
      '--head',
      headWithGuard(5),
      '--input',
      ROOMS,
      '--format',
      'json',
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      'message-length-max: 6 newly failing findings, more than its rollout.maxNewFindings of 5',
    );
    // The preview is still printed: the reviewer needs it most when the guard trips.
    expect((JSON.parse(stdout) as PolicyDiff).guard.tripped).toEqual([
      { policyId: 'message-length-max', limit: 5, newlyFailing: 6 },
    ]);
  });

  it('passes when the guard is raised to the blast radius in the same change', async () => {
    const { code } = await diffJson('--base', BASE, '--head', headWithGuard(6), '--input', ROOMS);
    expect(code).toBe(0);
  });

  it('exits 1 when every policy together exceeds --max-new, and 0 at the limit', async () => {
    const over = await run(
      'policies',
      'diff',
      '--base',
      BASE,
      '--head',
      HEAD,
      '--input',
      ROOMS,
      '--max-new',
      '8',
    );
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('--max-new: 9 newly failing findings, more than 8');
    const at = await run(
      'policies',
      'diff',
      '--base',
      BASE,
      '--head',
      HEAD,
      '--input',
      ROOMS,
      '--max-new',
      '9',
    );
    expect(at.code).toBe(0);
  });

  it('refuses a rollout guard that is not a whole number, naming the file and the pointer', async () => {
    const head = headWithGuard(-1);
    const { code, stderr } = await run('policies', 'check', head);
    expect(code).toBe(2);
    expect(stderr).toMatch(/message-length-max\.json \/rollout\/maxNewFindings: must be >= 0/);
  });

  it('refuses a --max-new that is not a whole number', async () => {
    const { code, stderr } = await run(
      'policies',
      'diff',
      '--base',
      BASE,
      '--input',
      ROOMS,
      '--max-new',
      '-1',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('--max-new');
  });
});

describe('ivschat-audit policies diff --base <git ref>', () => {
  it('reads the base policies at a ref without a checkout and finds what the folder diff finds', async () => {
    const repo = gitRepo();
    const policies = join(repo, 'policies');
    // The working tree holds the head: the change under review, not committed.
    rmSync(policies, { recursive: true });
    cpSync(HEAD, policies, { recursive: true });

    const viaGit = await diffJson('--base', 'HEAD', '--head', policies, '--input', ROOMS);
    const viaFolders = await diffJson('--base', BASE, '--head', HEAD, '--input', ROOMS);
    expect(viaGit.diff.base).toBe('HEAD:policies/');
    expect(viaGit.diff.policies).toEqual(viaFolders.diff.policies);
    // Reading the ref left the working tree as it was.
    expect(readFileSync(join(policies, 'env-tag-known.json'), 'utf8')).toBe(
      readFileSync(join(HEAD, 'env-tag-known.json'), 'utf8'),
    );
  });

  it('exits 2 naming --base for a ref git does not know', async () => {
    const repo = gitRepo();
    const { code, stderr } = await run(
      'policies',
      'diff',
      '--base',
      'origin/no-such-branch',
      '--head',
      join(repo, 'policies'),
      '--input',
      ROOMS,
    );
    expect(code).toBe(2);
    expect(stderr).toContain('error: --base: origin/no-such-branch is neither a folder nor a git ref');
  });

  it('exits 2 naming the side, the file and the JSON pointer of an invalid base policy', async () => {
    const repo = gitRepo();
    const file = join(repo, 'policies', 'message-rate-max.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"severity": "medium"', '"severity": "urgent"'));
    execFileSync('git', [
      '-C',
      repo,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      'commit',
      '-qam',
      'bad',
    ]);
    writeFileSync(file, readFileSync(join(BASE, 'message-rate-max.json'), 'utf8'));

    const { code, stderr } = await run(
      'policies',
      'diff',
      '--base',
      'HEAD',
      '--head',
      join(repo, 'policies'),
      '--input',
      ROOMS,
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: --base HEAD: policies\/message-rate-max\.json \/severity: /m);
  });

  it('exits 2 naming --head, the file and the pointer of an invalid head policy', async () => {
    const head = join(dir, 'head');
    cpSync(HEAD, head, { recursive: true });
    writeFileSync(join(head, 'env-tag-known.json'), '{"id": "env-tag-known"}');
    const { code, stderr } = await run('policies', 'diff', '--base', BASE, '--head', head, '--input', ROOMS);
    expect(code).toBe(2);
    expect(stderr).toContain(`error: --head ${head}: `);
    expect(stderr).toMatch(/env-tag-known\.json \/title: must have required property 'title'/);
  });
});

describe('ivschat-audit policies diff: rooms', () => {
  it('reads a complete export with --from-snapshot', async () => {
    const { code, diff } = await diffJson('--base', BASE, '--head', HEAD, '--from-snapshot', ROOMS);
    expect(code).toBe(0);
    expect(diff.roomsEvaluated).toBe(12);
  });

  it('refuses a --from-snapshot file that is not a complete export', async () => {
    const partial = join(dir, 'rooms.json');
    const { rooms } = JSON.parse(readFileSync(ROOMS, 'utf8')) as { rooms: unknown[] };
    writeFileSync(partial, JSON.stringify({ rooms }));
    const { code, stderr } = await run(
      'policies',
      'diff',
      '--base',
      BASE,
      '--head',
      HEAD,
      '--from-snapshot',
      partial,
    );
    expect(code).toBe(2);
    expect(stderr).toContain(`--from-snapshot: ${partial} /regions: missing`);
  });

  it('exits 2 without rooms, or with both --input and --from-snapshot', async () => {
    const none = await run('policies', 'diff', '--base', BASE, '--head', HEAD);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--input rooms.json, --from-snapshot FILE, or --region R (live)');
    const both = await run(
      'policies',
      'diff',
      '--base',
      BASE,
      '--head',
      HEAD,
      '--input',
      ROOMS,
      '--from-snapshot',
      ROOMS,
    );
    expect(both.code).toBe(2);
  });

  it('names --input and the JSON pointer of a bad room document', async () => {
    const bad = join(dir, 'rooms.json');
    writeFileSync(bad, JSON.stringify([{ arn: 'not-an-arn', maximumMessageLength: 1 }]));
    const { code, stderr } = await run('policies', 'diff', '--base', BASE, '--head', HEAD, '--input', bad);
    expect(code).toBe(2);
    expect(stderr).toContain(`error: --input: ${bad} /0/arn: "not-an-arn" is not an IVS Chat room ARN`);
  });

  it('writes the preview to -o instead of stdout', async () => {
    const out = join(dir, 'preview.md');
    const { code, stdout } = await run(
      'policies',
      'diff',
      '--base',
      BASE,
      '--head',
      HEAD,
      '--input',
      ROOMS,
      '--format',
      'markdown',
      '-o',
      out,
    );
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toContain(
      '| message-length-max | changed, remediation edited | 3 → 9 | +6 | −0 |',
    );
  });

  it('explains itself in --help', async () => {
    const { code, stdout } = await run('policies', 'diff', '--help');
    expect(code).toBe(0);
    for (const text of [
      '--base <dir|git-ref>',
      '--head <dir|git-ref>',
      '--from-snapshot',
      '--max-new',
      'rollout',
      'Exit codes',
    ]) {
      expect(stdout).toContain(text);
    }
  });
});

describe('ivschat-audit policies diff: rooms from standard input', () => {
  // Standard input is kept in a private temporary file; messages name standard input, as audit's do.
  const fromStdin = (flag: string, text: string) =>
    cliWith(['policies', 'diff', '--base', BASE, '--head', HEAD, flag, '-'], {
      clock,
      stdin: Readable.from([Buffer.from(text)]),
    });

  it.each([
    ['--input', '', 'error: --input: standard input: nothing came in (it was empty)\n'],
    ['--from-snapshot', '', 'error: --from-snapshot: standard input: nothing came in (it was empty)\n'],
    ['--input', '[{"arn": "x"}]', 'error: --input: standard input /0/arn: "x" is not an IVS Chat room ARN'],
    ['--input', '{"rooms": [', 'error: --input: standard input'],
    ['--from-snapshot', '{"rooms": []}', 'error: --from-snapshot: standard input /regions: missing'],
  ])('%s - given %j names standard input, not the copy', async (flag, text, message) => {
    const { code, stderr } = await fromStdin(flag, text);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain('ivschat-policies-diff-');
    expect(stderr).not.toContain('rooms.json');
  });
});
