/**
 * The GitHub workflows as a supply chain: every action is pinned to a commit (a tag can be moved to
 * other code), and the job that can obtain AWS credentials runs no install scripts and no tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// Not a dependency of ours: vite and asl-validator bring it. Only tests read YAML.
import { parse } from 'yaml';

interface Step {
  uses?: string;
  run?: string;
}
interface Job {
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const DIR = join(import.meta.dirname, '..', '..', '.github', 'workflows');
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string) => readFileSync(join(DIR, file), 'utf8');
const workflow = (file: string) => parse(text(file)) as Workflow;
/** `owner/repo[/path]@<40 hex>`, then the tag it was as a comment. */
const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;

describe('.github/workflows', () => {
  it('has the workflows this test is about', () => {
    expect(files).toEqual(expect.arrayContaining(['deploy.yml', 'policies.yml', 'policy-preview.yml']));
  });

  it.each(files)('%s pins every action to a full commit SHA, with its tag in a comment', (file) => {
    const uses = Object.values(workflow(file).jobs).flatMap((job) =>
      (job.steps ?? []).flatMap((step) => (step.uses ? [step.uses] : [])),
    );
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action, `${file}: uses: ${action}`).toMatch(PINNED);
    // The parsed values drop comments: read the lines for the tag each SHA stands for.
    const lines = text(file)
      .split('\n')
      .filter((line) => /^\s*(-\s+)?uses:/.test(line));
    expect(lines).toHaveLength(uses.length);
    for (const line of lines)
      expect(line, `${file}: ${line.trim()}`).toMatch(/@[0-9a-f]{40} # v\d+(\.\d+)*$/);
  });
});

describe('every job that can obtain AWS credentials', () => {
  it.each(files)('%s: a job with id-token: write installs with --ignore-scripts', (file) => {
    const { jobs } = workflow(file);
    for (const [name, job] of Object.entries(jobs)) {
      if (job.permissions?.['id-token'] !== 'write') continue;
      const installs = (job.steps ?? [])
        .flatMap((s) => (s.run ? s.run.split('\n') : []))
        .map((line) => line.replace(/#.*$/, '').trim())
        .filter((c) => /\bnpm (ci|install|i)\b/.test(c));
      expect(installs, `${file}: ${name}`).toEqual(['npm ci --ignore-scripts']);
    }
  });
});

describe('.github/workflows/deploy.yml', () => {
  const { jobs, permissions } = workflow('deploy.yml');
  const withToken = Object.entries(jobs).filter(([, job]) => job.permissions?.['id-token'] === 'write');
  const runs = (job: Job) => (job.steps ?? []).flatMap((s) => (s.run ? [s.run] : []));

  it('gives no job the OIDC token by default', () => {
    expect(permissions?.['id-token']).toBeUndefined();
  });

  it('tests in a job without the OIDC token', () => {
    const test = jobs.test;
    expect(test?.permissions?.['id-token']).toBeUndefined();
    expect(runs(test ?? {})).toEqual(expect.arrayContaining(['npm ci', 'npm test']));
  });

  it('deploys from one job, gated by the tests and the production environment, on main only', () => {
    expect(withToken.map(([name]) => name)).toEqual(['deploy']);
    const [[, deploy] = ['', {} as Job]] = withToken;
    expect([deploy.needs].flat()).toContain('test');
    expect(deploy.environment).toBe('production');
    expect(deploy.if).toBe("github.ref == 'refs/heads/main'");
  });

  it('runs no install script and no test where the OIDC token is', () => {
    for (const [name, job] of withToken) {
      const commands = runs(job)
        .join('\n')
        .split('\n')
        .map((line) => line.trim());
      const installs = commands.filter((c) => /\bnpm (ci|install|i)\b/.test(c));
      expect(installs, name).toEqual(['npm ci --ignore-scripts']);
      expect(
        commands.filter((c) => /\bnpm (test|t|run)\b|\bvitest\b|\bnpx (vitest|tsx)\b/.test(c)),
        name,
      ).toEqual([]);
    }
  });
});
