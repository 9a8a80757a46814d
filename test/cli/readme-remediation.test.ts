import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { cliWith } from './run.js';

// The README's "Fixing drift" walk-through, done as a reader does it: the plan of the seeded
// emulator with the shipped policies, then the same plan with the exemption the README shows added.
const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** A day the README's exemption is valid on (an expiry may lie at most a year ahead). */
const TODAY = new Date('2026-12-01T00:00:00.000Z');

function sample(name: string): string {
  const match = new RegExp(
    `<!-- ${name}:start -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`,
  ).exec(README);
  if (!match?.[1]) throw new Error(`README.md has no ${name} block`);
  return match[1];
}

const normalise = (line: string) => line.replace(/chg-[0-9a-f]{12}/g, 'chg-<id>');

let aws: LocalAws;
const dirs: string[] = [];
beforeAll(async () => {
  aws = await startLocalAws({ seed: join(ROOT, 'local-aws', 'seed-rooms.json') });
});
afterAll(async () => {
  await aws.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs the block's `$ npx ivschat-audit …` line in `cwd` against the emulator; checks the block's lines appear in order. */
async function runBlock(name: string, cwd: string): Promise<void> {
  const [command, ...expected] = sample(name).trimEnd().split('\n');
  expect(command).toMatch(/^\$ npx ivschat-audit /);
  const argv = (command ?? '')
    .replace(/^\$ npx ivschat-audit /, '')
    .split(' ')
    .map((arg) => (arg === 'http://127.0.0.1:4566' ? aws.endpoint : arg));
  const { stdout, stderr } = await cliWith(argv, {
    cwd,
    clock: () => TODAY,
    env: {
      NO_COLOR: '1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  // The in-process CLI runs in `cwd` without changing the process's directory, so it names files in full.
  const actual = `${stdout}${stderr}`.replaceAll(`${cwd}/`, '').trimEnd().split('\n').map(normalise);
  // `…` stands for lines left out; every other line must be printed, in this order.
  let at = 0;
  for (const line of expected.map(normalise)) {
    if (line.trim() === '…') continue;
    const found = actual.indexOf(line, at);
    expect(
      found,
      `README line not printed (in this order): ${line}\n--- printed:\n${actual.join('\n')}`,
    ).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }
}

describe("the README's remediation walk-through", () => {
  it('plans what the README shows with the shipped policies', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'readme-plan-'));
    dirs.push(cwd);
    await runBlock('remediate-plan-sample', cwd);
  });

  it('plans one change fewer once the exemption the README shows is added to message-length-max', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'readme-exempt-'));
    dirs.push(cwd);
    cpSync(join(ROOT, 'policies'), join(cwd, 'policies'), { recursive: true });
    const file = join(cwd, 'policies', 'message-length-max.json');
    const policy = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const { exemptions } = JSON.parse(`{${sample('remediate-exemption-sample')}}`) as { exemptions: unknown };
    writeFileSync(file, JSON.stringify({ ...policy, exemptions }, null, 2));
    await runBlock('remediate-exempt-sample', cwd);
  });
});
