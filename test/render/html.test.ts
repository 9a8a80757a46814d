import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../lambda/cli/report-output.js';
import { escapeHtml, jsonForHtml } from '../../lambda/render/escape.js';
import { HTML_CSP, renderHtml } from '../../lambda/render/html.js';
import { joinParts, terminalSafe } from '../../lambda/render/terminal.js';
import { demoReport } from './demo-report.js';
import { HOSTILE, HOSTILE_LINES, hasControlChars, makeFinding, makeReport } from './fixtures.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Every start tag of the page: escaped text holds no `<`, so these are all the markup there is. */
const tags = (html: string) => html.match(/<[a-zA-Z][^>]*>/g) ?? [];
/** A start tag's attribute names: its quoted values (escaped, so no `"` inside) blanked first. */
const attributeNames = (tag: string) => tag.replace(/"[^"]*"/g, '""').match(/\s[a-zA-Z:-]+(?==)/g) ?? [];

/** The text between the first `<tag…>` and its `</tag>`. */
function inner(html: string, open: string, close: string): string {
  const start = html.indexOf(open);
  expect(start, open).toBeGreaterThanOrEqual(0);
  const from = start + open.length;
  return html.slice(from, html.indexOf(close, from));
}

describe('escapeHtml and jsonForHtml', () => {
  it('escapeHtml leaves no character that could open a tag, end an attribute or start an entity', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    const escaped = escapeHtml(`${HOSTILE}${HOSTILE_LINES}`);
    expect(escaped).not.toMatch(/[<>"']/);
    expect(hasControlChars(escaped)).toBe(false);
  });

  it('jsonForHtml cannot close its script block, and parses back to the same value', () => {
    const value = { s: '</script><script>alert(1)</script><!-- & \u2028', n: 1 };
    const json = jsonForHtml(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it("neither writes the CI runner's ##[ command, and both read back as ##[", () => {
    expect(escapeHtml('v##[error]x')).toBe('v##&#91;error]x');
    const value = { s: '##[error]x', list: [1, ['##']] };
    const json = jsonForHtml(value);
    expect(json).not.toContain('##[');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('Function: renderHtml', () => {
  const { report, resolved } = demoReport();
  const html = renderHtml(
    { ...report, findings: [...report.findings, ...resolved] },
    { toolVersion: '0.1.0' },
  );

  it('forbids every request by its CSP, and allows only its own inline style and script by hash', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">`);
    expect(HTML_CSP).toMatch(/^default-src 'none'; /);
    expect(HTML_CSP).not.toContain('unsafe');
    expect(HTML_CSP).toContain(`style-src ${sha256(inner(html, '<style>', '</style>'))}`);
    expect(HTML_CSP).toContain(`script-src ${sha256(inner(html, '<script>', '</script>'))}`);
    expect(HTML_CSP).toContain("base-uri 'none'; form-action 'none'");
  });

  it('refers to nothing outside itself: no src, href, url() or @import; the only URL is the SVG namespace', () => {
    const names = new Set(
      tags(html)
        .flatMap(attributeNames)
        .map((n) => n.trim().toLowerCase()),
    );
    for (const name of ['src', 'href', 'srcset', 'action', 'poster', 'xlink:href', 'style']) {
      expect(names).not.toContain(name);
    }
    expect(inner(html, '<style>', '</style>')).not.toMatch(/url\(|@import/i);
    // Room data may hold URLs as text (a seeded tag does); no tag carries one but the SVG namespace.
    const urls = tags(html).flatMap((tag) => tag.match(/[a-z]+:\/\/[^\s"'<]*/gi) ?? []);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('holds one table row and one JSON entry per finding, the resolved ones included', () => {
    const rows = html.match(/<tr data-i="/g) ?? [];
    expect(rows).toHaveLength(report.findings.length + resolved.length);
    const data = JSON.parse(
      inner(html, '<script type="application/json" id="report-data">', '</script>'),
    ) as {
      findings: { i: number; policyId: string }[];
    };
    expect(data.findings.map((f) => f.i)).toEqual(rows.map((_, i) => i));
  });

  it('renders hostile room data as inert text in cells, charts and the JSON block', () => {
    const evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
    const page = renderHtml(
      makeReport({
        findings: [
          makeFinding({ roomName: evil, message: `${HOSTILE_LINES}${evil}`, policyId: evil, region: evil }),
          makeFinding({
            status: 'exempt',
            exemption: { reason: evil, expires: '2099-01-01', expired: false },
          }),
        ],
        errors: [{ region: evil, operation: 'GetRoom', code: evil, message: evil }],
        notEvaluated: [{ policyId: evil, reason: evil, rooms: [evil] }],
      }),
      { toolVersion: evil },
    );
    expect(page.match(/<script/g)).toHaveLength(2);
    expect(page).not.toMatch(/<img|<\/script><script>alert/);
    expect(
      tags(page)
        .flatMap(attributeNames)
        .filter((name) => /^\s*on/i.test(name)),
    ).toEqual([]);
    expect(hasControlChars(page, { allowNewline: true })).toBe(false);
    expect(page).toContain(
      '&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;',
    );
  });

  it('caps the exemptions and errors tables at maxRows too, saying how many are left out', () => {
    const findings = Array.from({ length: 5 }, (_, i) =>
      makeFinding({ status: 'exempt', roomName: `exempt-${i}`, exemption: { reason: 'ok', expired: false } }),
    );
    const errors = Array.from({ length: 4 }, (_, i) => ({
      region: 'us-east-1',
      roomArn: `arn:aws:ivschat:us-east-1:111111111111:room/err${i}`,
      operation: 'GetRoom',
      code: 'Throttled',
      message: 'slow',
    }));
    const page = renderHtml(makeReport({ findings, errors, complete: false }), {
      toolVersion: '1',
      maxRows: 2,
    });
    expect(page).toContain('Exemptions (5)');
    expect(page).toContain('3 more exemptions are not listed here: the table holds at most 2.');
    expect(page).toContain('Errors (4)');
    expect(page).toContain('2 more errors are not listed here: the table holds at most 2.');
    expect(page).toContain('room/err1');
    expect(page).not.toContain('room/err2');
    const whole = renderHtml(makeReport({ findings, errors, complete: false }), { toolVersion: '1' });
    expect(whole).not.toContain('more exemptions are not listed');
    expect(whole).not.toContain('more errors are not listed');
    expect(whole).toContain('room/err3');
  });

  it('lists at most maxRows findings, the failing and most severe first, and says how many are left out', () => {
    const findings = [
      makeFinding({ severity: 'low', status: 'resolved', roomName: 'fixed' }),
      makeFinding({ severity: 'critical', status: 'exempt', roomName: 'exempted' }),
      makeFinding({ severity: 'low', status: 'new', roomName: 'minor' }),
      makeFinding({ severity: 'critical', status: 'open', roomName: 'worst' }),
      makeFinding({ severity: 'high', status: 'new', roomName: 'bad' }),
    ];
    const page = renderHtml(makeReport({ findings }), { toolVersion: '1', maxRows: 3 });
    const rooms = [...page.matchAll(/<tr data-i="\d+"[^>]*>(?:<td[^>]*>[^<]*<\/td>){3}<td>([^<]*)</g)].map(
      (m) => m[1],
    );
    expect(rooms).toEqual(['worst', 'bad', 'minor']);
    expect(page).toContain('<h2>Findings (5)</h2>');
    expect(page).toContain('2 more findings are not listed here: the table holds at most 3');
    expect(page).toContain('<span id="shown">3</span> of 3 shown');
    // The totals still count every failing finding.
    expect(page).toContain('<h2>Failing findings: 3</h2>');
    expect(renderHtml(makeReport({ findings }), { toolVersion: '1' })).not.toContain('id="not-listed"');
  });

  it('is written as rendered, to a file and to stdout: ##[ in room data shows as ##[, the CSP hashes hold', async () => {
    const room = 'lobby ##[error]boom';
    const { report: base } = demoReport();
    const report = makeReport({
      findings: [makeFinding({ roomName: room, message: `: ${room}` }), ...base.findings],
    });
    const dir = mkdtempSync(join(tmpdir(), 'html-report-'));
    const file = join(dir, 'report.html');
    let stdout = '';
    const options = { format: 'html' as const, color: false, policies: [], toolVersion: 'v##[x' };
    await writeReport(report, [], { ...options, output: file, stdout: () => undefined });
    await writeReport(report, [], {
      ...options,
      // The CLI's stdout sanitizes what it writes (terminalIo): the page must pass it unchanged.
      stdout: (parts) => {
        stdout += terminalSafe(joinParts(parts));
      },
    });
    const page = readFileSync(file, 'utf8');
    expect(page).toBe(renderHtml(report, { toolVersion: 'v##[x' }));
    expect(stdout).toBe(page);
    expect(page).not.toContain('\\u005b');
    expect(page).not.toContain('##[');
    expect(page).toContain('lobby ##&#91;error]boom');
    expect(page).toContain('Written by ivschat-auditor v##&#91;x');
    const data = JSON.parse(
      inner(page, '<script type="application/json" id="report-data">', '</script>'),
    ) as {
      findings: Record<string, unknown>[];
    };
    expect(data.findings.filter((f) => f.room === room)).toHaveLength(1);
    expect(HTML_CSP).toContain(`style-src ${sha256(inner(page, '<style>', '</style>'))}`);
    expect(HTML_CSP).toContain(`script-src ${sha256(inner(page, '<script>', '</script>'))}`);
  });

  it('says so when there is nothing to list', () => {
    const page = renderHtml(makeReport(), { toolVersion: '1' });
    expect(page).toContain('<h2>Failing findings: 0</h2>');
    expect(page).toContain('No finding is exempt.');
    expect(page).toContain('No errors: every listed room was checked.');
    expect(page).toContain('Every policy was evaluated on every room.');
    expect(page).not.toContain('id="incomplete"');
  });
});
