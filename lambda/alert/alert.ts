import { isFailing } from '../audit/finding-state.js';
import type { PlannedChange, PlanSkip } from '../audit/remediation-plan.js';
import { compareFindings } from '../audit/report.js';
import type { Finding, Report, Severity, Target } from '../core/types.js';
import { FULL_AUDIT_DUE, SEVERITIES, SEVERITY_RANK } from '../core/types.js';
import { unchangedCount } from '../core/unchanged-open.js';
import type { TrailEntry } from '../remediate/trail.js';
import type { ActiveRemediationMode } from '../settings/table.js';

/** Findings left out of a rendered alert because of size limits: counted, never silently dropped. */
export interface OmittedCounts {
  new: number;
  resolved: number;
  reminders: number;
  /** Targets not audited that are not listed (set only when some were left out). */
  notAudited?: number;
}

/** A target (account × region) a run could not audit: its rooms were not checked at all. */
export interface NotAuditedTarget extends Target {
  /** Why, often an AWS error message: untrusted text, escaped like room data by every renderer. */
  reason: string;
  /** Consecutive runs this target was not audited, this one included: 1 = newly failing. */
  failedRuns: number;
}

/** A guard a target's plan exceeded: nothing of that target was (or would be) changed. */
export interface TrippedGuard extends Target {
  /** One sentence per guard, naming the setting (e.g. "3 changes planned, more than remediationMaxChanges 2"). */
  problems: string[];
}

/**
 * What the deployed auditor's remediation planned (`plan`) or did (`apply`) in this run, over every
 * target. Room names, field values and reasons are untrusted text: every renderer escapes them.
 */
export interface AlertRemediation {
  mode: ActiveRemediationMode;
  /** The opt-in tag (`key=value`) the targets planned with; the apply command carries it. */
  tag?: string;
  /** The changes planned (plan mode: what `ivschat-audit remediate --apply` would make). */
  planned: PlannedChange[];
  /** Apply mode: the changes made, skipped or failed, as the trail records them. */
  entries: TrailEntry[];
  /** Writes of earlier runs whose alert could not be delivered: listed now, so none goes untold. */
  earlier?: TrailEntry[];
  /** Violations of a fixable policy left alone, and why (not opted in, exempt, …). */
  skipped: PlanSkip[];
  tripped: TrippedGuard[];
  /** Targets whose remediation stopped before its end (trail or STS failure), with why. */
  errors: (Target & { message: string })[];
  /** Changes, entries and skips of the run not listed here (size limits), counted. */
  omitted: number;
}

/** What one notification is about: the result of reconciling a run against stored state. */
export interface Alert {
  accountId: string;
  regions: string[];
  newFindings: Finding[];
  resolvedFindings: Finding[];
  /** Still open, due for re-notification. */
  reminders: Finding[];
  /**
   * Findings exempted in this run (they were open, or not seen, before). People are not told (the
   * exemption was their own decision); the Security Hub and EventBridge sinks record the transition.
   */
  exemptedFindings?: Finding[];
  report: Report;
  /** e.g. "part 2/3" when one run's alert is split across several messages. */
  partLabel?: string;
  /** Findings of this run not listed in this alert (they did not fit). */
  omitted?: OmittedCounts;
  /** Every account a run alert covers; with more than one, `accountId` is '' and renderers say "N accounts". */
  accounts?: string[];
  /** Targets the run could not audit; every renderer lists them first, as the most urgent part. */
  notAudited?: NotAuditedTarget[];
  /** The deployed remediation's plan or changes (setting `remediation`), when it had any. */
  remediation?: AlertRemediation;
  /**
   * The AWS console page of this run's HTML report in S3 (setting `reportBucket`), when it was
   * written; built from percent-encoded parts (`render/console-url.ts`).
   */
  reportUrl?: string;
}

/**
 * True when the alert has anything to tell a person: a finding, or a target not audited for the
 * first time. A target that keeps failing is listed whenever an alert goes out but does not by
 * itself send one every run: the MaxConsecutiveTargetFailures alarm covers a streak, so an account
 * whose member role is gone does not page every hour.
 */
