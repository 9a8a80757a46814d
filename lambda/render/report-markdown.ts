/**
 * A report as GitHub markdown (`--format markdown`): for a pull request comment or a workflow's job
 * summary (`>> "$GITHUB_STEP_SUMMARY"`). Failing findings in one table, most severe first, then
 * exempt and resolved ones, what was not evaluated and why, and errors. Every value that is not our
 * own words (room names and identities, messages quoting room data, policy ids and titles, reasons)
 * goes through escapeGitHubMarkdown: no HTML, link, mention or table break can form from it.
 */

import { sortFindings } from '../alert/alert.js';
import { isFailing } from '../audit/finding-state.js';
import type { Finding, Report } from '../core/types.js';
import { plural } from './email.js';
import { escapeGitHubMarkdown as md } from './github-markdown.js';
import { statusMark, summaryLine } from './text.js';

/** At most this many rows per table: a comment holds 65,536 characters; the JSON report has them all. */
export const MAX_MARKDOWN_ROWS = 200;

export function renderReportMarkdown(report: Report): string {
  const findings = sortFindings(report.findings);
  const failing = findings.filter(isFailing);
  const out = ['### ivschat-audit', '', md(summaryLine(report)), ''];
  table(out, 'Failing', failing);
  table(
    out,
    'Exempt',
    findings.filter((f) => f.status === 'exempt' && !isFailing(f)),
  );
  table(
    out,
    'Resolved',
    findings.filter((f) => f.status === 'resolved'),
  );
  const notEvaluated = report.notEvaluated ?? [];
  if (notEvaluated.length > 0) {
    out.push('#### Not evaluated', '');
    for (const n of notEvaluated) {
      out.push(`- ${md(n.policyId)} on ${plural(n.rooms.length, 'room')}: ${md(n.reason)}`);
    }
    out.push('');
  }
  if (report.errors.length > 0) {
    out.push('#### Errors', '');
    for (const e of report.errors.slice(0, MAX_MARKDOWN_ROWS)) {
      out.push(
        `- ${md(`${e.region} ${e.operation}${e.roomArn ? ` ${e.roomArn}` : ''}: ${e.code}: ${e.message}`)}`,
      );
    }
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

function table(out: string[], title: string, findings: readonly Finding[]): void {
  if (findings.length === 0) return;
  out.push(`#### ${title} (${findings.length})`, '');
  out.push('| Severity | Policy | Room | Finding | Status |', '| --- | --- | --- | --- | --- |');
  for (const f of findings.slice(0, MAX_MARKDOWN_ROWS)) {
    const room = f.roomName ? `${f.roomName} (${f.roomArn})` : f.roomArn;
    out.push(`| ${f.severity} | ${md(f.policyId)} | ${md(room)} | ${md(f.message)} | ${md(statusMark(f))} |`);
  }
  if (findings.length > MAX_MARKDOWN_ROWS) {
    out.push('', `${findings.length - MAX_MARKDOWN_ROWS} more not shown: see \`--format json\`.`);
  }
  out.push('');
}
