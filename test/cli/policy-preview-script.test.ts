import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, '.github', 'scripts', 'policy-preview.sh');
const MARKER = '<!-- ivschat-audit:policy-preview -->';
const SECRET = 'RUNNER-SECRET-3f9a1c';
/** Markup, mentions, a fake approval link, a comment opener, OSC 52, a bell, a screen clear, a forged command. */
const HOSTILE =
  '** <img src="https://attacker.example/pixel.png"> @octocat @acme/security-team [Approved by security](https://attacker.example/x) <details open><summary> <!-- hide \u001b]52;c;aGk=\u0007 \u001b[2J\r\n::error::forged by the PR\n| x |';

let repo: string;
let outside: string;
const git = (...args: string[]) => {
  const result = spawnSync(
    'git',
    ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args],
    {
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'preview-repo-'));
  outside = mkdtempSync(join(tmpdir(), 'runner-'));
  writeFileSync(join(outside, 'credentials'), `{"id": "${SECRET}"}`);
  // The base branch, as the workflow checks it out: the shipped policies and the example rooms.
  git('init', '-q', '-b', 'main');
  cpSync(join(ROOT, 'policies'), join(repo, 'policies'), { recursive: true });
  mkdirSync(join(repo, 'examples'));
  cpSync(join(ROOT, 'examples', 'rooms.json'), join(repo, 'examples', 'rooms.json'));
  git('add', '-A');
  git('commit', '-qm', 'base');
  git('update-ref', 'refs/remotes/origin/main', 'HEAD');
});
afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** Commits the pull request's policies/ on top of main as refs/remotes/pr/head, as `git fetch` leaves it. */
function pullRequest(change: (policies: string) => void): void {
  git('checkout', '-q', '-b', 'pr');
  change(join(repo, 'policies'));
  git('add', '-A');
  git('commit', '-qm', 'hostile policy change');
  git('update-ref', 'refs/remotes/pr/head', 'HEAD');
  git('checkout', '-qf', 'main');
  git('branch', '-qD', 'pr');
}

/** The workflow's step: the script beside the tool, run in the base checkout, with the example rooms. */
function preview() {
  const run = spawnSync('bash', [SCRIPT, '--input', 'examples/rooms.json'], {
    cwd: repo,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      PREVIEW_BASE: 'origin/main',
      PREVIEW_HEAD: 'refs/remotes/pr/head',
      PREVIEW_NOTE:
        'This pull request comes from a fork, and forks get no AWS credentials: this preview ran against examples/rooms.json, not the fleet.',
    },
    timeout: 120_000,
  });
  const read = (name: string) => readFileSync(join(repo, 'policy-preview', name), 'utf8');
  return {
    status: run.status,
    log: `${run.stdout}${run.stderr}`,
    comment: read('comment.md'),
    exitCode: read('exit-code').trim(),
  };
}

/**
 * No markup of the pull request's is live. Text inside a fenced code block is shown as written (GitHub
 * renders no HTML, link or mention there), so the check applies outside the fences, and the fences
 * themselves must be exactly the script's two: nothing in the message may end the block early.
 */
