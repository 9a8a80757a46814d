import { isRegionName } from '../core/arn.js';
import { compareFindings } from '../core/report.js';
import type { Finding, Report, Severity } from '../core/types.js';
import { SEVERITIES, SEVERITY_RANK } from '../core/types.js';
import { wellFormed } from './escape.js';

/** Findings left out of a rendered alert because of size limits: counted, never silently dropped. */
export interface OmittedCounts {
  new: number;
  resolved: number;
  reminders: number;
}

/** What one notification is about: the result of reconciling a run against stored state. */
export interface Alert {
  accountId: string;
  regions: string[];
  newFindings: Finding[];
  resolvedFindings: Finding[];
  /** Still open, due for re-notification. */
  reminders: Finding[];
  report: Report;
  /** e.g. "part 2/3" when one run's alert is split across several messages. */
  partLabel?: string;
  /** Findings of this run not listed in this alert (they did not fit). */
  omitted?: OmittedCounts;
}

/** True when the alert has anything to tell a person. */
export function hasContent(alert: Alert): boolean {
  return alert.newFindings.length + alert.resolvedFindings.length + alert.reminders.length > 0;
}

export function omittedTotal(alert: Alert): number {
  const o = alert.omitted;
  return o ? o.new + o.resolved + o.reminders : 0;
}

/** The highest severity among `findings`, or undefined when there are none. */
export function highestSeverity(findings: readonly Finding[]): Severity | undefined {
  let best: Severity | undefined;
  for (const f of findings) {
    if (best === undefined || SEVERITY_RANK[f.severity] > SEVERITY_RANK[best]) best = f.severity;
  }
  return best;
}

/** Counts per severity, in SEVERITIES order, omitting zeros: "1 critical, 2 high". */
export function severityBreakdown(findings: readonly Finding[]): string {
  const counts = countBySeverity(findings);
  return SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

/**
 * Stable order for rendering: severity (critical first), then policy id, then region and room.
 * Returns a new array.
 */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** Groups sorted findings by severity then policy, preserving order. */
export function groupBySeverityAndPolicy(
  findings: readonly Finding[],
): { severity: Severity; policies: { policyId: string; title: string; findings: Finding[] }[] }[] {
  const groups: {
    severity: Severity;
    policies: { policyId: string; title: string; findings: Finding[] }[];
  }[] = [];
  for (const f of sortFindings(findings)) {
    let sev = groups.at(-1);
    if (sev?.severity !== f.severity) {
      sev = { severity: f.severity, policies: [] };
      groups.push(sev);
    }
    let pol = sev.policies.at(-1);
    if (pol?.policyId !== f.policyId) {
      pol = { policyId: f.policyId, title: f.title, findings: [] };
      sev.policies.push(pol);
    }
    pol.findings.push(f);
  }
  return groups;
}

/** Findings currently failing in the report (new or open, not exempt, not resolved). */
export function openInReport(report: Report): Finding[] {
  return report.findings.filter((f) => f.status === 'new' || f.status === 'open');
}

/**
 * The AWS console page of a chat room. Built only from percent-encoded parts, so it is a trusted
 * URL that renderers insert as-is (never through `escapeSlack`, which would defang it). A region
 * that is not a plain region name is not put in the host name (percent escapes there make an
 * invalid URL): the link then uses the global console host, which redirects by `?region=`.
 */
export function consoleUrl(f: Pick<Finding, 'region' | 'roomId' | 'roomArn'>): string {
  const region = urlPart(f.region);
  const host = isRegionName(f.region) ? `${f.region}.console.aws.amazon.com` : 'console.aws.amazon.com';
  const roomId = urlPart(f.roomId || f.roomArn.split('/').at(-1) || '');
  return `https://${host}/ivs/home?region=${region}#/chat/rooms/${roomId}`;
}

/**
 * Percent-encodes also the characters markdown renderers treat specially, so a URL stays a plain
 * URL. Lone surrogates become U+FFFD first: `encodeURIComponent` throws on them, and one in a room
 * id or region would otherwise abort the whole notification.
 */
function urlPart(s: string): string {
  return encodeURIComponent(wellFormed(s)).replace(
    /[!'()*~_]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
