import {
  type Alert,
  accountScope,
  changedByAuditor,
  deferredToFullAudit,
  failingFor,
  highestSeverity,
  type NotAuditedTarget,
  omittedTotal,
  renderOrder,
  severityBreakdown,
  sortFindings,
  sortNotAudited,
  spansAccounts,
} from '../alert/alert.js';
import { compareFindings } from '../audit/report.js';
import { truncate } from '../core/truncate.js';
import type { Finding, Severity } from '../core/types.js';
import { consoleUrl, plainHttpsUrl } from './console-url.js';
import { PRODUCT } from './email.js';
import { escapeSlack, stripControl } from './escape.js';
import { fillRemediation } from './remediation.js';
import { remediationSection } from './remediation-plan.js';

/**
 * An Amazon Q Developer in chat applications (formerly AWS Chatbot) custom notification.
 * Event schema: docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 */
export interface CustomNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps: string[];
    keywords: string[];
  };
  metadata: {
    threadId: string;
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
  };
}

/**
 * Size limits. Title (250) and description (8,000) are the documented ones; the others are our
 * own conservative caps so a notification never depends on an undocumented maximum.
 * Lengths are counted in UTF-16 code units, which is never less than the character count.
 */
export const SLACK_LIMITS = {
  title: 250,
  description: 8000,
  nextSteps: 5,
  nextStep: 600,
  keywords: 10,
  keyword: 75,
  summary: 500,
  eventType: 100,
  threadId: 128,
  relatedResources: 20,
  contextValue: 256,
} as const;

const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

/** The Slack (Amazon Q Developer) custom notification for an alert; all room data escaped. */
export function renderSlack(alert: Alert): CustomNotification {
  const headline = headlineText(alert);
  const top = highestSeverity([...alert.newFindings, ...alert.reminders]);
  const icon =
    alert.newFindings.length > 0 && top
      ? SEVERITY_EMOJI[top]
      : alert.newFindings.length > 0
        ? ':warning:'
        : (alert.notAudited?.length ?? 0) > 0
          ? ':warning:'
          : alert.resolvedFindings.length > 0
            ? ':white_check_mark:'
            : ':bell:';
  const title = truncate(`${icon} ${escapeSlack(headline)}`, SLACK_LIMITS.title);

  const notification: CustomNotification = {
    version: '1.0',
    source: 'custom',
    id: eventId(alert),
    content: {
      textType: 'client-markdown',
      title,
      description: renderDescription(alert),
      nextSteps: renderNextSteps(alert),
      keywords: renderKeywords(alert),
    },
    metadata: {
      threadId: threadId(alert),
      summary: truncate(stripControl(`${PRODUCT}: ${headline}`), SLACK_LIMITS.summary),
      eventType: eventType(alert),
      relatedResources: relatedResources(alert),
      additionalContext: additionalContext(alert),
    },
  };
  return notification;
}

function headlineText(alert: Alert): string {
  const { newFindings: added, resolvedFindings: resolved, reminders } = alert;
  const notAudited = alert.notAudited?.length ?? 0;
  const counts = [
    notAudited > 0 ? `${notAudited} not audited` : '',
    added.length > 0 ? `${added.length} new` : '',
    resolved.length > 0 ? `${resolved.length} resolved` : '',
    reminders.length > 0 ? `${reminders.length} still open` : '',
    changedByAuditor(alert) > 0 ? `${changedByAuditor(alert)} changed by the auditor` : '',
  ].filter(Boolean);
  const breakdown = severityBreakdown(added.length > 0 ? added : reminders.length > 0 ? reminders : resolved);
  let text = counts.length > 0 ? `IVS Chat: ${counts.join(', ')}` : 'IVS Chat: no changes';
  if (breakdown) text += ` (${breakdown})`;
  text += ` in ${accountScope(alert)}`;
  if (!alert.report.complete && !deferredToFullAudit(alert.report)) text += ', audit incomplete';
  if (alert.partLabel) text += ` (${alert.partLabel})`;
  return stripControl(text);
}

/**
 * Grouped lines, most severe first, cut to the description limit with a count of what was left
 * out ("…and 37 more") so a reader never believes the list is complete when it is not.
 */
