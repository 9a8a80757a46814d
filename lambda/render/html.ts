/**
 * The audit report as one self-contained HTML page (`--format html`): totals by severity, policy,
 * account and region as inline SVG bar charts, the findings table with a filter box and sortable
 * columns, exemptions with their expiry, the run's errors and the policies not evaluated. Pure.
 *
 * Self-contained means no request leaves the page: no external script, style, font or image, and a
 * Content-Security-Policy that forbids them (`default-src 'none'`). The one inline style block and the
 * one inline script are allowed by their SHA-256 hashes, so the policy needs no `'unsafe-inline'` at
 * all: markup that slipped in could neither run a script nor restyle the page. The charts use SVG
 * presentation attributes (`fill`, `width`), which CSP does not govern, rather than style attributes.
 *
 * Every value from room data, policy files or API answers goes through `escapeHtml`; the data the
 * script sorts and filters by is JSON in a `<script type="application/json">` block (`jsonForHtml`),
 * read with `JSON.parse` and only ever written back as text.
 */

import { createHash } from 'node:crypto';
import { openInReport, sortFindings } from '../alert/alert.js';
import { truncate } from '../core/truncate.js';
import { type Finding, type Report, SEVERITIES, SEVERITY_RANK, type Severity } from '../core/types.js';
import { escapeHtml, jsonForHtml, stripControl } from './escape.js';
import { notEvaluatedLine, statusMark, summaryLine } from './text.js';

export interface HtmlOptions {
  /** The auditor's version, named in the footer. */
  toolVersion: string;
  /**
   * At most this many rows in each table (findings, exemptions, errors; default MAX_HTML_ROWS); the
   * totals and the section headings count them all.
   */
  maxRows?: number;
}

/**
 * The table lists at most this many findings: a browser stays usable with a few thousand rows, not
 * with the 100,000 of a large fleet (and the page would be hundreds of megabytes). Past it, the
 * failing findings come first, most severe first, then exempt and resolved ones; the page says how
 * many are left out, and `--format json` lists every one.
 */
export const MAX_HTML_ROWS = 5_000;

