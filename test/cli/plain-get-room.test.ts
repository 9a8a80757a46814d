import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report, RoomDocument } from '../../lambda/core/types.js';
import type { SarifLog } from '../../lambda/render/sarif.js';
import { compliantRoom } from '../fixtures.js';
import { type Ran, ROOT, runBin } from './spawn.js';

/**
 * What a new user does: `aws ivschat get-room --identifier … > room.json`, then
 * `ivschat-audit audit --input room.json`. GetRoom has no loggingConfigurations (a live audit joins
 * them), so logging-active cannot be evaluated: a warning, and the exit code follows the findings.
 */
/** One `aws ivschat get-room` output, as the README shows it. */
const GET_ROOM = join(ROOT, 'examples/get-room.json');

/** The real CLI in a child process, as a user runs it. */
function ivschatAudit(...args: string[]): Promise<Ran> {
  return runBin(args, { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'plain-get-room-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value, null, 4));
  return path;
}

/** A room that breaks no policy, as get-room prints it (no joined facts). */
function plainCompliantRoom(): RoomDocument {
  const { loggingConfigurations: _, ...plain } = compliantRoom({ name: 'compliant' }, 'Compliant001');
  return plain as RoomDocument;
}

const WARNING = 'logging-active not evaluated on 1 room: it reads loggingConfigurations';

describe('audit --input on plain `aws ivschat get-room` output', () => {
  it('exits 0 for a compliant room and says in the text which policy was not evaluated and how to supply its facts', async () => {
    const run = await ivschatAudit('audit', '--input', write('room.json', plainCompliantRoom()));

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`WARNINGS (1)\n  ${WARNING}`);
    expect(run.stdout).toContain('ivschat-audit export-rooms');
    expect(run.stdout).toContain('1 room audited, 0 findings, 0 errors, 1 policy not evaluated\n');
    expect(run.stdout).not.toContain('incomplete');
  }, 60_000);

  it('exits 1 by its findings, and prints what the README shows for examples/get-room.json', async () => {
    const run = await ivschatAudit('audit', '--input', 'examples/get-room.json');

    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const shown = readme.match(
      /\$ npx ivschat-audit audit --input examples\/get-room\.json\n([\s\S]*?)\$ echo \$\?\n(\d+)\n/,
    );
    expect(shown?.[1]).toBe(run.stdout);
    expect(shown?.[2]).toBe(String(run.code));
  }, 60_000);

  it('is the single object get-room prints (keys as the API returns them)', () => {
    const room = JSON.parse(readFileSync(GET_ROOM, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(room)).toEqual([
      'arn',
      'id',
      'name',
      'createTime',
      'updateTime',
      'maximumMessageRatePerSecond',
      'maximumMessageLength',
      'messageReviewHandler',
      'tags',
      'loggingConfigurationIdentifiers',
    ]);
  });

  it('lists the policy under notEvaluated in --format json, complete, with the warning on stderr', async () => {
    const room = plainCompliantRoom();
    const run = await ivschatAudit('audit', '--format', 'json', '--input', write('room.json', room));

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.complete).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.notEvaluated).toEqual([
      { policyId: 'logging-active', reason: expect.stringContaining('export-rooms'), rooms: [room.arn] },
    ]);
    expect(run.stderr).toContain(`warning: ${WARNING}`);
  }, 60_000);

  it('has an empty notEvaluated in --format json when every policy was evaluated', async () => {
    const run = await ivschatAudit(
      'audit',
      '--format',
      'json',
      '--input',
      write('rooms.json', [compliantRoom()]),
    );

    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Report).notEvaluated).toEqual([]);
    expect(run.stderr).toBe('');
  }, 60_000);

  it('gives SARIF a warning tool-execution notification for the policy, and no result', async () => {
    const run = await ivschatAudit('audit', '--format', 'sarif', '--input', GET_ROOM);

    expect(run.code).toBe(1);
    const [sarifRun] = (JSON.parse(run.stdout) as SarifLog).runs;
    const invocation = sarifRun?.invocations[0];
    expect(invocation?.executionSuccessful).toBe(true);
    const rules = sarifRun?.tool.driver.rules.map((r) => r.id) ?? [];
    expect(invocation?.toolExecutionNotifications).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: { text: expect.stringContaining(WARNING) },
        associatedRule: { id: 'logging-active', index: rules.indexOf('logging-active') },
      }),
    ]);
    expect(sarifRun?.results.map((r) => r.ruleId)).toEqual(['message-length-max']);
  }, 60_000);

  it('gives ASFF no finding for the policy not evaluated', async () => {
    const run = await ivschatAudit('audit', '--format', 'asff', '--input', GET_ROOM);

    expect(run.code).toBe(1);
    const findings = JSON.parse(run.stdout) as { GeneratorId: string }[];
    expect(findings.map((f) => f.GeneratorId)).toEqual(['ivschat-auditor/message-length-max']);
    expect(run.stderr).toContain(`warning: ${WARNING}`);
  }, 60_000);

  it('warns on stderr when the text report goes to a file (-o)', async () => {
    const output = join(dir, 'report.txt');
    const run = await ivschatAudit('audit', '--input', GET_ROOM, '-o', output);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`warning: ${WARNING}`);
    expect(readFileSync(output, 'utf8')).toContain(`WARNINGS (1)\n  ${WARNING}`);
  }, 60_000);

  it('exits 3 (incomplete) with --strict', async () => {
    const input = write('room.json', plainCompliantRoom());
    const text = await ivschatAudit('audit', '--strict', '--input', input);
    const json = await ivschatAudit('audit', '--strict', '--format', 'json', '--input', input);

    expect(text.code).toBe(3);
    expect(text.stdout).toContain('audit incomplete: some policies were not evaluated (see warnings above)');
    expect(json.code).toBe(3);
    expect((JSON.parse(json.stdout) as Report).complete).toBe(false);
  }, 60_000);
});

