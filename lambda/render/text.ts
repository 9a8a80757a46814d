import type { AlertRemediation } from '../alert/alert.js';
import { groupByAccount, groupBySeverityAndPolicy, openInReport, severityBreakdown } from '../alert/alert.js';
import { truncate } from '../core/truncate.js';
import type { Finding, NotEvaluated, Report, Severity } from '../core/types.js';
import { plural } from './email.js';
import { stripControl } from './escape.js';
import { remediationSection } from './remediation-plan.js';
import { roomLabel } from './room-label.js';
import { joinParts, TERMINAL, type TerminalPart } from './terminal.js';

export interface TextOptions {
  /** ANSI colours for a terminal; off by default so piped output stays clean. */
  color?: boolean;
}

type Style = Severity | 'bold' | 'dim';

/**
 * Terminal output for the CLI: failing findings grouped by severity then policy, one line per
 * finding with the ARN beneath, then findings resolved since the last run (with `--state`), exempt
 * findings, errors, warnings (policies not evaluated for want of joined facts), and a summary line. Each finding line starts with its status: `NEW` (first seen
 * in this run), `OPEN` (seen before), `RESOLVED`, or `EXEMPT (until DATE)`. Every value that is not our own text (room data, and
 * policy ids, titles and exemption reasons from policy files) is stripped of control characters
 * so it cannot inject terminal escape sequences or forge lines. A report over several accounts
 * (`audit --account`) lists failing and resolved findings under an `ACCOUNT <id>` heading each.
 */
export function renderText(report: Report, opts: TextOptions = {}): string {
  return joinParts(renderTextParts(report, opts));
}

/**
 * renderText as text pieces and the CLI's own colour codes (TerminalCode), so the CLI's writer can
 * escape every piece of text and still colour it.
 */
export function renderTextParts(report: Report, opts: TextOptions = {}): TerminalPart[] {
  const paint = (style: Style, s: string): TerminalPart[] =>
    opts.color ? [TERMINAL[style], s, TERMINAL.reset] : [s];
  const clean = (s: string) => stripControl(s);
  const out: TerminalPart[][] = [];
  const byAccount = new Set([...report.targets, ...report.findings].map((t) => t.accountId)).size > 1;
  const accounts = (findings: readonly Finding[]) =>
    byAccount ? groupByAccount(findings) : [{ accountId: '', findings: [...findings] }];
  const heading = (accountId: string) => {
    if (byAccount) out.push(paint('bold', `ACCOUNT ${clean(accountId)}`));
  };

  for (const account of accounts(openInReport(report))) {
    heading(account.accountId);
    for (const group of groupBySeverityAndPolicy(account.findings)) {
      out.push(paint(group.severity, `${group.severity.toUpperCase()}`));
      for (const policy of group.policies) {
        out.push([...paint('bold', clean(policy.policyId)), `  ${clean(policy.title)}`]);
        for (const f of policy.findings) {
          // An expired exemption is already noted at the end of the message (evaluation writes it).
          const mark = paint('bold', clean(statusMark(f)).padEnd(4));
          out.push(['  ', ...mark, `  ${clean(roomLabel(f))}  ${clean(f.message)}`]);
          out.push(paint('dim', `    ${clean(f.roomArn)}`));
        }
      }
      out.push(['']);
    }
  }

  const resolved = resolvedInReport(report);
  if (resolved.length > 0) {
    out.push(paint('bold', `RESOLVED (${resolved.length})`));
    for (const account of accounts(resolved)) {
      heading(account.accountId);
      for (const group of groupBySeverityAndPolicy(account.findings)) {
        for (const policy of group.policies) {
          out.push([
            ...paint('bold', clean(policy.policyId)),
            `  ${clean(policy.title)}  (${group.severity})`,
          ]);
          for (const f of policy.findings) {
            const reason = f.resolvedReason ? ` (${clean(f.resolvedReason)})` : '';
            out.push([
              `  ${clean(statusMark(f))}  ${clean(roomLabel(f))}  was: ${clean(f.message)}${reason}`,
            ]);
          }
        }
      }
    }
    out.push(['']);
  }

  const exempt = report.findings.filter((f) => f.status === 'exempt');
  if (exempt.length > 0) {
    out.push(paint('dim', `EXEMPT (${exempt.length})`));
    for (const f of exempt) {
      const reason = f.exemption ? ` - ${clean(f.exemption.reason)}` : '';
      out.push(
        paint('dim', `  ${clean(statusMark(f))}  ${clean(roomLabel(f))}  ${clean(f.policyId)}${reason}`),
      );
    }
    out.push(['']);
  }

  if (report.errors.length > 0) {
    out.push(paint('critical', `ERRORS (${report.errors.length})`));
    for (const e of report.errors) {
      const room = e.roomArn ? ` ${clean(e.roomArn)}` : '';
      out.push([`  ${clean(e.region)} ${clean(e.operation)}${room}: ${clean(e.code)} ${clean(e.message)}`]);
    }
    out.push(['']);
  }

  const notEvaluated = report.notEvaluated ?? [];
  if (notEvaluated.length > 0) {
    out.push(paint('medium', `WARNINGS (${notEvaluated.length})`));
    for (const line of notEvaluatedLines(report)) out.push([`  ${line}`]);
    out.push(['']);
  }

  out.push([summaryLine(report)]);
  if (!report.complete) {
    const why =
      report.errors.length > 0
        ? 'some rooms were not checked (see errors above)'
        : 'some policies were not evaluated (see warnings above)';
    out.push(paint('critical', `audit incomplete: ${why}`));
  }
  return out.flatMap((line) => [...line, '\n']);
}