/** Bar colours by severity, and the one colour of the other charts. */
const SEVERITY_FILL: Record<Severity, string> = {
  critical: '#8b1a1a',
  high: '#d9480f',
  medium: '#e8a317',
  low: '#3b7dd8',
  info: '#7a869a',
};
const BAR_FILL = '#4a5d7e';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#59606e;margin:0 0 12px}.incomplete{color:#8b1a1a;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{border:1px solid #dde1e8;border-radius:6px;padding:8px 12px;margin:0}.chart h3{font-size:14px;margin:0 0 4px}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e3e6ec;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f8;position:sticky;top:0;white-space:nowrap}th[data-key]{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
#findings td:nth-child(5),#findings td:nth-child(6){white-space:nowrap}
td.arn,div.arn{font-family:ui-monospace,monospace;font-size:11px;color:#59606e;word-break:break-all}
.sev{font-weight:600;text-transform:uppercase;font-size:11px}
.sev-critical{color:#8b1a1a}.sev-high{color:#d9480f}.sev-medium{color:#9a6700}.sev-low{color:#3b7dd8}.sev-info{color:#59606e}
#filter{font:inherit;padding:4px 8px;width:320px;margin:0 8px 8px 0}
.none{color:#59606e}footer{margin-top:32px;color:#59606e;font-size:12px}`;

/**
 * Sorts and filters the findings table. The rows are rendered by the server, so the page reads
 * without it; the script only reorders and hides them, by the values in the JSON block.
 */
const SCRIPT = `(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const body = document.querySelector('#findings tbody');
  const rows = new Map([...body.rows].map((tr) => [Number(tr.dataset.i), tr]));
  const byIndex = new Map(data.findings.map((f) => [f.i, f]));
  const haystack = new Map(data.findings.map((f) => [f.i, f.search.toLowerCase()]));
  const filter = document.getElementById('filter');
  const shown = document.getElementById('shown');
  const apply = () => {
    const query = filter.value.trim().toLowerCase();
    let count = 0;
    for (const [i, tr] of rows) {
      const hit = query === '' || haystack.get(i).includes(query);
      tr.hidden = !hit;
      if (hit) count += 1;
    }
    shown.textContent = String(count);
  };
  filter.addEventListener('input', apply);
  const headers = [...document.querySelectorAll('#findings th[data-key]')];
  let sortKey = '';
  let direction = 1;
  const compare = (x, y) => (typeof x === 'number' ? x - y : String(x).localeCompare(String(y)));
  const sortBy = (th) => {
    const key = th.dataset.key;
    direction = key === sortKey ? -direction : key === 'rank' ? -1 : 1;
    sortKey = key;
    const order = [...rows.keys()].sort(
      (a, b) => direction * compare(byIndex.get(a)[key], byIndex.get(b)[key]) || a - b,
    );
    for (const i of order) body.appendChild(rows.get(i));
    for (const h of headers) {
      h.setAttribute('aria-sort', h === th ? (direction > 0 ? 'ascending' : 'descending') : 'none');
    }
  };
  for (const th of headers) {
    th.tabIndex = 0;
    th.addEventListener('click', () => sortBy(th));
    th.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        sortBy(th);
      }
    });
  }
  apply();
})();`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The page's policy: nothing may load, the inline style and script only by hash. `base-uri` and
 * `form-action` are not covered by `default-src`, so they are closed on their own.
 */
export const HTML_CSP =
  `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; ` +
  "base-uri 'none'; form-action 'none'";

/** The columns of the findings table: header, the JSON key the script sorts by. */
const COLUMNS: ReadonlyArray<[string, string]> = [
  ['Severity', 'rank'],
  ['Status', 'status'],
  ['Policy', 'policyId'],
  ['Room', 'room'],
  ['Account', 'accountId'],
  ['Region', 'region'],
  ['Finding', 'message'],
  ['First seen', 'firstSeen'],
  ['Last seen', 'lastSeen'],
];

/**
 * The page for `report`, whose findings include those resolved this run (as the CLI passes them to
 * every report format); the totals count the failing ones, as the summary line does.
 */
export function renderHtml(report: Report, options: HtmlOptions): string {
  const failing = openInReport(report);
  const maxRows = Math.max(1, options.maxRows ?? MAX_HTML_ROWS);
  const listed = tableRows(report.findings, maxRows);
  const title = 'IVS Chat audit report';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${title}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${title}</h1>`,
    runMeta(report),
    `<section id="totals"><h2>Failing findings: ${failing.length}</h2><div class="charts">`,
    totalsCharts(failing),
    '</div></section>',
    findingsSection(listed, report.findings.length),
    exemptionsSection(report, maxRows),
    errorsSection(report, maxRows),
    notEvaluatedSection(report),
    `<footer>Written by ivschat-auditor ${escapeHtml(options.toolVersion)} from the run started ${escapeHtml(report.startedAt)}.</footer>`,
    `<script type="application/json" id="report-data">${jsonForHtml({ findings: scriptRows(listed) })}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function runMeta(report: Report): string {
  const targets = [...new Set(report.targets.map((t) => `${t.accountId} ${t.region}`))].join(', ');
  const incomplete = report.complete
    ? ''
    : '<p class="incomplete" id="incomplete">The audit is incomplete: see the errors and notes below.</p>';
  return [
    `<p class="meta" id="summary">${escapeHtml(summaryLine(report))}</p>`,
    `<p class="meta">Run ${escapeHtml(report.startedAt)} to ${escapeHtml(report.finishedAt)}; ` +
      `${report.policiesEvaluated} policies; targets: ${escapeHtml(targets) || 'none'}.</p>`,
    incomplete,
  ].join('\n');
}

interface Bar {
  label: string;
  count: number;
  fill: string;
}

/** The four charts: by severity (every severity, zeros included), policy, account and region. */
function totalsCharts(failing: readonly Finding[]): string {
  const count = (key: (f: Finding) => string) => {
    const counts = new Map<string, number>();
    for (const f of failing) counts.set(key(f), (counts.get(key(f)) ?? 0) + 1);
    return [...counts]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([label, n]) => ({ label, count: n, fill: BAR_FILL }));
  };
  const severities = SEVERITIES.map((s) => ({
    label: s,
    count: failing.filter((f) => f.severity === s).length,
    fill: SEVERITY_FILL[s],
  }));
  return [
    barChart('severity', 'By severity', severities),
    barChart(
      'policy',
      'By policy',
      count((f) => f.policyId),
    ),
    barChart(
      'account',
      'By account',
      count((f) => f.accountId),
    ),
    barChart(
      'region',
      'By region',
      count((f) => f.region),
    ),
  ].join('\n');
}

/**
 * A horizontal bar chart as inline SVG: one row per bar, the label (cut to fit; the whole label in
 * its `<title>`), the bar scaled to the largest count, and the count. Each bar carries its label and
 * count as data attributes, which the browser test reads.
 */
function barChart(id: string, heading: string, bars: readonly Bar[]): string {
  const row = 22;
  const labelWidth = 220;
  const barWidth = 200;
  const width = labelWidth + barWidth + 50;
  const height = Math.max(bars.length, 1) * row + 4;
  const max = Math.max(1, ...bars.map((b) => b.count));
  const rows = bars.map((bar, n) => {
    const y = n * row + 2;
    const w = bar.count === 0 ? 0 : Math.max(2, Math.round((bar.count / max) * barWidth));
    const label = escapeHtml(bar.label);
    return (
      `<g class="bar" data-label="${label}" data-count="${bar.count}"><title>${label}: ${bar.count}</title>` +
      `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(truncate(bar.label, 32))}</text>` +
      `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 6}" fill="${bar.fill}" rx="2"></rect>` +
      `<text x="${labelWidth + w + 6}" y="${y + 15}">${bar.count}</text></g>`
    );
  });
  const empty = bars.length === 0 ? `<text x="6" y="16">none</text>` : '';
  return (
    `<figure class="chart" data-chart="${id}"><h3>${heading}</h3>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${heading}">` +
    `${rows.join('')}${empty}</svg></figure>`
  );
}

/** The findings the table lists: all of them in report order, or the most pressing `max`. */
function tableRows(findings: readonly Finding[], max: number): readonly Finding[] {
  if (findings.length <= max) return findings;
  const rank = (f: Finding) =>
    f.status === 'new' || f.status === 'open' ? 0 : f.status === 'exempt' ? 1 : 2;
  return sortFindings(findings)
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, max);
}

function findingsSection(listed: readonly Finding[], total: number): string {
  const head = COLUMNS.map(([label, key]) => `<th data-key="${key}" aria-sort="none">${label}</th>`).join('');
  const rows = listed.map((f, i) => {
    const cells = [
      `<td class="sev sev-${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</td>`,
      `<td>${escapeHtml(statusMark(f))}</td>`,
      `<td>${escapeHtml(f.policyId)}</td>`,
      `<td>${escapeHtml(f.roomName || f.roomId)}<div class="arn">${escapeHtml(f.roomArn)}</div></td>`,
      `<td>${escapeHtml(f.accountId)}</td>`,
      `<td>${escapeHtml(f.region)}</td>`,
      `<td>${escapeHtml(f.message)}${f.resolvedReason ? ` (${escapeHtml(f.resolvedReason)})` : ''}</td>`,
      `<td>${escapeHtml(f.firstSeen)}</td>`,
      `<td>${escapeHtml(f.lastSeen)}</td>`,
    ];
    return `<tr data-i="${i}" data-status="${escapeHtml(f.status)}" data-severity="${escapeHtml(f.severity)}">${cells.join('')}</tr>`;
  });
  return [
    `<section id="findings-section"><h2>Findings (${total})</h2>`,
    listed.length < total
      ? `<p class="incomplete" id="not-listed">${total - listed.length} more findings are not listed here: ` +
        `the table holds at most ${listed.length}, the failing ones first and the most severe first. ` +
        '<code>--format json</code> lists every one.</p>'
      : '',
    `<label>Filter <input id="filter" type="search" placeholder="room, policy, region, account, text" autocomplete="off"></label>`,
    `<span><span id="shown">${listed.length}</span> of ${listed.length} shown</span>`,
    `<table id="findings"><thead><tr>${head}</tr></thead><tbody>`,
    rows.join('\n'),
    '</tbody></table></section>',
  ].join('\n');
}

/**
 * What the script sorts and filters by, one entry per table row (`i` is the row's data-i): the
 * values the cells show, control characters stripped as in the cells.
 */
function scriptRows(findings: readonly Finding[]) {
  return findings.map((f, i) => {
    const fields = {
      status: statusMark(f),
      policyId: f.policyId,
      room: f.roomName || f.roomId,
      accountId: f.accountId,
      region: f.region,
      message: f.message,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
    };
    const clean = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, stripControl(v)]));
    const search = [f.severity, f.roomArn, ...Object.values(fields)].map(stripControl).join(' ');
    return { i, rank: SEVERITY_RANK[f.severity] ?? -1, ...clean, search };
  });
}

