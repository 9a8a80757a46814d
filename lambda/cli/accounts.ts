/**
 * `audit --account ID…`: several accounts in one run. The caller's own account is audited with its
 * own credentials, every other through the member role; each account runs the one pipeline
 * (`auditRun`) with its own credentials and its own API budget, one account after another (a
 * person waits for one report, and the regions of an account already run in parallel).
 */

import { combineReports } from '../audit/report.js';
import type { AwsConnection } from '../aws/clients.js';
import {
  type AuditTarget,
  accessDeniedError,
  memberRoleArn,
  planTargets,
  type TargetError,
  targetCredentials,
} from '../aws/targets.js';
import { ACCOUNT_ID, firstRegionOf } from '../core/arn.js';
import { AuditorError, ConfigError } from '../core/errors.js';
import type { AuditError, Finding, Report } from '../core/types.js';
import { identifyAccount } from '../inventory/live-audit.js';
import type { AuditedRun } from '../pipeline/run-audit.js';

/** What the CLI reports and delivers: one account's audit, or several accounts' as one. */
export interface CliAudit {
  report: Report;
  /** Findings resolved this run, shown after the report's own. */
  resolved: readonly Finding[];
  warnings: string[];
  stopped?: string;
  withheld?: string;
  /** Delivers (publishes, records) every account that may be; returns the messages published. */
  deliver(): Promise<{ published: number }>;
}

/** The --account values, each bad one named; duplicates are audited once. */
export function checkAccounts(accounts: readonly string[]): string[] {
  const bad = accounts.filter((id) => !ACCOUNT_ID.test(id));
  if (bad.length > 0) {
    const what = bad.length === 1 ? 'is not a 12-digit account id' : 'are not 12-digit account ids';
    throw new ConfigError('--account', `${bad.map((id) => `"${id}"`).join(', ')} ${what}`);
  }
  return [...new Set(accounts)];
}

/** The --role-name value, by the rule the member role's ARN is built with. */
export function checkRoleName(roleName: string): void {
  try {
    memberRoleArn('000000000000', { roleName });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      '--role-name',
      `"${roleName}" is not an IAM role name (1-64 letters, digits and +=,.@_-, after an optional path)`,
    );
  }
}

export function singleAudit(target: AuditedRun): CliAudit {
  return {
    report: target.report,
    resolved: target.reconciliation.resolvedFindings,
    warnings: target.warnings,
    ...(target.stopped ? { stopped: target.stopped } : {}),
    ...(target.withheld ? { withheld: target.withheld } : {}),
    deliver: async () => ({ published: (await target.deliver()).published }),
  };
}

export interface AccountsRun {
  accounts: readonly string[];
  roleName: string;
  regions: readonly string[];
  /** The caller's own connection: it audits its own account and assumes the member roles. */
  connection: AwsConnection;
  signal: AbortSignal;
  clock: () => Date;
  /** Runs the pipeline for one account with that account's connection. */
  audit(connection: AwsConnection): Promise<AuditedRun>;
}

export async function auditAccounts(run: AccountsRun): Promise<CliAudit> {
  const startedAt = run.clock().toISOString();
  const self = await identifyAccount(firstRegionOf(run.regions), run.connection, run.signal);
  if (self.error) {
    // Without it the own account would be audited through a member role it may not have.
    throw new AuditorError(
      `--account: the caller's own account could not be identified (GetCallerIdentity: ${self.error.code} ${self.error.message})`,
    );
  }
  const plan = await planTargets({
    accounts: run.accounts,
    regions: run.regions,
    selfAccountId: self.accountId,
    connection: run.connection,
    signal: run.signal,
  });
  const byAccount = new Map<string, AuditTarget[]>();
  for (const t of plan.targets) byAccount.set(t.accountId, [...(byAccount.get(t.accountId) ?? []), t]);

  const audited: AuditedRun[] = [];
  const errors: AuditError[] = plan.errors.map(reportError);
  const targets = plan.targets.map(({ accountId, region }) => ({ accountId, region }));
  for (const accountTargets of byAccount.values()) {
    const [first] = accountTargets as [AuditTarget];
    const access = await targetCredentials(first, {
      roleName: run.roleName,
      connection: run.connection,
      signal: run.signal,
    });
    if (!access.ok) {
      for (const t of accountTargets) errors.push(reportError({ ...access.error, region: t.region }));
      continue;
    }
    const target = await run.audit(access.connection);
    audited.push(target);
    errors.push(...withDeniedNamed(target.report.errors, accountTargets, run.roleName));
  }

  const report: Report = {
    ...combineReports(audited.map((t) => t.report)),
    startedAt,
    finishedAt: run.clock().toISOString(),
    // Every planned target, audited or not; the errors name the ones that were not.
    targets,
    errors,
  };
  if (errors.length > 0) report.complete = false;
  const stopped = audited.find((t) => t.stopped)?.stopped;
  const withheld = audited.find((t) => t.withheld);
  return {
    report,
    resolved: audited.flatMap((t) => t.reconciliation.resolvedFindings),
    warnings: audited.flatMap((t) => t.warnings),
    ...(stopped ? { stopped } : {}),
    ...(withheld?.withheld ? { withheld: `account ${withheld.accountId}: ${withheld.withheld}` } : {}),
    deliver: async () => {
      let published = 0;
      // One account at a time: each records into the same state file once its alert is out.
      for (const t of audited) published += (await t.deliver()).published;
      return { published };
    },
  };
}

/** The report's errors have no account field: the message names the account. */
function reportError(error: TargetError): AuditError {
  const { accountId: _, ...rest } = error;
  return rest;
}

/** IVS Chat refusing a region becomes that target's error, naming the role and the fix. */
function withDeniedNamed(
  errors: readonly AuditError[],
  targets: readonly AuditTarget[],
  roleName: string,
): AuditError[] {
  return targets.flatMap((t) => {
    const inRegion = errors.filter((e) => e.region === t.region);
    const denied = accessDeniedError(t, inRegion, roleName);
    return denied ? [reportError(denied)] : inRegion;
  });
}
