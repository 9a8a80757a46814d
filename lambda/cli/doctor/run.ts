/**
 * One doctor run: every check against one deployment, each independent (one that cannot be made is
 * `unknown` with what could not be reached, never a crash of the run), within one call budget.
 */
import type { AwsConnection } from '../../aws/clients.js';
import type { Deployment } from '../deployment.js';
import { EXIT } from '../exit-codes.js';
import { alertsChecks } from './alert-run.js';
import { CallBudget, DoctorClients, mapLimit } from './calls.js';
import { changeQueueCheck, changeRuleCheck, trailCheck } from './change-checks.js';
import { type CheckResult, check, errorLine, guarded } from './check.js';
import type { DoctorContext } from './context.js';
import { alarmsCheck, scheduleCheck, stackCheck } from './schedule-checks.js';
import { accountAccess, auditedAccounts, securityHubCheck, targetCheck } from './target-checks.js';

/** Targets checked at the same time: a few, so a large organization neither floods STS nor waits long. */
const TARGET_CONCURRENCY = 4;

export interface DoctorReport {
  readonly stackName: string;
  readonly region: string;
  readonly checkedAt: string;
  readonly checks: readonly CheckResult[];
  /** Calls made, and the budget they were made within. */
  readonly calls: { readonly made: number; readonly budget: number };
}

export interface DoctorOptions {
  readonly deployment: Deployment;
  readonly connection: AwsConnection;
  readonly now: Date;
  readonly signal?: AbortSignal;
  /** The state table's endpoint when not the connection's ($AWS_ENDPOINT_URL_DYNAMODB). */
  readonly stateEndpoint?: string;
  /** Test seam: the budget whose `actions` list every call made. @default a budget sized for the deployment */
  readonly budget?: CallBudget;
}

/** Calls one account takes: AssumeRole, then per region GetItem, ListRooms, ListRuleNamesByTarget, DescribeHub and one spare. */
const callsPerAccount = (deployment: Deployment) => 1 + 5 * deployment.regions.length;

/** ListAccounts pages an organization's listing may take (20 accounts a page: 10,000 accounts). */
const ORGANIZATION_PAGES = 500;

/**
 * A budget for `deployment`: the fixed checks (about 20 calls), three per region for its trails, and
 * each account's calls. An organization's accounts are not known before ListAccounts: its budget
 * holds the listing and the auditor's own account, and grows by the accounts listed (`forAccounts`).
 */
export function callBudgetFor(deployment: Deployment): number {
  const listed = deployment.accounts === 'organization' ? 0 : deployment.accounts.length;
  const listing = deployment.accounts === 'organization' ? ORGANIZATION_PAGES : 0;
  return 30 + 3 * 4 * deployment.regions.length + listing + (listed + 1) * callsPerAccount(deployment);
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { deployment } = options;
  const budget = options.budget ?? new CallBudget(callBudgetFor(deployment));
  const clients = new DoctorClients(budget, options.connection, options.stateEndpoint);
  const ctx: DoctorContext = {
    deployment,
    clients,
    now: options.now,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  try {
    const checks: CheckResult[] = [stackCheck(ctx)];
    checks.push(await guarded('schedule', 'Scheduled audits', () => scheduleCheck(ctx)));
    checks.push(...(await alertsChecks(ctx)));
    checks.push(await guarded('alarms', "The auditor's alarms", () => alarmsCheck(ctx)));
    for (const region of deployment.regions)
      checks.push(await guarded(`trail:${region}`, `CloudTrail in ${region}`, () => trailCheck(ctx, region)));
    checks.push(await guarded('change-rule', 'Change rule', () => changeRuleCheck(ctx)));
    checks.push(await guarded('change-queue', 'Change queue', () => changeQueueCheck(ctx)));
    checks.push(...(await targetChecks(ctx, budget)));
    return {
      stackName: deployment.stackName,
      region: deployment.region,
      checkedAt: options.now.toISOString(),
      checks,
      calls: { made: budget.used, budget: budget.max },
    };
  } finally {
    clients.destroyAll();
  }
}

async function targetChecks(ctx: DoctorContext, budget: CallBudget): Promise<CheckResult[]> {
  let accounts: string[];
  try {
    accounts = await auditedAccounts(ctx);
    // The organization's size is known now: its accounts get their calls.
    if (ctx.deployment.accounts === 'organization')
      budget.extend(accounts.length * callsPerAccount(ctx.deployment));
  } catch (error) {
    return [
      check(
        'targets',
        'Audited accounts',
        'unknown',
        [`could not list the organization's accounts: ${errorLine(error)}`],
        'run doctor with credentials of the management (or a delegated administrator) account: it needs organizations:ListAccounts',
      ),
    ];
  }
  const { regions, sinks } = ctx.deployment;
  const perAccount = await mapLimit(accounts, TARGET_CONCURRENCY, async (accountId) => {
    // Not a refusal (throttled, network, abort, budget spent): the targets are could-not-check.
    const access = await accountAccess(ctx, accountId).catch((error: unknown) => ({
      ok: false as const,
      refused: false,
      evidence: `could not ask STS for the member role: ${errorLine(error)}`,
    }));
    const results: CheckResult[] = [];
    for (const region of regions) {
      results.push(
        await guarded(`target:${accountId}/${region}`, `Audit target ${accountId} ${region}`, () =>
          targetCheck(ctx, accountId, region, access),
        ),
      );
      if (sinks.securityHub)
        results.push(
          await guarded(`securityhub:${accountId}/${region}`, `Security Hub in ${accountId} ${region}`, () =>
            securityHubCheck(ctx, accountId, region, access),
          ),
        );
    }
    return results;
  });
  return perAccount.flat();
}

/** 1 when any check failed, else 3 when any could not be made, else 0 (warnings and skips are healthy). */
export function doctorExitCode(report: DoctorReport): number {
  if (report.checks.some((c) => c.status === 'fail')) return EXIT.findings;
  if (report.checks.some((c) => c.status === 'unknown')) return EXIT.incomplete;
  return EXIT.clean;
}
