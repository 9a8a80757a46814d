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
const scripts = (j: Job) => j.steps.map((s) => s.run ?? '').join('\n');

describe('.github/workflows/policy-preview.yml', () => {
  it('runs on pull requests that touch policies/, one run per pull request at a time', () => {
    expect(workflow.on.pull_request_target?.paths).toEqual(['policies/**']);
    expect(workflow.concurrency.group).toContain('github.event.pull_request.number');
    expect(workflow.permissions).toEqual({});
  });

  it.each(['preview', 'preview-fork'])('%s checks, tests, then diffs against the base branch', (name) => {
    const run = scripts(job(name));
    const check = run.indexOf('npx ivschat-audit policies check policies');
    const test = run.indexOf('npx ivschat-audit policies test policies');
    const diff = run.indexOf('npx ivschat-audit policies diff --base "origin/$BASE_REF" --head policies');
    expect([check, test, diff].every((i) => i >= 0)).toBe(true);
    expect(check < test && test < diff).toBe(true);
    expect(run).toContain('--format markdown');
    expect(run).toContain('echo "$code" > policy-preview/exit-code');
  });

  it("never runs the pull request's code: the base is checked out, the PR gives only policies/", () => {
    for (const name of ['preview', 'preview-fork']) {
      const steps = job(name).steps;
      const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout'));
      expect(checkout?.with?.ref).toContain('github.event.pull_request.base.sha');
      expect(checkout?.with?.['persist-credentials']).toBe(false);
      expect(scripts(job(name))).toContain('git archive refs/remotes/pr/head policies | tar -x');
    }
    expect(text).not.toContain('pull_request.head.sha');
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
    expect(scripts(fork)).toContain('forks get no AWS credentials');
  });

  it("reads the fleet's rooms from the auditor's state table snapshot, never from IVS Chat or S3", () => {
    const run = scripts(job('preview'));
    expect(run).toContain(
      'npx ivschat-audit export-rooms --from-table "$AUDITOR_STATE_TABLE" -o rooms-snapshot.json',
    );
    expect(run).not.toMatch(/\bs3\b|--region/);
  });

  it('updates one sticky comment per pull request and fails when the guard trips', () => {
    const comment = job('comment');
    expect(comment.needs).toEqual(['preview', 'preview-fork']);
    expect(comment.permissions).toEqual({ 'pull-requests': 'write' });
    const run = scripts(comment);
    expect(run).toContain("marker='<!-- ivschat-audit:policy-preview -->'");
    expect(run).toContain('gh api --method PATCH "repos/$REPO/issues/comments/$id"');
    expect(run).toContain('gh api --method POST "repos/$REPO/issues/$PR_NUMBER/comments"');
    // The comment the preview jobs write starts with the marker the comment job looks for.
    expect(scripts(job('preview'))).toContain("echo '<!-- ivschat-audit:policy-preview -->'");
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
  });
});
