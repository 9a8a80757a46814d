import {
  type Alert,
  accountScope,
  changedByAuditor,
  deferredToFullAudit,
  failingFor,
  groupByAccount,
  groupBySeverityAndPolicy,
  hasContent,
  omittedTotal,
  severityBreakdown,
  sortNotAudited,
  spansAccounts,
} from '../alert/alert.js';
import { appendAll } from '../core/append.js';
import { PRODUCT_NAME } from '../core/product.js';
import type { Finding } from '../core/types.js';
import { consoleUrl, plainHttpsUrl } from './console-url.js';
import { asciiSubject, inlineValue } from './escape.js';
import { fillRemediation } from './remediation.js';
import { remediationSection } from './remediation-plan.js';

export const PRODUCT = PRODUCT_NAME;
/** SNS takes subjects "less than 100 characters long" (the Publish model), so 99 at most. */
export const SUBJECT_MAX = 99;
const RULE = '='.repeat(72);

export interface RenderedEmail {
  subject: string;
  body: string;
}

/** The plain-text email for an alert: a subject of ≤100 printable ASCII and a readable body. */
export function renderEmail(alert: Alert): RenderedEmail {
  return { subject: renderSubject(alert), body: renderBody(alert) };
}

/**
 * `[ivschat-auditor] 3 new, 1 resolved (1 high) in 123456789012`, or for a digest with only
 * reminders `[ivschat-auditor] reminder: 5 open findings (1 high) in 123456789012`; a run over
 * several accounts ends `in 3 accounts`, and targets not audited lead: `2 not audited, 3 new ...`.
 * The part label survives truncation.
 */
export function renderSubject(alert: Alert): string {
  const { newFindings: added, resolvedFindings: resolved, reminders } = alert;
  const label = alert.partLabel ? ` (${asciiSubject(alert.partLabel, 20)})` : '';
  const prefix = `[${PRODUCT}] `;
  const incomplete = alert.report.complete || deferredToFullAudit(alert.report) ? '' : ', audit incomplete';
  const suffix = ` in ${asciiSubject(accountScope(alert), 40)}${incomplete}`;
  let head: string;
  let counted: readonly Finding[];
  if (added.length > 0 || resolved.length > 0) {
    head = [
      added.length > 0 ? `${added.length} new` : '',
      resolved.length > 0 ? `${resolved.length} resolved` : '',
    ]
      .filter(Boolean)
      .join(', ');
    counted = added.length > 0 ? added : resolved;
  } else if (reminders.length > 0) {
    head = `reminder: ${plural(reminders.length, 'open finding')}`;
    counted = reminders;
  } else if (changedByAuditor(alert) > 0) {
    head = `${changedByAuditor(alert)} changed by the auditor`;
    counted = [];
  } else {
    head = 'no changes';
    counted = [];
  }
  const notAudited = alert.notAudited?.length ?? 0;
  if (notAudited > 0) head = `${notAudited} not audited${counted.length > 0 ? `, ${head}` : ''}`;
  // The most detailed severity breakdown that fits; the account and part label always stay.
  const entries = severityBreakdown(counted).split(', ').filter(Boolean);
  const candidates = [entries, entries.slice(0, 2), entries.slice(0, 1), []].map((e) =>
    e.length === 0 ? '' : ` (${e.join(', ')}${e.length < entries.length ? ', ...' : ''})`,
  );
  for (const breakdown of candidates) {
    const subject = asciiSubject(prefix + head + breakdown + suffix + label, 1000);
    if (subject.length <= SUBJECT_MAX) return subject;
  }
  return asciiSubject(
    prefix + asciiSubject(head + suffix, SUBJECT_MAX - prefix.length - label.length) + label,
    SUBJECT_MAX,
  );
}

