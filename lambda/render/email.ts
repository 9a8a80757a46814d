import { appendAll } from '../core/append.js';
import type { Finding } from '../core/types.js';
import {
  type Alert,
  consoleUrl,
  groupBySeverityAndPolicy,
  hasContent,
  omittedTotal,
  severityBreakdown,
} from './alert.js';
import { asciiSubject, inlineValue } from './escape.js';
import { fillRemediation } from './remediation.js';

export const PRODUCT = 'ivschat-auditor';
const SUBJECT_MAX = 100;
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
 * reminders `[ivschat-auditor] reminder: 5 open findings (1 high) in 123456789012`. The part label
 * survives truncation.
 */
export function renderSubject(alert: Alert): string {
  const { newFindings: added, resolvedFindings: resolved, reminders } = alert;
  const label = alert.partLabel ? ` (${asciiSubject(alert.partLabel, 20)})` : '';
  const prefix = `[${PRODUCT}] `;
  const suffix = ` in ${asciiSubject(alert.accountId, 40)}${alert.report.complete ? '' : ', audit incomplete'}`;
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
  } else {
    head = 'no changes';
    counted = [];
  }
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
  out.push(`${PRODUCT}: IVS Chat room audit of account ${inlineValue(alert.accountId, 64)} (${regions})`);
  if (alert.partLabel) out.push(`This message is ${inlineValue(alert.partLabel, 40)} of this run's alert.`);
  out.push('');
  out.push(summaryLine(alert));

  if (alert.newFindings.length > 0) {
    out.push('', RULE, `NEW FINDINGS (${alert.newFindings.length})`, RULE);
    appendAll(out, renderGrouped(alert.newFindings));
  }
  if (alert.resolvedFindings.length > 0) {
    out.push('', RULE, `RESOLVED (${alert.resolvedFindings.length})`, RULE);
    appendAll(out, renderGrouped(alert.resolvedFindings, { resolved: true, runAt: alert.report.startedAt }));
  }
  if (alert.reminders.length > 0) {
    out.push('', RULE, `STILL OPEN - REMINDER (${alert.reminders.length})`, RULE);
    appendAll(out, renderGrouped(alert.reminders));
  }
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
  if (!hasContent(alert) && omittedTotal(alert) === 0) return 'Nothing changed since the last notification.';
  const parts = [
    `${alert.newFindings.length} new`,
    `${alert.resolvedFindings.length} resolved`,
    `${alert.reminders.length} still open (reminder)`,
  ];
  return `In this message: ${parts.join(', ')}.`;
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
  if (!r.complete) {
    lines.push(
      'WARNING: the audit was INCOMPLETE. Rooms that could not be read were not checked, so the',
      'absence of a finding does not mean a room is compliant. Fix the errors below so the next',
      'run covers every room.',
    );
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
