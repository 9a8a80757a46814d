import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyDiff, PolicyDiffEntry } from '../../lambda/audit/policy-diff.js';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import { renderDiffMarkdown, renderDiffText } from '../../lambda/render/policy-diff.js';
import { cliWith } from './run.js';

const ROOMS = join(import.meta.dirname, '..', 'fixtures', 'diff', 'rooms.json');
const HOSTILE_REMEDIATION =
  'Run <img src=x> [Approved by security](https://attacker.example/x) @octocat <!-- hide | x --> </details> {arn}';

let base: string;
let head: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'diff-base-'));
  head = mkdtempSync(join(tmpdir(), 'diff-head-'));
  cpSync(DEFAULT_POLICIES_DIR, base, { recursive: true });
  cpSync(DEFAULT_POLICIES_DIR, head, { recursive: true });
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
  rmSync(head, { recursive: true, force: true });
});

function edit(id: string, change: (policy: Record<string, unknown>) => void): void {
  const file = join(head, `${id}.json`);
  const policy = JSON.parse(readFileSync(file, 'utf8'));
  change(policy);
  writeFileSync(file, JSON.stringify(policy, null, 2));
}

const diff = (format: string) =>
  cliWith(['policies', 'diff', '--base', base, '--head', head, '--input', ROOMS, '--format', format], {
    clock: () => new Date('2026-11-26T12:00:00.000Z'),
  });

describe('policies diff: a new remediation text or fix is shown, though nothing more is found', () => {
  beforeEach(() => {
    edit('message-rate-max', (p) => {
      p.remediation = HOSTILE_REMEDIATION;
    });
    edit('message-length-max', (p) => {
      p.fix = { set: { maximumMessageLength: 100 } };
    });
  });

  it('json: the entries stay unchanged in what they find and list the edits', async () => {
    const { code, stdout } = await diff('json');
    expect(code).toBe(0);
    const entries = (JSON.parse(stdout) as PolicyDiff).policies;
    const entry = (id: string) => entries.find((p) => p.id === id);
    expect(entry('message-rate-max')).toMatchObject({
      change: 'unchanged',
      edits: [{ field: 'remediation', after: HOSTILE_REMEDIATION }],
    });
    expect(entry('message-length-max')).toMatchObject({
      change: 'unchanged',
      edits: [
        {
          field: 'fix',
          before: { set: { maximumMessageLength: 200 } },
          after: { set: { maximumMessageLength: 100 } },
        },
      ],
    });
    expect(entry('logging-required')?.edits).toBeUndefined();
  });

  it('text: says which policy had what edited, before and after, without control characters', async () => {
    const { code, stdout } = await diff('text');
    expect(code).toBe(0);
    expect(stdout).toMatch(/message-length-max +fix edited +\d+ -> \d+/);
    expect(stdout).toContain(
      'message-length-max: fix edited\n  before: {"set":{"maximumMessageLength":200}}\n  after:  {"set":{"maximumMessageLength":100}}',
    );
    expect(stdout).toContain(`message-rate-max: remediation edited\n`);
  });

  it('markdown: no longer "No policy changes"; the table and a section show the edit, escaped', async () => {
    const { code, stdout } = await diff('markdown');
    expect(code).toBe(0);
    expect(stdout).not.toContain('No policy changes');
    expect(stdout).toMatch(/\| message-rate-max \| remediation edited \| \d+ → \d+ \| \+0 \| −0 \|/);
    expect(stdout).toMatch(/\| message-length-max \| fix edited \|/);
    expect(stdout).toContain('<details><summary>message-rate-max: remediation edited</summary>');
    // The attacker's markup shows as text: no tag, link, mention, comment or cell break forms.
    const ownTags = /<\/?(details|summary)>/g;
    expect(stdout.replace(ownTags, '')).not.toMatch(/[<>@|]\S/);
    expect(stdout).not.toContain('](http');
    expect(stdout).toContain('&lt;img src=x&gt;');
    expect(stdout.match(/<details>/g)?.length).toBe(stdout.match(/<\/details>/g)?.length);
  });
});

describe('renderDiffMarkdown: fields a renderer does not trust', () => {
  const forged: PolicyDiffEntry = {
    id: 'evil',
    change: 'added <img src=x>' as PolicyDiffEntry['change'],
    severity: 'high** <img src=x> @octocat' as PolicyDiffEntry['severity'],
    before: 0,
    after: 1,
    newlyFailing: [
      {
        roomArn: 'arn:aws:ivschat:us-east-1:111111111111:room/AAAAAAAAAAAA',
        roomName: 'r',
        accountId: '111111111111 | @acme/team',
        region: 'us-east-1 <!--',
        severity: 'critical <details open>' as PolicyDiffEntry['severity'],
        message: 'm',
      },
    ],
    noLongerFailing: [],
  };
  const report: PolicyDiff = {
    version: '1.0',
    base: 'base',
    head: 'head',
    roomsEvaluated: 1,
    policies: [forged],
    totals: {
      before: 0,
      after: 1,
      newlyFailing: 1,
      noLongerFailing: 0,
      bySeverity: {
        ['high <img src=x>' as 'high']: { before: 0, after: 1, newlyFailing: 1, noLongerFailing: 0 },
      },
      byAccount: {},
    },
    guard: { tripped: [] },
    errors: [],
  };

  it('prints no severity, change or account word as markup', () => {
    const markdown = renderDiffMarkdown(report);
    expect(markdown.replace(/<\/?(details|summary)>/g, '')).not.toMatch(/[<>@]/);
    expect(markdown).toContain('**unknown**');
    for (const row of markdown.split('\n').filter((l) => l.startsWith('|'))) {
      expect(row.split('|').length - 1).toBe(6);
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(renderDiffText(report)).not.toMatch(/[\u0000-\u0008\u000b-\u001f]|<img src=x> @octocat/);
  });

  it('cuts a long remediation text in the comment, so a pull request cannot push the comment past its limit', () => {
    const long: PolicyDiffEntry = {
      ...forged,
      change: 'unchanged',
      severity: 'high',
      newlyFailing: [],
      edits: [{ field: 'remediation', before: 'short', after: 'x'.repeat(500_000) }],
    };
    const markdown = renderDiffMarkdown({ ...report, policies: [long] });
    expect(markdown.length).toBeLessThan(5_000);
    expect(markdown).toMatch(/Remediation after: x{1990,}…\n/);
  });
});
