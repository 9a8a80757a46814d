/**
 * `--format html` rendered by a real browser: Debian's chromium, headless, driven by playwright-core.
 * The report of the demo rooms (with a hostile room) is written as the CLI writes it, opened from
 * file://, and checked in the DOM: the totals match the report, the filter and the sort work, the
 * room data full of markup stays text, and the page makes no request at all. A screenshot is left in
 * test-artifacts/report.png (git-ignored; docs/report.png is a copy of it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countBySeverity, openInReport } from '../../lambda/alert/alert.js';
import { writeReport } from '../../lambda/cli/report-output.js';
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../../lambda/core/types.js';
import { demoReport, HOSTILE_ROOM_NAME, MARKUP_TAG } from './demo-report.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `SKIPPED the HTML report browser test: ${CHROMIUM} is absent (install it: apt-get install -y chromium)`,
  );
}

const { report, resolved } = demoReport();
const all = [...report.findings, ...resolved];
let scratch: string;
let context: BrowserContext;
let page: Page;
let pageUrl: string;
const requests: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  scratch = mkdtempSync(join(tmpdir(), 'html-report-'));
  const file = join(scratch, 'report.html');
  await writeReport(report, resolved, {
    format: 'html',
    output: file,
    stdout: () => undefined,
    color: false,
    policies: [],
    toolVersion: '0.1.0',
  });
  pageUrl = pathToFileURL(file).href;
  context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  context.on('request', (request) => requests.push(request.url()));
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
});

// Every test starts on a freshly loaded page: the filter and the sort order of one test never
// reach the next, so the tests hold in any order and one alone (`-t`).
beforeEach(async () => {
  if (!hasChromium) return;
  await page.goto(pageUrl, { waitUntil: 'load' });
});

afterAll(async () => {
  await context?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const visibleRows = (p: Page) => p.locator('#findings tbody tr:not([hidden])');
const column = (p: Page, n: number) =>
  visibleRows(p).evaluateAll((rows, i) => rows.map((r) => r.children[i]?.textContent ?? ''), n);

describe.runIf(hasChromium)('the HTML report in headless Chromium', () => {
  it('shows the failing totals by severity, policy, account and region the report has', async () => {
    const failing = openInReport(report);
    const bars = (chart: string) =>
      page
        .locator(`[data-chart="${chart}"] g.bar`)
        .evaluateAll((gs) =>
          Object.fromEntries(
            gs.map((g) => [g.getAttribute('data-label'), Number(g.getAttribute('data-count'))]),
          ),
        );
    const expected = countBySeverity(failing);
    expect(await bars('severity')).toEqual(expected);
    const tally = (key: (f: (typeof failing)[number]) => string) => {
      const out: Record<string, number> = {};
      for (const f of failing) out[key(f)] = (out[key(f)] ?? 0) + 1;
      return out;
    };
    expect(await bars('policy')).toEqual(tally((f) => f.policyId));
    expect(await bars('account')).toEqual(tally((f) => f.accountId));
    expect(await bars('region')).toEqual(tally((f) => f.region));
    expect(await page.locator('#totals h2').textContent()).toBe(`Failing findings: ${failing.length}`);
    expect(await visibleRows(page).count()).toBe(all.length);
    for (const s of SEVERITIES) {
      expect(await page.locator(`#findings tbody tr[data-severity="${s}"]`).count()).toBe(
        all.filter((f) => f.severity === s).length,
      );
    }
  });

  it('lists the exemptions with their expiry, the errors and the not-evaluated notes', async () => {
    const exemptions = await page.locator('#exemptions tbody tr').allTextContents();
    expect(exemptions).toHaveLength(all.filter((f) => f.exemption).length);
    expect(exemptions.join('\n')).toContain('until 2026-04-30');
    expect(exemptions.join('\n')).toContain('expired 2026-02-28');
    expect(exemptions.join('\n')).toContain('load test until the <b>launch</b>');
    expect(await page.locator('#errors tbody tr').allTextContents()).toEqual([
      expect.stringContaining('ThrottlingExceptionRate exceeded <retry later>'),
    ]);
    expect(await page.locator('#not-evaluated li').allTextContents()).toEqual([
      expect.stringMatching(/^logging-active not evaluated on 1 room: /),
    ]);
    expect(await page.locator('#incomplete').count()).toBe(1);
  });

  it('filters the table by the text box', async () => {
    await page.fill('#filter', 'message-rate-max');
    const rate = all.filter((f) => f.policyId === 'message-rate-max').length;
    expect(rate).toBeGreaterThan(1);
    expect(await visibleRows(page).count()).toBe(rate);
    expect(await page.locator('#shown').textContent()).toBe(String(rate));
    expect(new Set(await column(page, 2))).toEqual(new Set(['message-rate-max']));
    await page.fill('#filter', 'EU-WEST-1');
    expect(await visibleRows(page).count()).toBe(all.filter((f) => f.region === 'eu-west-1').length);
    await page.fill('#filter', 'no such room anywhere');
    expect(await visibleRows(page).count()).toBe(0);
    await page.fill('#filter', '');
    expect(await visibleRows(page).count()).toBe(all.length);
  });

  it('sorts by the column whose header is clicked, and reverses on a second click', async () => {
    const severities = async () =>
      (await column(page, 0)).map((s) => SEVERITY_RANK[s.trim().toLowerCase() as Severity]);
    await page.click('#findings th[data-key="rank"]');
    const descending = await severities();
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    expect(descending[0]).toBe(Math.max(...descending));
    expect(await page.getAttribute('#findings th[data-key="rank"]', 'aria-sort')).toBe('descending');
    await page.click('#findings th[data-key="rank"]');
    const ascending = await severities();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.click('#findings th[data-key="room"]');
    const rooms = all.map((f) => f.roomName || f.roomId).sort((a, b) => a.localeCompare(b));
    const shown = await page
      .locator('#findings tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.children[3]?.firstChild?.textContent ?? ''));
    expect(shown).toEqual(rooms);
  });

  it('keeps a room tag and a room name full of markup as text', async () => {
    expect(await page.title()).toBe('IVS Chat audit report');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('b').count()).toBe(0);
    expect(await page.locator('svg[onload], [onerror], [onload]').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    const hostileRows = page.locator('#findings tbody tr', { hasText: HOSTILE_ROOM_NAME });
    expect(await hostileRows.count()).toBe(all.filter((f) => f.roomName === HOSTILE_ROOM_NAME).length);
    const tagRow = hostileRows.filter({ hasText: 'tags.owner' });
    expect(await tagRow.textContent()).toContain(JSON.stringify(MARKUP_TAG));
    expect(problems).toEqual([]);
  });

  it('makes no request but the page itself, and leaves a screenshot', async () => {
    await page.click('#findings th[data-key="rank"]');
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = new URL('report.png', ARTIFACTS);
    await page.screenshot({ path: shot.pathname, fullPage: false });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    // The page is loaded once for each test, and nothing else is ever asked for.
    expect(requests.length).toBeGreaterThan(0);
    expect(new Set(requests)).toEqual(new Set([pageUrl]));
    expect(problems).toEqual([]);
  });
});
