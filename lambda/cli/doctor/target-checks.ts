/**
 * Every audited account × region: the auditor's own last run of it (stored-runs.ts), and where
 * doctor's credentials may enter the account (its own, or the member role when it trusts them) one
 * ListRooms page readable, the member stack's forwarding rule present when change events are on, and
 * Security Hub enabled there when findings go to it.
 *
 * Only a refusal (AccessDenied: the role missing or not trusting the caller; ListRooms not granted)
 * is a finding about the deployment. Throttling, network errors, an abort or a spent call budget
 * say nothing about it: they are thrown, and `guarded` reports the check as could-not-check.
 */

import { ListRuleNamesByTargetCommand } from '@aws-sdk/client-eventbridge';
import { ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { paginateListAccounts } from '@aws-sdk/client-organizations';
import { DescribeHubCommand } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsConnection } from '../../aws/clients.js';
import { MEMBER_STACK_NAME, memberRoleArn } from '../../aws/targets.js';
import { type CheckResult, check, errorCode, errorLine, isAccessDenied } from './check.js';
import { type DoctorContext, sendOptions } from './context.js';
import { isStale, readStoredRun, type StoredRunRead, storedRunLine } from './stored-runs.js';

const SESSION_NAME = 'ivschat-audit-doctor';

/**
 * How doctor reaches one account: its own credentials, a member session, or why it cannot —
 * `refused` when the member role refused it (AccessDenied), else it could not ask (throttled, network).
 */
export type AccountAccess =
  | { readonly ok: true; readonly member?: { key: string; connection: AwsConnection } }
  | { readonly ok: false; readonly refused: boolean; readonly evidence: string };

/** The audited accounts: as listed, or the organization's ACTIVE accounts (Organizations ListAccounts). */
export async function auditedAccounts(ctx: DoctorContext): Promise<string[]> {
  const { accounts } = ctx.deployment;
  if (accounts !== 'organization') return [...accounts];
  const ids: string[] = [];
  const pages = paginateListAccounts(
    { client: ctx.clients.get('organizations', 'us-east-1'), pageSize: 20 },
    {},
    sendOptions(ctx),
  );
  for await (const page of pages)
    for (const account of page.Accounts ?? [])
      if (account.Id && (account.State ?? account.Status) === 'ACTIVE') ids.push(account.Id);
  return ids;
}

/** Assumes the member role of `accountId` once (IAM is global); the auditor's own account needs none. */
export async function accountAccess(ctx: DoctorContext, accountId: string): Promise<AccountAccess> {
  if (accountId === ctx.deployment.accountId) return { ok: true };
  const roleArn = memberRoleArn(accountId, { roleName: ctx.deployment.memberRoleName });
  try {
    const { Credentials: c } = await ctx.clients
      .get('sts', ctx.deployment.region)
      .send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: SESSION_NAME, DurationSeconds: 900 }),
        sendOptions(ctx),
      );
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole answered no credentials');
    const credentials = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    };
    return {
      ok: true,
      member: { key: accountId, connection: { ...ctx.clients.baseConnection, credentials } },
    };
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    return { ok: false, refused: true, evidence: `cannot assume ${roleArn}: ${errorLine(error)}` };
  }
}

/** The fix for a target the auditor's own runs cannot reach. */
const memberStackFix = (accountId: string, region: string) =>
  `deploy the ${MEMBER_STACK_NAME} stack in ${region} of account ${accountId} (docs/deploy.md), or update it to this version; the auditor's next scheduled run records whether it can reach the target`;

/**
 * A target doctor could not enter itself: the auditor's stored outcome decides. A recent success
 * passes (the member role need not trust the operator); a stored failure fails; no record, a stale
 * one or an unreadable table is could-not-check.
 */
function fromStoredRun(
  ctx: DoctorContext,
  id: string,
  title: string,
  accountId: string,
  region: string,
  access: AccountAccess & { ok: false },
  stored: StoredRunRead,
): CheckResult {
  const evidence = [
    access.refused
      ? `${access.evidence} (the member role trusts the auditor, and you only if memberTrustedPrincipals names you)`
      : access.evidence,
  ];
  if (stored.kind === 'found') {
    evidence.push(storedRunLine(ctx, stored.run));
    if (stored.run.consecutiveFailures > 0)
      return check(id, title, 'fail', evidence, memberStackFix(accountId, region));
    if (!isStale(ctx, stored.run)) return check(id, title, 'pass', evidence);
    evidence.push('that record is older than two audit intervals');
    return check(id, title, 'unknown', evidence, 'see the "schedule" check: the auditor has not run lately');
  }
  evidence.push(
    stored.kind === 'none'
      ? 'the state table holds no scheduled run of this target yet'
      : `could not read the auditor's record of this target: ${stored.reason}`,
  );
  return check(
    id,
    title,
    'unknown',
    evidence,
    stored.kind === 'none'
      ? `wait for the next scheduled run, then run doctor again; if the ${MEMBER_STACK_NAME} stack is not deployed in ${accountId}, deploy it`
      : 'see the README for the IAM policy doctor needs (dynamodb:GetItem on the state table), then run doctor again',
  );
}