function expectInertComment(comment: string): void {
  expect(comment.startsWith(`${MARKER}\n`)).toBe(true);
  const fences = comment.match(/^ {0,3}(`{3,}|~{3,}).*$/gm) ?? [];
  expect(fences.length === 0 || fences.join('|') === '```text|```').toBe(true);
  const rendered = comment.replace(/^```text\n[\s\S]*?\n```$/m, '');
  for (const live of ['<img', '<details open', '@octocat', '@acme', '](http', 'https://attacker']) {
    expect(rendered).not.toContain(live);
  }
  expect(rendered.split('<!--').length - 1).toBe(1);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
  expect(comment).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  expect(comment).not.toMatch(/^::/m);
  // Only the renderer's own collapsible sections, balanced; every table row keeps its cells.
  expect(comment.match(/<details>/g)?.length ?? 0).toBe(comment.match(/<\/details>/g)?.length ?? 0);
  for (const row of comment.split('\n').filter((l) => l.startsWith('|'))) {
    expect(row.split('|').length - 1).toBe(6);
  }
  expect(comment).not.toContain(SECRET);
}

function expectCleanLog(log: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
  expect(log).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  // The only workflow commands are the script's own: log groups, and stop-commands with its token.
  const commands = log.split('\n').filter((line) => line.startsWith('::'));
  expect(commands.length).toBeGreaterThan(0);
  const token = /^::stop-commands::([0-9a-f]{32})$/m.exec(log)?.[1];
  for (const line of commands) {
    expect(line).toMatch(new RegExp(`^::(group::.*|endgroup::|stop-commands::${token}|${token}::)$`));
  }
  expect(log).not.toMatch(/^::error/m);
  expect(log).not.toContain(SECRET);
}

describe('.github/scripts/policy-preview.sh on a hostile pull request', () => {
  it('refuses a PR with its own schema, a markup severity, control characters and a link: inert comment, clean log', () => {
    pullRequest((policies) => {
      writeFileSync(
        join(policies, 'policy.schema.json'),
        JSON.stringify({ type: 'object', properties: { severity: { type: 'string' } } }),
      );
      writeFileSync(
        join(policies, 'evil.json'),
        JSON.stringify({
          id: 'evil',
          title: `t${HOSTILE}`,
          severity: `high${HOSTILE}`,
          description: `d${HOSTILE}`,
          remediation: `r${HOSTILE}`,
          rule: { type: 'object', required: ['costCenter'] },
          examples: {
            pass: [{ arn: 'arn:aws:ivschat:us-east-1:111111111111:room/Pass0000001', costCenter: 'x' }],
            fail: [{ arn: 'arn:aws:ivschat:us-east-1:111111111111:room/Fail0000001' }],
          },
        }),
      );
      // A key holding control characters is refused at load, by its escaped name.
      writeFileSync(
        join(policies, 'keys.json'),
        JSON.stringify({ id: 'keys', title: 't', severity: 'low', [`x${HOSTILE}`]: 1 }),
      );
      symlinkSync(join(outside, 'credentials'), join(policies, 'leak.json'));
    });

    const { status, log, comment, exitCode } = preview();
    expect(status).toBe(1); // check and test failed
    expect(exitCode).toBe('2');
    expectInertComment(comment);
    expectCleanLog(log);
    // The reviewer is told why, naming the files.
    expect(comment).toContain('The preview could not run (exit 2)');
    expect(comment).toContain('policies/leak.json /: is a symbolic link');
    expect(comment).toContain(
      'policies/evil.json /severity: must be one of critical, high, medium, low, info',
    );
    expect(comment).toContain(
      '::error::forged by the PR\\u000a| x |: key holds control characters (U+001B, U+0007, U+000D, U+000A)',
    );
    // The message sits in one code block, whose two fences are the script's own.
    expect(comment.match(/^```.*$/gm)).toEqual(['```text', '```']);
  }, 180_000);

  it('renders a PR that the shipped schema accepts, hostile strings and all, as text', () => {
    pullRequest((policies) => {
      const rate = join(policies, 'message-rate-max.json');
      const policy = JSON.parse(readFileSync(rate, 'utf8'));
      policy.remediation = `Lower the rate ${HOSTILE}`;
      writeFileSync(rate, JSON.stringify(policy, null, 2));
      // Keys may not hold control characters (refused at load); markup they may.
      const key = 'costCenter <img src=x> @octocat <!-- [x](https://attacker.example) |';
      writeFileSync(
        join(policies, 'cost-center.json'),
        JSON.stringify({
          id: 'cost-center',
          title: 'Cost center <img src=x> @octocat \u001b]0;t\u0007',
          severity: 'high',
          description: `Every room carries a cost center ${HOSTILE}`,
          remediation: `Tag it ${HOSTILE}`,
          rule: { type: 'object', required: [key] },
          examples: {
            pass: [{ arn: 'arn:aws:ivschat:us-east-1:111111111111:room/Pass0000001', [key]: 'x' }],
            fail: [{ arn: 'arn:aws:ivschat:us-east-1:111111111111:room/Fail0000001' }],
          },
        }),
      );
    });

    const { status, log, comment, exitCode } = preview();
    expect([status, exitCode]).toEqual([0, '0']);
    expectInertComment(comment);
    expectCleanLog(log);
    expect(comment).toMatch(/\| cost-center \| added \| 0 → \d+ \| \+\d+ \| −0 \|/);
    expect(comment).toMatch(/\| message-rate-max \| remediation edited \|/);
    expect(comment).toContain('&lt;img src=');
  }, 180_000);
});
