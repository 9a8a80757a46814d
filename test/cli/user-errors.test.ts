import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../lambda/core/types.js';
import { cli } from './run.js';

// What a user types wrong, and what the CLI answers: in the user's words, naming the flag, exit 2.
const ROOT = join(import.meta.dirname, '../..');
const ROOMS = join(ROOT, 'examples/rooms.json');
let dir: string;
let empty: string;
let blank: string;
let folder: string;
let missing: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'user-errors-'));
  empty = join(dir, 'empty.json');
  writeFileSync(empty, '');
  blank = join(dir, 'blank.json');
  writeFileSync(blank, ' \n\t\r\n');
  folder = join(dir, 'a-folder');
  mkdirSync(folder);
  missing = join(dir, 'missing.json');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('choices take any case, one rule for every option', () => {
  it('accepts `--format JSON` as `--fail-on HIGH` is accepted', async () => {
    const { code, stdout } = await cli('audit', '--input', ROOMS, '--format', 'JSON', '--fail-on', 'HIGH');
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as Report).roomsAudited).toBe(5);
  });

  it('accepts any case in every command, `policies diff --format MARKDOWN` too', async () => {
    const policies = join(ROOT, 'policies');
    const { code, stdout } = await cli(
      'policies',
      'diff',
      '--base',
      policies,
      '--head',
      policies,
      '--input',
      ROOMS,
      '--format',
      'MARKDOWN',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^### ivschat-audit policy preview/);
  });

  it('refuses a choice that is none of them, listing them', async () => {
    const { code, stderr } = await cli('audit', '--input', ROOMS, '--format', 'XML');
    expect(code).toBe(2);
    expect(stderr).toContain('Allowed choices are text, json, markdown, sarif, asff, ocsf, html (any case).');
  });

  it('`--fail-on none` never fails the run for findings (exit 0 with findings reported)', async () => {
    const { code, stdout } = await cli('audit', '--input', ROOMS, '--format', 'json', '--fail-on', 'None');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as Report).findings.length).toBeGreaterThan(0);
  });
});