export function hasContent(alert: Alert): boolean {
  return (
    alert.newFindings.length + alert.resolvedFindings.length + alert.reminders.length > 0 ||
    (alert.notAudited ?? []).some((t) => t.failedRuns === 1) ||
    changedByAuditor(alert) > 0 ||
    (alert.remediation?.errors.length ?? 0) > 0
  );
}

/**
 * Rooms the auditor wrote, or tried to, in this run: people are always told of a write, and of
 * remediation that stopped on an error (a trail it could not write, a deadline; see hasContent). A
 * plan, or a tripped guard, is shown when an alert goes out but sends none by itself (it would every
 * hour); the RemediationGuardTripped metric counts it every run.
 */
export function changedByAuditor(alert: Pick<Alert, 'remediation'>): number {
  const r = alert.remediation;
  return [...(r?.entries ?? []), ...(r?.earlier ?? [])].filter((e) => e.outcome !== 'skipped').length;
}

/**
 * True when the report is incomplete only because a change batch left changed rooms to the next
 * scheduled audit (a storm, or the invocation's time): nothing for a reader to fix.
 */
export function deferredToFullAudit(report: Pick<Report, 'complete' | 'errors'>): boolean {
  return (
    !report.complete && report.errors.length > 0 && report.errors.every((e) => e.code === FULL_AUDIT_DUE)
  );
}

/** The account an alert is about, or "3 accounts" for a run over several. */
export function accountScope(alert: Pick<Alert, 'accountId' | 'accounts'>): string {
  const count = alert.accounts?.length ?? 0;
  return count > 1 ? `${count} accounts` : alert.accountId;
}

/** True when findings go under account headings: the alert covers, or its findings span, several accounts. */
export function spansAccounts(alert: Alert): boolean {
  if ((alert.accounts?.length ?? 0) > 1) return true;
  const ids = new Set<string>();
  for (const list of [alert.newFindings, alert.resolvedFindings, alert.reminders]) {
    for (const f of list) ids.add(f.accountId);
  }
  return ids.size > 1;
}

/** Findings by account (account id order), each account's in the usual `sortFindings` order. */
export function groupByAccount(findings: readonly Finding[]): { accountId: string; findings: Finding[] }[] {
  const groups = new Map<string, Finding[]>();
  for (const f of sortFindings(findings)) {
    const group = groups.get(f.accountId);
    if (group) group.push(f);
    else groups.set(f.accountId, [f]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([accountId, list]) => ({ accountId, findings: list }));
}

/** Findings in rendering order: by account first when the alert spans accounts, else `sortFindings`. */
export function renderOrder(alert: Alert, findings: readonly Finding[]): Finding[] {
  return spansAccounts(alert) ? groupByAccount(findings).flatMap((g) => g.findings) : sortFindings(findings);
}

/** Targets not audited in rendering order: account, then region. Returns a new array. */
export function sortNotAudited(targets: readonly NotAuditedTarget[]): NotAuditedTarget[] {
  const key = (t: NotAuditedTarget) => `${t.accountId}\u0000${t.region}`;
  return [...targets].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** "failing for 3 runs" for a target not audited in several runs in a row; '' the first time. */
export function failingFor(target: NotAuditedTarget): string {
  return target.failedRuns > 1 ? `failing for ${target.failedRuns} runs` : '';
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

/** Findings currently failing in the report (new or open, not exempt, not resolved) that it lists. */
export function openInReport(report: Report): Finding[] {
  return report.findings.filter(isFailing);
}

/** How many findings the report has: those it lists and those it only counts (Report.unchangedOpen). */
export function findingCount(report: Report): number {
  return report.findings.length + unchangedCount(report);
}

/**
 * How many findings are failing: those listed, and those counted (open, as stored). Counted in
 * place: each SNS part asks it twice, and a list of 145,823 failing findings per ask was the peak of
 * a first audit's publish (each one large enough for V8's large-object space, freed only by a full
 * collection).
 */
export function openCount(report: Report): number {
  let listed = 0;
  for (const finding of report.findings) if (isFailing(finding)) listed++;
  return listed + unchangedCount(report);
}
