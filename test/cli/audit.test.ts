import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding, Report, RoomDocument } from '../../lambda/core/types.js';
import type { ShownReport } from '../../lambda/render/remediation.js';
import { compliantRoom } from '../fixtures.js';
import { shapeProblems } from '../render/asff-shape.js';
import { cli } from './run.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function roomsFile(rooms: unknown): string {
  const path = join(dir, 'rooms.json');
  writeFileSync(path, JSON.stringify(rooms));
  return path;
}

const rooms: RoomDocument[] = [
  compliantRoom({ name: 'length-200', maximumMessageLength: 200 }, 'Len200'),
  compliantRoom({ name: 'length-201', maximumMessageLength: 201 }, 'Len201'),
  compliantRoom(
    {
      name: 'deny',
      messageReviewHandler: {
        uri: 'arn:aws:lambda:us-east-1:123456789012:function:r',
        fallbackResult: 'DENY',
      },
    },
    'Deny',
  ),
  compliantRoom(
    {
      name: 'allow',
      messageReviewHandler: {
        uri: 'arn:aws:lambda:us-east-1:123456789012:function:r',
        fallbackResult: 'ALLOW',
      },
    },
    'Allow',
  ),
  compliantRoom({ name: 'no-logging', loggingConfigurationIdentifiers: [] }, 'NoLog'),
];

