import { combineReports } from '../audit/report.js';
import type { Finding, Report, Target } from '../core/types.js';
import type { TargetRemediation } from '../remediate/deployed.js';
import type { Alert, AlertRemediation, NotAuditedTarget } from './alert.js';

/** An alert lists at most this many of each remediation list (over all targets); the rest are counted. */
export const MAX_ALERT_REMEDIATION = 25;

/** One audited target's (account × region) part of a run's alert: its report and what to tell of it. */
export interface TargetAlertPart extends Target {
  report: Report;
  newFindings: Finding[];
  resolvedFindings: Finding[];
  reminders: Finding[];
  /** What remediation planned or did for the target, when it is on. */
  remediation?: TargetRemediation;
}

/**
 * The one alert of a run over many targets: every audited target's findings, the accounts it
 * covers (audited or not), and the targets not audited. `accountId` is the account when there is
 * one, else ''. The report is incomplete when any target was not audited. Pure.
 */
export function runAlert(parts: readonly TargetAlertPart[], notAudited: readonly NotAuditedTarget[]): Alert {
  const accounts = [...new Set([...parts, ...notAudited].map((t) => t.accountId))].sort();
  const regions = [...new Set([...parts, ...notAudited].map((t) => t.region))];
  const report = combineReports(parts.map((p) => p.report));
  if (notAudited.length > 0) report.complete = false;
  const remediation = alertRemediation(parts);
  return {
    accountId: accounts.length === 1 ? (accounts[0] ?? '') : '',
    regions,
    newFindings: parts.flatMap((p) => p.newFindings),
    resolvedFindings: parts.flatMap((p) => p.resolvedFindings),
    reminders: parts.flatMap((p) => p.reminders),
    report,
    accounts,
    notAudited: [...notAudited],
    ...(remediation ? { remediation } : {}),
  };
}

/**
 * The targets' remediation as one section: the first MAX_ALERT_REMEDIATION of each list (writes
 * before skips, so what the auditor changed is never the part left out), the rest counted.
 */
export function alertRemediation(parts: readonly TargetAlertPart[]): AlertRemediation | undefined {
  const all = parts.flatMap((p) => (p.remediation ? [{ part: p, r: p.remediation }] : []));
  const [first] = all;
  if (!first) return undefined;
  let omitted = all.reduce((n, { r }) => n + (r.omitted ?? 0), 0);
  const cut = <T>(items: T[]): T[] => {
    omitted += Math.max(0, items.length - MAX_ALERT_REMEDIATION);
    return items.slice(0, MAX_ALERT_REMEDIATION);
  };
  const entries = all.flatMap(({ r }) => r.entries);
  const rank = { applied: 0, failed: 1, skipped: 2 } as const;
  return {
    mode: first.r.mode,
    ...(first.r.tag ? { tag: first.r.tag } : {}),
    planned: cut(all.flatMap(({ r }) => r.planned)),
    entries: cut(
      entries
        .map((e, i) => ({ e, i }))
        .sort((a, b) => rank[a.e.outcome] - rank[b.e.outcome] || a.i - b.i)
        .map(({ e }) => e),
    ),
    skipped: cut(all.flatMap(({ r }) => r.skipped)),
    ...(all.some(({ r }) => r.earlier?.length)
      ? { earlier: cut(all.flatMap(({ r }) => r.earlier ?? [])) }
      : {}),
    tripped: all.flatMap(({ part, r }) =>
      r.tripped.length > 0 ? [{ accountId: part.accountId, region: part.region, problems: r.tripped }] : [],
    ),
    errors: all.flatMap(({ part, r }) =>
      r.error ? [{ accountId: part.accountId, region: part.region, message: r.error }] : [],
    ),
    omitted,
  };
}