function renderDescription(alert: Alert): string {
  const max = SLACK_LIMITS.description;
  const sections: { heading: string; findings: Finding[]; resolved?: boolean }[] = [
    { heading: 'New', findings: renderOrder(alert, alert.newFindings) },
    { heading: 'Resolved', findings: renderOrder(alert, alert.resolvedFindings), resolved: true },
    { heading: 'Still open', findings: renderOrder(alert, alert.reminders) },
  ];
  const regions = alert.regions.map(escapeSlack).join(', ');
  const scope =
    (alert.accounts?.length ?? 0) > 1 ? accountScope(alert) : `Account \`${escapeSlack(alert.accountId)}\``;
  const lines: string[] = [`${scope}${regions ? ` · ${regions}` : ''}`];
  const reserve = 80; // room for the "…and N more" line and the incomplete-audit warning
  let used = lines[0]?.length ?? 0;
  let left = omittedTotal(alert);
  let full = false;

  // Targets not audited first: their rooms were not checked, the most urgent news of the run. They
  // take at most half the description, so findings are still shown when a whole organization fails.
  const targets = sortNotAudited(alert.notAudited ?? []);
  let targetsLeft = alert.omitted?.notAudited ?? 0;
  for (const [i, t] of targets.entries()) {
    const next = [
      ...(i === 0 ? ['', `:warning: *Accounts not audited (${targets.length})*`] : []),
      notAuditedLine(t),
    ];
    const cost = next.reduce((n, l) => n + l.length + 1, 0);
    if (full || used + cost + reserve > max / 2) {
      full = true;
      targetsLeft += 1;
      continue;
    }
    lines.push(...next);
    used += cost;
  }
  if (targetsLeft > 0) lines.push(`_…and ${targetsLeft} more not audited_`);
  full = false;
  const byAccount = spansAccounts(alert);
  // The remediation section comes after the findings but has its share set aside first.
  const remediation = remediationLines(alert, max / 4);
  const findingsMax = max - remediation.reduce((n, l) => n + l.length + 1, 0);

  for (const section of sections) {
    if (section.findings.length === 0) continue;
    const sectionLines: string[] = ['', `*${section.heading} (${section.findings.length})*`];
    let lastPolicy = '';
    let lastAccount: string | undefined;
    let shown = 0;
    for (const f of section.findings) {
      // Once the description is full the rest is only counted: a first audit's 145,823 findings
      // are not each rendered and escaped to be left out.
      if (full) {
        left += 1;
        continue;
      }
      const next: string[] = [];
      const newAccount = byAccount && f.accountId !== lastAccount;
      if (newAccount) next.push(`Account \`${escapeSlack(f.accountId)}\``);
      if (newAccount || f.policyId !== lastPolicy) {
        next.push(
          `${SEVERITY_EMOJI[f.severity]} *${f.severity.toUpperCase()}* ${escapeSlack(f.policyId)}: ${escapeSlack(f.title)}`,
        );
      }
      next.push(findingLine(f, section.resolved === true));
      const cost = [...(shown === 0 ? sectionLines : []), ...next].reduce((n, l) => n + l.length + 1, 0);
      if (used + cost + reserve > findingsMax) {
        full = true;
        left += 1;
        continue;
      }
      if (shown === 0) lines.push(...sectionLines);
      lines.push(...next);
      used += cost;
      shown += 1;
      lastPolicy = f.policyId;
      lastAccount = f.accountId;
    }
  }
  if (left > 0) lines.push('', `_…and ${left} more_`);
  lines.push(...remediation);
  if (deferredToFullAudit(alert.report)) {
    lines.push(
      ':information_source: More rooms changed than one change batch audits; the next scheduled audit checks the rest.',
    );
  } else if (!alert.report.complete) {
    const notChecked = alert.notAudited?.length ? `, ${alert.notAudited.length} target(s) not audited` : '';
    lines.push(
      `:warning: Audit incomplete: ${alert.report.errors.length} error(s)${notChecked}; unchecked rooms may be non-compliant.`,
    );
  }
  return truncate(lines.join('\n'), max);
}