export async function targetCheck(
  ctx: DoctorContext,
  accountId: string,
  region: string,
  access: AccountAccess,
): Promise<CheckResult> {
  const id = `target:${accountId}/${region}`;
  const title = `Audit target ${accountId} ${region}`;
  const stored = await readStoredRun(ctx, accountId, region);
  if (!access.ok) return fromStoredRun(ctx, id, title, accountId, region, access, stored);
  const evidence: string[] = [
    access.member ? 'member role assumed' : "the auditor's own account (no role assumed)",
  ];
  try {
    const page = await ctx.clients
      .get('ivschat', region, access.member)
      .send(new ListRoomsCommand({ maxResults: 1 }), sendOptions(ctx));
    evidence.push(`ListRooms answered (${page.rooms?.length ?? 0} room(s) on a page of 1)`);
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    evidence.push(`ListRooms refused: ${errorLine(error)}`);
    return check(
      id,
      title,
      'fail',
      evidence,
      `the role lacks ivschat:ListRooms in ${region}: update the ${MEMBER_STACK_NAME} stack in ${accountId} to this version`,
    );
  }
  // The auditor's own runs may fail where doctor's session works (its role, its network path).
  if (stored.kind === 'found') {
    evidence.push(storedRunLine(ctx, stored.run));
    if (stored.run.consecutiveFailures > 0)
      return check(id, title, 'fail', evidence, memberStackFix(accountId, region));
  }
  const forwarding = await forwardingRule(ctx, accountId, region, access);
  if (forwarding) {
    evidence.push(forwarding.evidence);
    if (forwarding.status !== 'pass') return check(id, title, forwarding.status, evidence, forwarding.fix);
  }
  return check(id, title, 'pass', evidence);
}

/**
 * Where the changes of `accountId` × `region` do not land on the auditor's own bus, a rule of the
 * member stack must forward them there. Undefined where no forwarding is needed.
 */
async function forwardingRule(
  ctx: DoctorContext,
  accountId: string,
  region: string,
  access: AccountAccess & { ok: true },
): Promise<{ status: 'pass' | 'warn' | 'fail' | 'unknown'; evidence: string; fix?: string } | undefined> {
  const d = ctx.deployment;
  if (!d.changes || (accountId === d.accountId && region === d.region)) return undefined;
  const bus = `arn:aws:events:${d.region}:${d.accountId}:event-bus/default`;
  const fix = `deploy the ${MEMBER_STACK_NAME} stack in ${region} of account ${accountId} with the auditor's changeEvents on (it forwards IVS Chat changes to ${bus})`;
  try {
    const { RuleNames = [] } = await ctx.clients
      .get('events', region, access.member)
      .send(new ListRuleNamesByTargetCommand({ TargetArn: bus }), sendOptions(ctx));
    if (RuleNames.length > 0)
      return { status: 'pass', evidence: `changes forwarded by rule ${RuleNames.join(', ')}` };
    return { status: 'fail', evidence: `no rule forwards changes to ${bus}`, fix };
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    // The member role (IvsChatAuditorMember) grants IVS Chat reads only: a refusal through it is the
    // role's design, not a broken deployment, so it is a warning to look by hand, not "could not check".
    return {
      status: access.member ? 'warn' : 'unknown',
      evidence: `could not look for the forwarding rule: ${errorLine(error)}`,
      fix: `check in the console (EventBridge → Rules in ${region} of ${accountId}) for a rule targeting ${bus}`,
    };
  }
}

export async function securityHubCheck(
  ctx: DoctorContext,
  accountId: string,
  region: string,
  access: AccountAccess,
): Promise<CheckResult> {
  const id = `securityhub:${accountId}/${region}`;
  const title = `Security Hub in ${accountId} ${region}`;
  if (!access.ok)
    return check(
      id,
      title,
      access.refused ? 'warn' : 'unknown',
      [access.evidence],
      `check in the console: Security Hub in ${region} of ${accountId}`,
    );
  try {
    const hub = await ctx.clients
      .get('securityhub', region, access.member)
      .send(new DescribeHubCommand({}), sendOptions(ctx));
    return check(id, title, 'pass', [`enabled: ${hub.HubArn ?? 'hub'}`]);
  } catch (error) {
    if (errorCode(error) === 'InvalidAccessException')
      return check(
        id,
        title,
        'fail',
        [`not enabled: ${errorLine(error)}`],
        `aws securityhub enable-security-hub --region ${region} (in account ${accountId}); findings imported meanwhile are refused`,
      );
    if (isAccessDenied(error))
      return check(
        id,
        title,
        access.member ? 'warn' : 'unknown',
        [`could not ask: ${errorLine(error)}`],
        `check in the console: Security Hub in ${region} of ${accountId}`,
      );
    throw error;
  }
}
