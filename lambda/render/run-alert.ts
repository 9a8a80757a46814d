import { combineReports } from '../core/report.js';
import type { Finding, Report } from '../core/types.js';
import type { Alert, NotAuditedTarget } from './alert.js';

/** One target's (account × region) reconciled outcome, as the aggregate step reads it back. */
export interface TargetOutcome {
  accountId: string;
  region: string;
  report: Report;
  newFindings: Finding[];
  resolvedFindings: Finding[];
  reminders: Finding[];
}

/**
 * The one alert of a run over many targets: every audited target's findings, the accounts it
 * covers (audited or not), and the targets not audited. `accountId` is the account when there is
 * one, else ''. The report is incomplete when any target was not audited. Pure.
 */
export function runAlert(parts: readonly TargetOutcome[], notAudited: readonly NotAuditedTarget[]): Alert {
  const accounts = [...new Set([...parts, ...notAudited].map((t) => t.accountId))].sort();
  const regions = [...new Set([...parts, ...notAudited].map((t) => t.region))];
  const report = combineReports(parts.map((p) => p.report));
  if (notAudited.length > 0) report.complete = false;
  return {
    accountId: accounts.length === 1 ? (accounts[0] ?? '') : '',
    regions,
    newFindings: parts.flatMap((p) => p.newFindings),
    resolvedFindings: parts.flatMap((p) => p.resolvedFindings),
    reminders: parts.flatMap((p) => p.reminders),
    report,
    accounts,
    notAudited: [...notAudited],
  };
}