/**
 * The note under a section cut at `maxRows` (exemptions, errors: a large fleet's 100,000 exemptions
 * or a run's 10,000 failed reads would make a page of megabytes), saying how many are left out.
 */
function notListed(total: number, maxRows: number, what: string): string {
  return total > maxRows
    ? `<p class="incomplete">${total - maxRows} more ${what} are not listed here: the table holds at most ${maxRows}. ` +
        '<code>--format json</code> lists every one.</p>'
    : '';
}

function exemptionsSection(report: Report, maxRows: number): string {
  const exempted = report.findings.filter((f) => f.exemption);
  const rows = exempted.slice(0, maxRows).map((f) => {
    const exemption = f.exemption as NonNullable<Finding['exemption']>;
    const expiry = exemption.expires
      ? `${exemption.expired ? 'expired' : 'until'} ${escapeHtml(exemption.expires)}`
      : 'no end date';
    return (
      `<tr data-expired="${exemption.expired}"><td>${escapeHtml(f.roomName || f.roomId)}</td><td>${escapeHtml(f.policyId)}</td>` +
      `<td>${escapeHtml(exemption.reason)}</td><td>${expiry}</td><td>${escapeHtml(statusMark(f))}</td></tr>`
    );
  });
  return section(
    'exemptions',
    `Exemptions (${exempted.length})`,
    exempted.length === 0
      ? '<p class="none">No finding is exempt.</p>'
      : `<table><thead><tr><th>Room</th><th>Policy</th><th>Reason</th><th>Expiry</th><th>Status</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>` +
          notListed(exempted.length, maxRows, 'exemptions'),
  );
}