/** The remediation section within `budget` characters, escaped; cut lines are counted. */
function remediationLines(alert: Alert, budget: number): string[] {
  if (!alert.remediation) return [];
  const esc = (s: string, max: number) => escapeSlack(truncate(s, max));
  const section = remediationSection(alert.remediation, esc);
  if (section.lines.length === 0) return [];
  const out = ['', `:wrench: *${section.title}*`];
  let used = out.reduce((n, l) => n + l.length + 1, 0) + 40;
  for (const [i, line] of section.lines.entries()) {
    if (used + line.length + 1 > budget) {
      out.push(`_…and ${section.lines.length - i} more lines (see the email)_`);
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  return out;
}

function notAuditedLine(t: NotAuditedTarget): string {
  const streak = failingFor(t);
  const reason = escapeSlack(truncate(t.reason, 300));
  return `• \`${escapeSlack(t.accountId)}\` ${escapeSlack(t.region)}: ${reason}${streak ? ` — ${streak}` : ''}`;
}

function findingLine(f: Finding, resolved: boolean): string {
  const room = `\`${escapeSlack(truncate(f.roomName || f.roomId || f.roomArn, 128))}\` (${escapeSlack(f.region)})`;
  const message = escapeSlack(truncate(f.message, 300));
  // An expired exemption is already noted at the end of the message (evaluation writes it).
  let line = `• ${room}: ${message}`;
  if (resolved && f.resolvedReason) line += ` — ${escapeSlack(truncate(f.resolvedReason, 120))}`;
  return line;
}

function renderNextSteps(alert: Alert): string[] {
  const steps: string[] = [];
  const notAudited = alert.notAudited?.length ?? 0;
  if (notAudited > 0) {
    steps.push(
      `Restore access to the ${notAudited} target(s) not audited: each line gives the reason (often the member role is missing or cannot be assumed).`,
    );
  }
  const seen = new Set<string>();
  for (const f of sortFindings([...alert.newFindings, ...alert.reminders])) {
    if (seen.has(f.policyId)) continue;
    seen.add(f.policyId);
    steps.push(
      truncate(`${escapeSlack(f.policyId)}: ${escapeSlack(fillRemediation(f))}`, SLACK_LIMITS.nextStep),
    );
    if (steps.length === 3) break;
  }
  // The console URL is built here from percent-encoded parts, so it is trusted and must NOT go
  // through escapeSlack (which would defang its scheme). Only whole: a cut URL is a wrong link.
  const first = firstInOrder(alert.newFindings) ?? firstInOrder(alert.reminders);
  const consoleStep = first ? `Open the room in the console: ${consoleUrl(first)}` : '';
  if (consoleStep && consoleStep.length <= SLACK_LIMITS.nextStep) steps.push(consoleStep);
  if (!alert.report.complete)
    steps.push('Fix the audit errors listed in the email so every room is checked.');
  // The report's link (trusted, percent-encoded: not escaped) keeps the last place whatever else is listed.
  const reportUrl = plainHttpsUrl(alert.reportUrl);
  const reportStep = reportUrl ? `Read the run's full report: ${reportUrl}` : '';
  if (reportStep && reportStep.length <= SLACK_LIMITS.nextStep)
    return [...steps.slice(0, SLACK_LIMITS.nextSteps - 1), reportStep];
  return steps.slice(0, SLACK_LIMITS.nextSteps);
}

function renderKeywords(alert: Alert): string[] {
  const all = [...alert.newFindings, ...alert.resolvedFindings, ...alert.reminders];
  const words = [PRODUCT];
  const top = highestSeverity(all);
  if (top) words.push(top);
  const policies = new Set<string>();
  for (const f of sortFindings(all)) policies.add(f.policyId);
  for (const id of policies) words.push(id);
  return [...new Set(words.map((w) => truncate(escapeSlack(w), SLACK_LIMITS.keyword)))].slice(
    0,
    SLACK_LIMITS.keywords,
  );
}

function threadId(alert: Alert): string {
  const scope = alert.regions.length === 1 ? (alert.regions[0] ?? 'multi') : 'multi';
  return `${alert.accountId || 'accounts'}-${scope}`
    .replace(/[^A-Za-z0-9-]/g, '-')
    .slice(0, SLACK_LIMITS.threadId);
}

function eventType(alert: Alert): string {
  if (alert.newFindings.length > 0) return 'IvsChatAuditNewFindings';
  if ((alert.notAudited?.length ?? 0) > 0) return 'IvsChatAuditTargetsNotAudited';
  if (alert.resolvedFindings.length > 0) return 'IvsChatAuditResolvedFindings';
  if (alert.reminders.length > 0) return 'IvsChatAuditReminder';
  return 'IvsChatAuditSummary';
}

function eventId(alert: Alert): string {
  const part = alert.partLabel ? `-${alert.partLabel}` : '';
  return `${PRODUCT}-${alert.accountId || 'accounts'}-${alert.report.startedAt}${part}`
    .replace(/[^A-Za-z0-9:._-]/g, '-')
    .slice(0, 200);
}

/** The first rooms in rendering order, each once: only as many as Slack shows are read. */
function relatedResources(alert: Alert): string[] {
  const arns = new Set<string>();
  for (const f of sortFindings([...alert.newFindings, ...alert.reminders, ...alert.resolvedFindings])) {
    if (arns.size === SLACK_LIMITS.relatedResources) break;
    arns.add(stripControl(f.roomArn));
  }
  return [...arns];
}

/** The finding a sorted copy would list first, found without the copy. */
function firstInOrder(findings: readonly Finding[]): Finding | undefined {
  let first: Finding | undefined;
  for (const f of findings) if (!first || compareFindings(f, first) < 0) first = f;
  return first;
}

function additionalContext(alert: Alert): Record<string, string> {
  const r = alert.report;
  const context: Record<string, string> = {
    ...(alert.accountId ? { accountId: alert.accountId } : {}),
    ...((alert.accounts?.length ?? 0) > 1 ? { accountCount: String(alert.accounts?.length) } : {}),
    regions: alert.regions.join(','),
    newCount: String(alert.newFindings.length),
    resolvedCount: String(alert.resolvedFindings.length),
    stillOpenCount: String(alert.reminders.length),
    omittedCount: String(omittedTotal(alert)),
    roomsAudited: String(r.roomsAudited),
    errorCount: String(r.errors.length),
    complete: String(r.complete),
  };
  if (alert.notAudited?.length) context.notAuditedCount = String(alert.notAudited.length);
  if (alert.partLabel) context.part = alert.partLabel;
  for (const [k, v] of Object.entries(context))
    context[k] = truncate(stripControl(v), SLACK_LIMITS.contextValue);
  return context;
}
