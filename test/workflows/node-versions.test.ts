/**
 * Every place that names a Node.js version names the supported ones (lambda/cli/node-support.ts):
 * package.json `engines` and its lockfile, the README and docs/deploy.md, the workflows, the Lambda
 * runtime and .ci/run. Before, engines and the docs said "20+" while the workflows and the Lambda
 * ran 22 and a dependency asked for 22.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NODE_SUPPORT } from '../../lambda/cli/node-support.js';
import { synthApp } from '../cdk/synth.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Workflow {
  jobs: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
}

describe('Node.js versions', () => {
  it('are what package.json engines and the lockfile say', () => {
    expect((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node).toBe(
      NODE_SUPPORT.engines,
    );
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    expect(lock.packages['']?.engines?.node).toBe(NODE_SUPPORT.engines);
    for (const major of NODE_SUPPORT.majors)
      expect(NODE_SUPPORT.engines).toMatch(new RegExp(`(\\^|>=)${major}\\.`));
  });

  it('include the Node this suite runs on', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(NODE_SUPPORT.majors).toContain(major);
  });

  it.each(['README.md', 'docs/deploy.md'])('are stated in %s in the same words, and no other', (file) => {
    const text = read(file);
    expect(text).toContain(NODE_SUPPORT.inWords);
    // "Node.js 20+", "Node 18", "node >= 20": a requirement said another way.
    expect(text).not.toMatch(/Node(\.js)? ?\d+\+|node ?>= ?\d+|Node(\.js)? 1\d\b/i);
  });

  it('name the recommended major in every workflow that sets up Node', () => {
    const dir = join(ROOT, '.github', 'workflows');
    const versions = readdirSync(dir)
      .filter((file) => /\.ya?ml$/.test(file))
      .flatMap((file) =>
        Object.values((parse(readFileSync(join(dir, file), 'utf8')) as Workflow).jobs).flatMap((job) =>
          (job.steps ?? [])
            .filter((step) => step.uses?.startsWith('actions/setup-node@'))
            .map((step) => ({ file, version: String(step.with?.['node-version']) })),
        ),
      );
    expect(versions.length).toBeGreaterThan(0);
    for (const { file, version } of versions)
      expect({ file, version }).toEqual({ file, version: String(NODE_SUPPORT.recommendedMajor) });
  });

  it('run the Lambda functions on the recommended major', () => {
    const { template } = synthApp({});
    const runtimes = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => f.Properties.Runtime,
    );
    expect(runtimes.length).toBeGreaterThan(0);
    expect(new Set(runtimes)).toEqual(new Set([`nodejs${NODE_SUPPORT.recommendedMajor}.x`]));
  });

  it('are printed by .ci/run from package.json, not written there again', () => {
    const script = read('.ci/run');
    expect(script).toContain('require("./package.json").engines.node');
    expect(script).not.toMatch(/node[- ]?v?\d{2}\b|nodejs\d/i);
  });
});