function renderBody(alert: Alert): string {
  const out: string[] = [];
  const regions = alert.regions.map((r) => inlineValue(r, 64)).join(', ') || 'no regions';
  const scope =
    (alert.accounts?.length ?? 0) > 1 ? accountScope(alert) : `account ${inlineValue(alert.accountId, 64)}`;
  out.push(`${PRODUCT}: IVS Chat room audit of ${scope} (${regions})`);
  if (alert.partLabel) out.push(`This message is ${inlineValue(alert.partLabel, 40)} of this run's alert.`);
  out.push('');
  out.push(summaryLine(alert));
  const reportUrl = plainHttpsUrl(alert.reportUrl);
  if (reportUrl) out.push(`The run's full report (HTML, in S3): ${reportUrl}`);

  appendAll(out, renderNotAudited(alert));
  const byAccount = spansAccounts(alert);
  if (alert.newFindings.length > 0) {
    out.push('', RULE, `NEW FINDINGS (${alert.newFindings.length})`, RULE);
    appendAll(out, renderSection(alert.newFindings, byAccount));
  }
  if (alert.resolvedFindings.length > 0) {
    out.push('', RULE, `RESOLVED (${alert.resolvedFindings.length})`, RULE);
    appendAll(
      out,
      renderSection(alert.resolvedFindings, byAccount, { resolved: true, runAt: alert.report.startedAt }),
    );
  }
  if (alert.reminders.length > 0) {
    out.push('', RULE, `STILL OPEN - REMINDER (${alert.reminders.length})`, RULE);
    appendAll(out, renderSection(alert.reminders, byAccount));
  }
  appendAll(out, renderRemediation(alert));
  const omitted = omittedTotal(alert);
  if (alert.omitted && omitted > 0) {
    const o = alert.omitted;
    out.push(
      '',
      `...and ${plural(omitted, 'more finding')} not listed here to stay within the message size limit ` +
        `(${o.new} new, ${o.resolved} resolved, ${o.reminders} still open).`,
      'Run `ivschat-audit audit --format json` or read the machine-readable report for the full list.',
    );
  }
  out.push('', ...footer(alert));
  return `${out.join('\n')}\n`;
}

function summaryLine(alert: Alert): string {
  const notAudited = alert.notAudited?.length ?? 0;
  if (!hasContent(alert) && omittedTotal(alert) === 0 && notAudited === 0)
    return 'Nothing changed since the last notification.';
  const parts = [
    ...(notAudited > 0 ? [`${plural(notAudited, 'target')} not audited`] : []),
    `${alert.newFindings.length} new`,
    `${alert.resolvedFindings.length} resolved`,
    `${alert.reminders.length} still open (reminder)`,
  ];
  return `In this message: ${parts.join(', ')}.`;
}

/**
 * The targets whose rooms were not checked, one line each, first in the message: a quiet alert for
 * an account means nothing when the account was never read.
 */
function renderNotAudited(alert: Alert): string[] {
  const targets = sortNotAudited(alert.notAudited ?? []);
  const more = alert.omitted?.notAudited ?? 0;
  if (targets.length === 0 && more === 0) return [];
  const out = ['', RULE, `ACCOUNTS NOT AUDITED (${plural(targets.length, 'target')})`, RULE, ''];
  out.push('The rooms of these accounts and regions were NOT checked in this run:', '');
  for (const t of targets) {
    const streak = failingFor(t);
    out.push(
      `  ${inlineValue(t.accountId, 64)}  ${inlineValue(t.region, 64)}: ${inlineValue(t.reason, 500)}${streak ? ` (${streak})` : ''}`,
    );
  }
  if (more > 0) {
    out.push(
      `  ...and ${plural(more, 'more target')} not audited, not listed here to stay within the message size limit.`,
    );
  }
  return out;
}

/** The deployed remediation's plan or changes, after the findings they are about. */
function renderRemediation(alert: Alert): string[] {
  if (!alert.remediation) return [];
  const { title, lines } = remediationSection(alert.remediation, inlineValue);
  if (lines.length === 0) return [];
  return ['', RULE, title, RULE, '', ...lines];
}

/** A section's findings, under an account heading each when the alert spans accounts. */
function renderSection(
  findings: readonly Finding[],
  byAccount: boolean,
  opts: FindingOptions = {},
): string[] {
  if (!byAccount) return renderGrouped(findings, opts);
  const out: string[] = [];
  for (const group of groupByAccount(findings)) {
    out.push(
      '',
      `## Account ${inlineValue(group.accountId, 64)} (${plural(group.findings.length, 'finding')})`,
    );
    appendAll(out, renderGrouped(group.findings, opts));
  }
  return out;
}