describe('ivschat-audit audit --input', () => {
  it('flags exactly the rooms that break the starter policies and exits 1', async () => {
    const { code, stdout } = await cli('audit', '--input', roomsFile(rooms), '--format', 'json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as Report;
    expect(report).toMatchObject({ roomsAudited: 5, policiesEvaluated: 7, complete: true, errors: [] });
    const flagged = report.findings.map((f: Finding) => [f.roomName, f.policyId, f.actual]);
    expect(flagged).toEqual(
      expect.arrayContaining([
        ['length-201', 'message-length-max', 201],
        ['allow', 'review-handler-fallback-deny', 'ALLOW'],
        ['no-logging', 'logging-required', []],
      ]),
    );
    expect(flagged).toHaveLength(3);
    for (const f of (report as unknown as ShownReport).findings) {
      expect(f.remediation).not.toMatch(/\{(arn|name|region)\}/);
      expect(f.remediation).toContain(f.roomArn);
      expect(f).not.toHaveProperty('remediationTemplate');
    }
  });

  it('exits 0 with an empty findings list for compliant rooms', async () => {
    const { code, stdout } = await cli(
      'audit',
      '--input',
      roomsFile([rooms[0], rooms[2]]),
      '--format',
      'json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout).findings).toEqual([]);
  });

  it('exits 0 when every finding is below --fail-on', async () => {
    const { code } = await cli('audit', '--input', roomsFile([rooms[1]]), '--fail-on', 'high');
    expect(code).toBe(0);
    expect((await cli('audit', '--input', roomsFile([rooms[3]]), '--fail-on', 'high')).code).toBe(1);
  });

  it('prints readable text grouped by severity with a summary line', async () => {
    const { stdout } = await cli('audit', '--input', roomsFile(rooms));
    expect(stdout.indexOf('HIGH')).toBeLessThan(stdout.indexOf('MEDIUM'));
    expect(stdout).toContain('length-201 (us-east-1)  maximumMessageLength is 201; must be ≤ 200');
    expect(stdout).toMatch(/5 rooms audited, 3 findings \(1 high, 2 medium\), 0 errors/);
  });

  it('writes SARIF 2.1.0 with one rule per policy and the room ARN as location', async () => {
    const { stdout } = await cli('audit', '--input', roomsFile(rooms), '--format', 'sarif');
    const sarif = JSON.parse(stdout);
    expect(sarif.version).toBe('2.1.0');
    // The tool's own version, not the report format's.
    expect(sarif.runs[0].tool.driver.version).toBe(
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    );
    expect(sarif.runs[0].tool.driver.rules).toHaveLength(7);
    expect(sarif.runs[0].results).toHaveLength(3);
    expect(JSON.stringify(sarif.runs[0].results)).toContain(rooms[1]?.arn);
  });

  it('writes --format asff: one Security Hub finding per finding, valid against the service model', async () => {
    const { code, stdout } = await cli('audit', '--input', roomsFile(rooms), '--format', 'asff');
    expect(code).toBe(1);
    const findings = JSON.parse(stdout) as Record<string, unknown>[];
    expect(findings).toHaveLength(3);
    for (const finding of findings) expect(shapeProblems(finding, 'AwsSecurityFinding')).toEqual([]);
    expect(findings.map((f) => f.RecordState)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    expect(JSON.stringify(findings)).toContain(rooms[1]?.arn);
  });

  it('archives in --format asff what a run with --state resolved', async () => {
    const state = join(dir, 'state.json');
    await cli('audit', '--input', roomsFile([rooms[1]]), '--state', state);
    const fixed = compliantRoom({ name: 'length-201', maximumMessageLength: 200 }, 'Len201');
    const { stdout } = await cli(
      'audit',
      '--input',
      roomsFile([fixed]),
      '--state',
      state,
      '--format',
      'asff',
    );
    const findings = JSON.parse(stdout) as { RecordState: string; Compliance: { Status: string } }[];
    expect(findings).toEqual([
      expect.objectContaining({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } }),
    ]);
  });

  it('shows new → open → resolved across runs with --state', async () => {
    const state = join(dir, 'state.json');
    const input = roomsFile([rooms[1]]);
    const statuses = async () => {
      const { stdout } = await cli('audit', '--input', input, '--state', state, '--format', 'json');
      return (JSON.parse(stdout) as Report).findings.map((f) => f.status);
    };
    expect(await statuses()).toEqual(['new']);
    expect(await statuses()).toEqual(['open']);
    writeFileSync(input, JSON.stringify([{ ...rooms[1], maximumMessageLength: 150 }]));
    expect(await statuses()).toEqual(['resolved']);
    expect(await statuses()).toEqual([]);
  });

  it('treats every finding as new without --state', async () => {
    const input = roomsFile([rooms[1]]);
    await cli('audit', '--input', input, '--format', 'json');
    const { stdout } = await cli('audit', '--input', input, '--format', 'json');
    expect((JSON.parse(stdout) as Report).findings.map((f) => f.status)).toEqual(['new']);
  });

  it('writes the report to --output', async () => {
    const out = join(dir, 'report.json');
    const { stdout } = await cli('audit', '--input', roomsFile(rooms), '--format', 'json', '--output', out);
    expect(stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).roomsAudited).toBe(5);
  });
});

describe('ivschat-audit bad input', () => {
  it('exits 2 for a rooms file that is not JSON', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '[{');
    const { code, stderr } = await cli('audit', '--input', path);
    expect(code).toBe(2);
    expect(stderr).toContain('bad.json /0: not valid JSON at line 1, column 3');
  });

  it('exits 2 for a room without an arn, naming its index', async () => {
    const { code, stderr } = await cli('audit', '--input', roomsFile([rooms[0], { name: 'x' }]));
    expect(code).toBe(2);
    expect(stderr).toContain('rooms.json /1: a room document must be an object with a string "arn"');
  });

  it('exits 2 for a missing rooms file, naming --input', async () => {
    const missing = join(dir, 'missing.json');
    const { code, stderr } = await cli('audit', '--input', missing);
    expect(code).toBe(2);
    expect(stderr).toBe(`error: --input: ${missing}: no such file (ENOENT)\n`);
  });

  it('says so when --state is the --input file, leaving it as it was', async () => {
    const input = roomsFile(rooms);
    const before = readFileSync(input, 'utf8');
    const { code, stderr } = await cli('audit', '--input', input, '--state', input);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `error: --state: ${input} is the --input file; the state file is this tool's own (give it another name)\n`,
    );
    expect(readFileSync(input, 'utf8')).toBe(before);
  });

  it("reads --api-budget with the deployed setting's rule (0.1 to 5; more only with --endpoint)", async () => {
    for (const command of [
      ['audit', '--input', roomsFile(rooms)],
      ['export-rooms', '-o', join(dir, 'x.json')],
    ]) {
      for (const bad of ['0', '0.05', '1e3', 'abc', '-1', '0x4']) {
        const { code, stderr } = await cli(...command, '--region', 'us-east-1', '--api-budget', bad);
        expect(code).toBe(2);
        expect(stderr).toContain("option '--api-budget <tps>' argument");
        expect(stderr).toContain('a number between 0.1 and 5');
      }
    }
    const aboveQuota = await cli('audit', '--region', 'us-east-1', '--api-budget', '9');
    expect(aboveQuota.code).toBe(2);
    expect(aboveQuota.stderr).toContain('--api-budget: 9 is above the IVS Chat quota of 5');
    expect((await cli('audit', '--input', roomsFile(rooms), '--api-budget', '0.5')).code).toBe(1);
  });

  it('exits 2 for an unknown format or severity', async () => {
    expect((await cli('audit', '--input', roomsFile(rooms), '--format', 'xml')).code).toBe(2);
    const { code, stderr } = await cli('audit', '--input', roomsFile(rooms), '--fail-on', 'urgent');
    expect(code).toBe(2);
    expect(stderr).toContain('Allowed choices are critical, high, medium, low, info');
  });

  it('reads --renotify-after-hours with the same rules as the deployed setting', async () => {
    for (const bad of ['1.5', '0', '1e3', '9000']) {
      const { code, stderr } = await cli('audit', '--input', roomsFile(rooms), '--renotify-after-hours', bad);
      expect(code).toBe(2);
      expect(stderr).toContain("option '--renotify-after-hours <hours>' argument");
      expect(stderr).toContain('a whole number between 1 and 8760');
    }
    expect((await cli('audit', '--input', roomsFile(rooms), '--renotify-after-hours', '48')).code).toBe(1);
  });

  it('exits 2 for a live audit without a region', async () => {
    const { code, stderr } = await cli('audit');
    expect(code).toBe(2);
    expect(stderr).toContain('--region: no region given');
  });

  it('exits 2 for a --publish value that is not a topic ARN', async () => {
    const { code, stderr } = await cli('audit', '--input', roomsFile(rooms), '--publish', 'my-topic');
    expect(code).toBe(2);
    expect(stderr).toContain('--publish: not an SNS topic ARN');
  });
});