describe('a file that is empty, a folder or missing is named with its flag, in words (exit 2)', () => {
  it.each([
    [
      '--input empty',
      () => ['audit', '--input', empty],
      () => `error: --input: ${empty}: the file is empty\n`,
    ],
    [
      // Whitespace only is empty too, in every reader: not the JSON parser's "expected a value".
      '--input whitespace only',
      () => ['audit', '--input', blank],
      () => `error: --input: ${blank}: the file is empty\n`,
    ],
    [
      '--state whitespace only',
      () => ['audit', '--input', ROOMS, '--state', blank],
      () =>
        `error: --state: ${blank} /: the file is empty; not a state file this tool wrote (delete it to start afresh)\n`,
    ],
    [
      '--plan whitespace only',
      () => ['remediate', '--apply', '--plan', blank],
      () => `error: --plan ${blank}: the file is empty; not a plan this tool wrote\n`,
    ],
    [
      '--input folder',
      () => ['audit', '--input', folder],
      () => `error: --input: ${folder}: it is a folder, not a file (EISDIR)\n`,
    ],
    [
      '--input missing',
      () => ['audit', '--input', missing],
      () => `error: --input: ${missing}: no such file (ENOENT)\n`,
    ],
    [
      '--policies missing',
      () => ['audit', '--input', ROOMS, '--policies', missing],
      () => `error: --policies: ${missing}: no such folder (ENOENT)\n`,
    ],
    [
      '--policies a file',
      () => ['audit', '--input', ROOMS, '--policies', empty],
      () => `error: --policies: ${empty}: it is a file, not a folder of policy files\n`,
    ],
    [
      '--state empty',
      () => ['audit', '--input', ROOMS, '--state', empty],
      () =>
        `error: --state: ${empty} /: the file is empty; not a state file this tool wrote (delete it to start afresh)\n`,
    ],
    [
      '--plan empty',
      () => ['remediate', '--apply', '--plan', empty],
      () => `error: --plan ${empty}: the file is empty; not a plan this tool wrote\n`,
    ],
    [
      '--plan folder',
      () => ['remediate', '--apply', '--plan', folder],
      () => `error: --plan ${folder}: it is a folder, not a file (EISDIR)\n`,
    ],
    [
      '--plan missing',
      () => ['remediate', '--apply', '--plan', missing],
      () => `error: --plan ${missing}: no such file (ENOENT)\n`,
    ],
    [
      '--trail missing',
      () => ['remediate', '--undo', 'chg-000000000000', '--trail', missing, '--region', 'us-east-1'],
      () =>
        `error: --trail ${missing}: no such file; --undo looks change chg-000000000000 up in the trail its --apply run wrote (pass that run's --trail)\n`,
    ],
    [
      '--trail folder',
      () => ['remediate', '--undo', 'chg-000000000000', '--trail', folder, '--region', 'us-east-1'],
      () => `error: --trail ${folder}: it is a folder, not a file (EISDIR)\n`,
    ],
  ])('%s', async (_name, argv, message) => {
    const { code, stdout, stderr } = await cli(...argv());
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: message() });
  });

  it('a trail that is not one says which line and what it should be', async () => {
    const trail = join(dir, 'bad.jsonl');
    writeFileSync(trail, 'garbage\n');
    const { code, stderr } = await cli('remediate', '--undo', 'chg-000000000000', '--trail', trail);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `error: --trail ${trail} line 1: not JSON; not a remediation trail (the JSONL file --apply writes, one change a line)\n`,
    );
  });

  it('an empty policy file is named as empty', async () => {
    const policies = join(dir, 'policies-empty-file');
    cpSync(join(ROOT, 'policies'), policies, { recursive: true });
    writeFileSync(join(policies, 'new-policy.json'), '');
    const { code, stderr } = await cli('policies', 'check', policies);
    expect(code).toBe(2);
    expect(stderr).toContain('new-policy.json /: the file is empty: a policy file holds one JSON object');
  });

  it.each(['check', 'test'])(
    '`policies %s <dir>` that is neither a folder nor a ref names what was typed, no internal label',
    async (command) => {
      const { code, stderr } = await cli('policies', command, 'nosuch-policies');
      expect({ code, stderr }).toEqual({
        code: 2,
        stderr: 'error: nosuch-policies is neither a folder nor a git ref known here (git fetch it first?)\n',
      });
    },
  );

  it('a policy file of whitespace only is named as empty', async () => {
    const policies = join(dir, 'policies-blank-file');
    cpSync(join(ROOT, 'policies'), policies, { recursive: true });
    writeFileSync(join(policies, 'new-policy.json'), '\n  \n');
    const { code, stderr } = await cli('policies', 'check', policies);
    expect(code).toBe(2);
    expect(stderr).toContain('new-policy.json /: the file is empty: a policy file holds one JSON object');
  });
});

describe('a malformed exemption date', () => {
  it('says what the date must look like, quoting it, at its JSON pointer', async () => {
    const policies = join(dir, 'policies-bad-date');
    cpSync(join(ROOT, 'policies'), policies, { recursive: true });
    const file = join(policies, 'message-length-max.json');
    const policy = JSON.parse(readFileSync(file, 'utf8'));
    policy.exemptions = [
      {
        rooms: ['arn:aws:ivschat:us-east-1:111111111111:room/AbCdEf123456'],
        reason: 'load test',
        expires: '31.12.2026',
      },
    ];
    writeFileSync(file, JSON.stringify(policy, null, 2));
    const { code, stderr } = await cli('audit', '--input', ROOMS, '--policies', policies);
    expect(code).toBe(2);
    expect(stderr).toContain(
      '/exemptions/0/expires: "31.12.2026" is not a date written YYYY-MM-DD (e.g. 2027-03-31)',
    );
    expect(stderr).not.toContain('must match pattern');
  });
});