function errorsSection(report: Report, maxRows: number): string {
  const rows = report.errors
    .slice(0, maxRows)
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.region)}</td><td>${escapeHtml(e.operation)}</td><td class="arn">${escapeHtml(e.roomArn ?? '')}</td>` +
        `<td>${escapeHtml(e.code)}</td><td>${escapeHtml(e.message)}</td></tr>`,
    );
  return section(
    'errors',
    `Errors (${report.errors.length})`,
    report.errors.length === 0
      ? '<p class="none">No errors: every listed room was checked.</p>'
      : `<table><thead><tr><th>Region</th><th>Operation</th><th>Room</th><th>Code</th><th>Message</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>` +
          notListed(report.errors.length, maxRows, 'errors'),
  );
}

function notEvaluatedSection(report: Report): string {
  const notes = report.notEvaluated ?? [];
  return section(
    'not-evaluated',
    `Not evaluated (${notes.length})`,
    notes.length === 0
      ? '<p class="none">Every policy was evaluated on every room.</p>'
      : `<ul>${notes.map((n) => `<li>${escapeHtml(notEvaluatedLine(n))}</li>`).join('\n')}</ul>`,
  );
}

function section(id: string, heading: string, body: string): string {
  return `<section id="${id}"><h2>${heading}</h2>\n${body}\n</section>`;
}
