/**
 * The workflow docs/iac.md gives an application repository, held to the rules of our own workflows:
 * actions pinned to a commit with the tag in a comment, the recommended Node major, and the steps the
 * brief promises (synth, `template cdk.out --format sarif`, the upload of that very file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NODE_SUPPORT } from '../../lambda/cli/node-support.js';

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: unknown;
  permissions?: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; steps?: Step[] }>;
}

const DOC = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'iac.md'), 'utf8');
const SECTION = DOC.slice(DOC.indexOf("## In an application's GitHub workflow"));
const TEXT = /```yaml\n([\s\S]*?)```/.exec(SECTION)?.[1] ?? '';
const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;

describe("docs/iac.md: the application's workflow", () => {
  const workflow = parse(TEXT) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
  const runs = steps.flatMap((s) => (s.run ? [s.run] : [])).join('\n');

  it('pins every action to a full commit SHA, with its tag in a comment', () => {
    const uses = steps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action).toMatch(PINNED);
    const lines = TEXT.split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line));
    expect(lines).toHaveLength(uses.length);
    for (const line of lines) expect(line).toMatch(/@[0-9a-f]{40} # v\d+(\.\d+)*$/);
  });

  it('sets up the recommended Node major', () => {
    const nodes = steps.filter((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(nodes.map((s) => String(s.with?.['node-version']))).toEqual([
      String(NODE_SUPPORT.recommendedMajor),
    ]);
  });

  it('reads the repository and writes only code scanning alerts', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const [job] = Object.values(workflow.jobs);
    expect(job?.permissions).toEqual({ contents: 'read', 'security-events': 'write' });
  });

  it('synthesizes, audits cdk.out as SARIF, and uploads that file even when findings were made', () => {
    expect(runs).toContain('cdk synth');
    const audit = /ivschat-audit(?:\.js)? template cdk\.out --format sarif -o (\S+)/.exec(runs);
    expect(audit).not.toBeNull();
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(upload?.with?.sarif_file).toBe(audit?.[1]);
    expect(upload?.if).toContain('always()');
    // Findings (exit 1) go to code scanning; bad input or an incomplete run fails the job.
    expect(runs).toMatch(/if \[ "\$code" -ge 2 \]; then .*exit "\$code"; fi/);
  });

  it('installs the auditor without running install scripts', () => {
    expect(runs).toContain('npm ci --ignore-scripts --prefix .ivschat-auditor');
  });
});
