import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// Not a dependency of ours: vite and asl-validator bring it. Only this test reads YAML.
import { parse } from 'yaml';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  if?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  needs?: string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { pull_request_target?: { paths: string[] } };
  permissions: Record<string, string>;
  concurrency: { group: string };
  jobs: Record<string, Job>;
}

const FILE = join(import.meta.dirname, '..', '..', '.github', 'workflows', 'policy-preview.yml');
const text = readFileSync(FILE, 'utf8');
const workflow = parse(text) as Workflow;
const job = (name: string): Job => {
  const found = workflow.jobs[name];
  if (!found) throw new Error(`no job ${name}`);
  return found;
};
/** `${{ e }}`, a workflow expression. */
const expression = (e: string) => `\${{ ${e} }}`;
const scripts = (j: Job) => j.steps.map((s) => s.run ?? '').join('\n');

describe('.github/workflows/policy-preview.yml', () => {
  it('runs on pull requests that touch policies/, one run per pull request at a time', () => {
    expect(workflow.on.pull_request_target?.paths).toEqual(['policies/**']);
    expect(workflow.concurrency.group).toContain('github.event.pull_request.number');
    expect(workflow.permissions).toEqual({});
  });

  it.each(['preview', 'preview-fork'])(
    '%s runs the one preview script on the base branch and the pull request head, both git refs',
    (name) => {
      const steps = job(name).steps;
      const fetch = steps.findIndex((s) => s.run?.includes('git fetch'));
      const preview = steps.findIndex((s) => s.id === 'diff');
      expect(steps[fetch]?.run).toContain(
        `git fetch --no-tags origin "+refs/pull/\${PR_NUMBER}/head:refs/remotes/pr/head"`,
      );
      expect(fetch).toBeGreaterThanOrEqual(0);
      expect(preview).toBeGreaterThan(fetch);
      const step = steps[preview] as Step & { env: Record<string, string> };
      expect(step.if).toBe(expression('always()'));
      expect(step.env.PREVIEW_BASE).toBe(`origin/${expression('github.event.pull_request.base.ref')}`);
      expect(step.env.PREVIEW_HEAD).toBe('refs/remotes/pr/head');
      expect(step.run).toMatch(/^bash \.github\/scripts\/policy-preview\.sh /m);
      // The script checks, tests, then diffs, and writes what the comment job reads.
      const script = readFileSync(
        join(import.meta.dirname, '..', '..', '.github', 'scripts', 'policy-preview.sh'),
        'utf8',
      );
      const check = script.indexOf('policies check "$PREVIEW_HEAD"');
      const test = script.indexOf('policies test "$PREVIEW_HEAD"');
      const diff = script.indexOf('policies diff --base "$PREVIEW_BASE" --head "$PREVIEW_HEAD"');
      expect([check, test, diff].every((i) => i >= 0)).toBe(true);
      expect(check < test && test < diff).toBe(true);
      expect(script).toContain('--format markdown');
      expect(script).toContain('echo "$code" > "$out/exit-code"');
    },
  );

  it("never runs the pull request's code nor writes its files: the base is checked out, the PR is git objects", () => {
    for (const name of ['preview', 'preview-fork']) {
      const steps = job(name).steps;
      const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout'));
      expect(checkout?.with?.ref).toContain('github.event.pull_request.base.sha');
      expect(checkout?.with?.['persist-credentials']).toBe(false);
      expect(scripts(job(name))).not.toMatch(/git archive|tar -x|git checkout|git worktree/);
    }
    expect(text).not.toContain('pull_request.head.sha');
    // No expression of the event is expanded inside a shell script (only in env:, as data).
    for (const j of Object.values(workflow.jobs)) {
      for (const step of j.steps) expect(step.run ?? '').not.toMatch(/\$\{\{/);
    }
  });

  it('gives AWS credentials only to same-repository pull requests, and says so to forks', () => {
    const preview = job('preview');
    expect(preview.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    expect(preview.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(preview.steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'))).toBe(true);
    expect(scripts(preview)).toContain('--from-snapshot rooms-snapshot.json');

    const fork = job('preview-fork');
    expect(fork.if).toContain('github.event.pull_request.head.repo.full_name != github.repository');
    expect(fork.permissions).toEqual({ contents: 'read' });
    expect(fork.steps.some((s) => s.uses?.startsWith('aws-actions/'))).toBe(false);
    expect(JSON.stringify(fork.steps)).toContain('forks get no AWS credentials');
  });

  it("reads the fleet's rooms from the auditor's state table snapshot, never from IVS Chat or S3", () => {
    const run = scripts(job('preview'));
    expect(run).toContain(
      'npx ivschat-audit export-rooms --from-table "$AUDITOR_STATE_TABLE" -o rooms-snapshot.json',
    );
    expect(run).not.toMatch(/\bs3\b|--region/);
  });

  it("updates one sticky comment per pull request, only the token's own, and fails when the guard trips", () => {
    const comment = job('comment');
    expect(comment.needs).toEqual(['preview', 'preview-fork']);
    expect(comment.permissions).toEqual({ 'pull-requests': 'write' });
    const run = scripts(comment);
    expect(run).toContain("marker='<!-- ivschat-audit:policy-preview -->'");
    // A comment is ours when the token's own account wrote it, not when it merely starts with the marker.
    expect(run).toContain("gh api graphql -f query='query { viewer { login } }'");
    expect(run).toContain(
      'select(.user.login == \\"$me\\" and .user.type == \\"Bot\\" and (.body | startswith(\\"$marker\\")))',
    );
    expect(run).toContain('gh api --method PATCH "repos/$REPO/issues/comments/$id"');
    expect(run).toContain('gh api --method POST "repos/$REPO/issues/$PR_NUMBER/comments"');
    // The comment the preview script writes starts with the marker the comment job looks for.
    const script = readFileSync(
      join(import.meta.dirname, '..', '..', '.github', 'scripts', 'policy-preview.sh'),
      'utf8',
    );
    expect(script).toContain("marker='<!-- ivschat-audit:policy-preview -->'");
    expect(script).toMatch(/^ {2}echo "\$marker"$/m);
    expect(run).toContain('exit "$code"');
  });

  it('has shell steps bash can parse', () => {
    for (const [name, j] of Object.entries(workflow.jobs)) {
      for (const step of j.steps.filter((s) => s.run)) {
        expect(
          () => execFileSync('bash', ['-n'], { input: step.run, stdio: 'pipe' }),
          `${name}: ${step.name}`,
        ).not.toThrow();
      }
    }
    expect(() =>
      execFileSync('bash', [
        '-n',
        join(import.meta.dirname, '..', '..', '.github', 'scripts', 'policy-preview.sh'),
      ]),
    ).not.toThrow();
  });
});