function renderGrouped(findings: readonly Finding[], opts: FindingOptions = {}): string[] {
  const out: string[] = [];
  for (const group of groupBySeverityAndPolicy(findings)) {
    out.push('', `--- ${group.severity.toUpperCase()} ---`);
    for (const policy of group.policies) {
      out.push(
        '',
        `[${inlineValue(policy.policyId, 128)}] ${inlineValue(policy.title, 300)} (${plural(policy.findings.length, 'room')})`,
      );
      for (const f of policy.findings) {
        out.push('');
        appendAll(out, renderFinding(f, opts));
      }
    }
  }
  return out;
}

interface FindingOptions {
  resolved?: boolean;
  /** For resolved findings: the run that found them fixed. */
  runAt?: string;
}

/** One finding as indented `Label: value` lines; every value is single-line and control-free. */
export function renderFinding(f: Finding, opts: FindingOptions = {}): string[] {
  const lines = [
    field('Room', f.roomName || '(unnamed)'),
    field('ARN', f.roomArn),
    field('Region', f.region),
    field(opts.resolved ? 'Was' : 'Problem', f.message),
  ];
  if (opts.resolved) {
    if (f.resolvedReason) lines.push(field('Resolved', f.resolvedReason));
  } else {
    lines.push(field('Fix', fillRemediation(f)));
  }
  if (f.exemption) {
    const until = f.exemption.expires ? ` (expires ${f.exemption.expires})` : '';
    lines.push(
      f.exemption.expired
        ? field(
            'Exemption',
            `EXPIRED on ${f.exemption.expires ?? 'an earlier date'}; no longer exempt (was: ${f.exemption.reason})`,
          )
        : field('Exemption', `${f.exemption.reason}${until}`),
    );
  }
  if (!opts.resolved) lines.push(field('Console', consoleUrl(f)));
  // A resolved finding's stored lastSeen is when it was last recorded, not the last run that saw it,
  // so name the run that found it fixed instead.
  lines.push(
    opts.resolved
      ? field('First seen', `${f.firstSeen}${opts.runAt ? `, fixed as of the run at ${opts.runAt}` : ''}`)
      : field('First seen', `${f.firstSeen}, last seen ${f.lastSeen}`),
  );
  return lines;
}

function field(label: string, value: string): string {
  return `  ${`${label}:`.padEnd(12)}${inlineValue(value, 4000)}`;
}

function footer(alert: Alert): string[] {
  const r = alert.report;
  const errors = r.errors.length;
  const lines = [
    '--',
    `Run ${inlineValue(r.startedAt, 40)} to ${inlineValue(r.finishedAt, 40)}: ${plural(r.roomsAudited, 'room')} audited ` +
      `against ${plural(r.policiesEvaluated, 'policy', 'policies')} in ${plural(r.targets.length, 'target')}, ` +
      `${plural(errors, 'error')}${r.roomsSkipped ? `, ${r.roomsSkipped} skipped (deleted during the run)` : ''}.`,
  ];
  if (deferredToFullAudit(r)) {
    lines.push(
      'NOTE: more rooms changed than this change batch audits; the next scheduled audit checks the',
      'rest (marked due below). Nothing to fix.',
    );
  } else if (!r.complete) {
    lines.push(
      'WARNING: the audit was INCOMPLETE. Rooms that could not be read were not checked, so the',
      'absence of a finding does not mean a room is compliant. Fix the errors below so the next',
      'run covers every room.',
    );
    const notAudited = alert.notAudited?.length ?? 0;
    if (notAudited > 0) {
      lines.push(
        `${plural(notAudited, 'target')} (account and region) not audited at all: see the top of this message.`,
      );
    }
  }
  for (const e of r.errors.slice(0, 20)) {
    const room = e.roomArn ? ` ${e.roomArn}` : '';
    lines.push(`  error: ${inlineValue(`${e.region} ${e.operation}${room}: ${e.code} ${e.message}`, 500)}`);
  }
  if (errors > 20) lines.push(`  ...and ${plural(errors - 20, 'more error')}`);
  lines.push(
    `Sent by ${PRODUCT}. Policies live in the repository under policies/; change them by pull request.`,
  );
  return lines;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