describe('ivschat-audit --help', () => {
  it.each([[[]], [['audit']], [['policies']], [['policies', 'check']], [['policies', 'test']]])(
    'explains %j',
    async (args) => {
      const { code, stdout } = await cli(...args, '--help');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: ivschat-audit/);
    },
  );

  it('says how long a live run needs, that --timeout defaults to an hour, and that --state resumes', async () => {
    const audit = (await cli('audit', '--help')).stdout.replace(/\s+/g, ' ');
    expect(audit).toContain('(default: 3600)');
    expect(audit).toContain('(rooms in the largest region) ÷ --api-budget seconds');
    expect(audit).toContain('continues where it stopped');
    const exportHelp = (await cli('export-rooms', '--help')).stdout.replace(/\s+/g, ' ');
    expect(exportHelp).toContain('(default: 3600)');
    expect(exportHelp).toContain('(rooms in the largest region) ÷ --api-budget seconds');
  });

  it('lists the shapes --input accepts', async () => {
    const help = (await cli('audit', '--help')).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      'a JSON array of them, { "rooms": [...] } (what export-rooms writes), or one get-room document',
    );
  });

  it('lists the exit codes and audit examples', async () => {
    expect((await cli('--help')).stdout).toContain('Exit codes: 0 clean');
    expect((await cli('audit', '--help')).stdout).toContain('--input rooms.json --format json');
  });
});
