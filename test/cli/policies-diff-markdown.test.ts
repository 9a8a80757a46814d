import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiffRoom, PolicyDiff } from '../../lambda/audit/policy-diff.js';
import { escapeGitHubMarkdown } from '../../lambda/render/github-markdown.js';
import { MARKDOWN_ROOMS_PER_LIST, renderDiffMarkdown } from '../../lambda/render/policy-diff.js';
import { cliWith } from './run.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'diff');

/** Tag values and room names as an attacker who can create a room would write them. */
const HOSTILE = [
  '@octocat please look',
  '@org/team',
  'boss@example.com',
  '<img src=x onerror=alert(1)>',
  '</details><script>alert(1)</script>',
  '<!-- hidden -->',
  '[click here](https://evil.example/phish)',
  '![x](https://evil.example/pixel.png)',
  'https://evil.example',
  'www.evil.example',
  'mailto:boss@example.com',
  'javascript:alert(1)',
  'a | b | c',
  '\\| escaped pipe',
  'line1\nline2\n\n# heading\n| x | y |',
  '#1 and org/repo#2',
  '`code` **bold** _it_ ~~gone~~',
  '$\\color{red}{x}$',
  '&lt;b&gt; &#124; &#64;octocat',
  'rtl \u202eevil\u202c',
];

describe('escapeGitHubMarkdown: untrusted room data in a pull-request comment', () => {
  it.each(HOSTILE)('makes %j inert', (value) => {
    const escaped = escapeGitHubMarkdown(value);
    // No HTML, link, image, emphasis, code, mention, reference, cell break, escape or math syntax.
    expect(escaped).not.toMatch(/[<>*_~`[\]@#|\\$]/);
    expect(escaped).not.toContain('://');
    expect(escaped).not.toMatch(/(^|[^A-Za-z0-9-])(mailto|javascript):/i);
    expect(escaped).not.toMatch(/www\./i);
    expect(escaped).not.toMatch(/[\n\r\u202e]/);
    // An entity the attacker wrote shows as written, it does not decode into a character.
    expect(escaped).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });

  it('keeps harmless text readable', () => {
    expect(escapeGitHubMarkdown('maximumMessageLength is 500; must be ≤ 200')).toBe(
      'maximumMessageLength is 500; must be ≤ 200',
    );
    expect(escapeGitHubMarkdown('team-chat (eu-west-1)')).toBe('team-chat (eu-west-1)');
  });
});

describe('policies diff --format markdown', () => {
  async function fixtureComment(): Promise<string> {
    const { code, stdout, stderr } = await cliWith(
      [
        'policies',
        'diff',
        '--base',
        join(FIXTURES, 'base'),
        '--head',
        join(FIXTURES, 'head'),
        '--input',
        join(FIXTURES, 'rooms.json'),
        '--format',
        'markdown',
      ],
      { clock: () => new Date('2026-11-26T12:00:00.000Z') },
    );
    expect([code, stderr]).toEqual([0, '']);
    return stdout;
  }

  it('renders the fixture fleet, hostile tags and room names included, with no live markup', async () => {
    const comment = await fixtureComment();
    // The only HTML is the renderer's own collapsible sections, balanced.
    const ownTags = /<\/?(details|summary)>/g;
    expect(comment.match(/<details>/g)?.length).toBe(comment.match(/<\/details>/g)?.length);
    expect(comment.replace(ownTags, '')).not.toMatch(/[<>]/);
    // No mention, link, image, code or issue reference from room data; the heading is the only #.
    expect(comment).not.toContain('@');
    expect(comment).not.toContain('://');
    expect(comment).not.toMatch(/\]\(|`/);
    expect(comment.split('\n').filter((line) => line.includes('#'))).toEqual([
      '### ivschat-audit policy preview',
    ]);
    // Every table row keeps its five cells: a `|` in a tag value does not break out.
    const rows = comment.split('\n').filter((line) => line.startsWith('|'));
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.split('|').length - 1).toBe(6);
    // Still there for the reviewer, as text.
    expect(comment).toContain('［click here］(https［:］//evil.example/phish)');
    expect(comment).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('leads with one table of the policies the change touches', async () => {
    const comment = await fixtureComment();
    expect(comment).toContain(
      [
        '| Policy | Change | Findings | New | Fixed |',
        '| --- | --- | --- | ---: | ---: |',
        '| env-tag-known | added | 0 → 3 | +3 | −0 |',
        '| required-tags | removed | 4 → 0 | +0 | −4 |',
        '| message-length-max | changed, remediation edited | 3 → 9 | +6 | −0 |',
        '| review-handler-fallback-deny | changed | 4 → 3 | +0 | −1 |',
        '| **Total** | | 13 → 17 | +9 | −5 |',
      ].join('\n'),
    );
    expect(comment).toContain('Unchanged: message-rate-max.');
  });

  it('lists at most a few rooms per policy and counts the rest', () => {
    const room = (i: number): DiffRoom => ({
      roomArn: `arn:aws:ivschat:us-east-1:123456789012:room/Room${String(i).padStart(8, '0')}`,
      roomName: `room-${i}`,
      accountId: '123456789012',
      region: 'us-east-1',
      severity: 'medium',
      message: 'maximumMessageLength is 500; must be ≤ 150',
    });
    const newlyFailing = Array.from({ length: MARKDOWN_ROOMS_PER_LIST + 3 }, (_, i) => room(i));
    const counts = {
      before: 0,
      after: newlyFailing.length,
      newlyFailing: newlyFailing.length,
      noLongerFailing: 0,
    };
    const diff: PolicyDiff = {
      version: '1.0',
      base: 'origin/main:policies/',
      head: 'policies',
      roomsEvaluated: newlyFailing.length,
      policies: [
        {
          id: 'message-length-max',
          change: 'changed',
          severity: 'medium',
          ...counts,
          newlyFailing,
          noLongerFailing: [],
        },
      ],
      totals: { ...counts, bySeverity: { medium: counts }, byAccount: { '123456789012': counts } },
      guard: { tripped: [] },
      errors: [],
    };
    const comment = renderDiffMarkdown(diff);
    expect(comment.match(/^- \*\*medium\*\* room-/gm)?.length).toBe(MARKDOWN_ROOMS_PER_LIST);
    expect(comment).toContain('- … and 3 more');
  });

  it('says in the comment when a guard tripped', async () => {
    const { code, stdout } = await cliWith([
      'policies',
      'diff',
      '--base',
      join(FIXTURES, 'base'),
      '--head',
      join(FIXTURES, 'head'),
      '--input',
      join(FIXTURES, 'rooms.json'),
      '--format',
      'markdown',
      '--max-new',
      '2',
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      '> [!CAUTION]\n> **Guard tripped:** the change would newly fail 9 findings, more than --max-new 2',
    );
  });
});

describe('README "Changing a policy"', () => {
  it('shows the comment the command prints on the fixture fleet', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const sample =
      /<!-- policy-preview-sample:start -->\n````markdown\n([\s\S]*?)````\n<!-- policy-preview-sample:end -->/.exec(
        readme,
      )?.[1];
    // The labels in the comment are the paths as typed, relative to the repository.
    const fixture = (name: string) => relative(process.cwd(), join(FIXTURES, name));
    const { code, stdout } = await cliWith(
      [
        'policies',
        'diff',
        '--base',
        fixture('base'),
        '--head',
        fixture('head'),
        '--input',
        fixture('rooms.json'),
        '--format',
        'markdown',
      ],
      { clock: () => new Date('2026-11-26T12:00:00.000Z') },
    );
    expect(code).toBe(0);
    expect(sample).toBe(stdout);
  });
});