describe('audit --policy / --skip-policy', () => {
  it('--skip-policy leaves the policy out: no warning, exit 0', async () => {
    const run = await ivschatAudit(
      'audit',
      '--skip-policy',
      'logging-active',
      '--input',
      write('room.json', plainCompliantRoom()),
    );

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('1 room audited, 0 findings, 0 errors\n');
  }, 60_000);

  it('--policy evaluates only the policies named (repeatable)', async () => {
    const run = await ivschatAudit(
      'audit',
      '--format',
      'json',
      '--policy',
      'message-rate-max',
      '--policy',
      'required-tags',
      '--input',
      'examples/rooms.json',
    );

    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.policiesEvaluated).toBe(2);
    expect(new Set(report.findings.map((f) => f.policyId))).toEqual(
      new Set(['message-rate-max', 'required-tags']),
    );
  }, 60_000);

  it('keeps the stored findings of the policies it did not evaluate (--state)', async () => {
    const state = join(dir, 'state.json');
    const all = await ivschatAudit('audit', '--input', 'examples/rooms.json', '--state', state);
    const one = await ivschatAudit(
      'audit',
      '--format',
      'json',
      '--policy',
      'message-rate-max',
      '--input',
      'examples/rooms.json',
      '--state',
      state,
    );

    expect(all.code).toBe(1);
    const report = JSON.parse(one.stdout) as Report;
    expect(report.findings.filter((f) => f.status === 'resolved')).toEqual([]);
    expect(report.findings.map((f) => [f.policyId, f.status])).toEqual([['message-rate-max', 'open']]);
    const stored = JSON.stringify(JSON.parse(readFileSync(state, 'utf8')));
    expect(stored).not.toContain('"resolved"');
  }, 60_000);

  it('refuses an unknown id (exit 2) and suggests the nearest one', async () => {
    const misspelt = await ivschatAudit('audit', '--policy', 'loging-active', '--input', GET_ROOM);
    const skip = await ivschatAudit('audit', '--skip-policy', 'no-such-policy', '--input', GET_ROOM);
    const remediate = await ivschatAudit(
      'remediate',
      '--region',
      'us-east-1',
      '--policy',
      'message-lenght-max',
    );

    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toMatch(
      /--policy: no policy "loging-active" in .*\(did you mean "logging-active"\?\)/,
    );
    expect(skip.code).toBe(2);
    expect(skip.stderr).toMatch(
      /--skip-policy: no policy "no-such-policy" in .*its policies: logging-active, /,
    );
    expect(remediate.code).toBe(2);
    expect(remediate.stderr).toContain('(did you mean "message-length-max"?)');
  }, 60_000);
});

describe('audit --input of a file with no rooms', () => {
  it('warns on stderr that nothing was audited, and exits 0', async () => {
    const input = write('empty.json', []);
    const run = await ivschatAudit('audit', '--input', input);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`warning: no rooms in ${input}: nothing was audited\n`);
    expect(run.stdout).toBe('0 rooms audited, 0 findings, 0 errors\n');
  }, 60_000);

  it('passes quietly on an export of regions that have no rooms', async () => {
    const run = await ivschatAudit(
      'audit',
      '--input',
      write('export.json', { rooms: [], regions: ['us-east-1'] }),
    );

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  }, 60_000);
});