/**
 * `12 rooms audited, 5 findings (1 critical, 2 high, 2 medium), 0 errors`
 * (+ `, 2 resolved`, `, 2 exempt`, `, audit incomplete`).
 */
export function summaryLine(report: Report): string {
  const failing = openInReport(report);
  const breakdown = failing.length > 0 ? ` (${severityBreakdown(failing)})` : '';
  const exempt = report.findings.filter((f) => f.status === 'exempt').length;
  let line =
    `${plural(report.roomsAudited, 'room')} audited, ${plural(failing.length, 'finding')}${breakdown}, ` +
    `${plural(report.errors.length, 'error')}`;
  const resolved = resolvedInReport(report).length;
  if (resolved > 0) line += `, ${resolved} resolved`;
  if (exempt > 0) line += `, ${exempt} exempt`;
  const notEvaluated = report.notEvaluated?.length ?? 0;
  if (notEvaluated > 0) line += `, ${plural(notEvaluated, 'policy', 'policies')} not evaluated`;
  if (!report.complete) line += ', audit incomplete';
  return line;
}

/**
 * One line per policy the rooms gave no verdict on (Report.notEvaluated), control characters
 * stripped: `logging-active not evaluated on 2 rooms: it reads loggingConfigurations, …`.
 */
export function notEvaluatedLines(report: Pick<Report, 'notEvaluated'>): string[] {
  return (report.notEvaluated ?? []).map(notEvaluatedLine);
}

export function notEvaluatedLine(n: NotEvaluated): string {
  return stripControl(`${n.policyId} not evaluated on ${plural(n.rooms.length, 'room')}: ${n.reason}`);
}

/** `NEW`, `OPEN`, `RESOLVED`, or `EXEMPT (until 2027-03-31)` (`EXEMPT` when it has no end). */
export function statusMark(f: Pick<Finding, 'status' | 'exemption'>): string {
  if (f.status !== 'exempt') return f.status.toUpperCase();
  return f.exemption?.expires ? `EXEMPT (until ${f.exemption.expires})` : 'EXEMPT';
}

/** Findings fixed since the last run: the CLI adds them to the report it prints when given `--state`. */
function resolvedInReport(report: Report): Finding[] {
  return report.findings.filter((f) => f.status === 'resolved');
}

/**
 * A run's remediation (plan or changes) for a terminal or a log: the heading, then its lines, every
 * untrusted value stripped of control characters; '' when there is nothing to show.
 */
export function renderRemediationText(remediation: AlertRemediation): string {
  const { title, lines } = remediationSection(remediation, (s, max) => truncate(stripControl(s), max));
  return lines.length === 0 ? '' : `${[title, ...lines].join('\n')}\n`;
}
