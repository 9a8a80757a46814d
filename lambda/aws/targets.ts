/**
 * Audit targets (account × region) and the credentials to audit each one with. The planning step
 * of a run calls `planTargets`; each target's audit calls `targetCredentials` and reports any
 * failure as that target's error, so one unreachable account never stops the others.
 */
import { type Account, paginateListAccounts } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ACCOUNT_ID, isRegionName } from '../core/arn.js';
import { AuditorError, ConfigError } from '../core/errors.js';
import { PRODUCT_NAME } from '../core/product.js';
import type { AuditError, Target } from '../core/types.js';
import { SETTINGS } from '../settings/table.js';
import { type AwsConnection, organizationsClient, stsClient } from './clients.js';
import { toAuditError } from './inventory.js';
import { sessionPolicy } from './session-policy.js';

/** One account × region to audit. */
export interface AuditTarget extends Readonly<Target> {
  /** Audit through the member role (every account but the auditor's own). */
  readonly assumeRole: boolean;
}

/** Why a target (or the plan) could not be audited, with what a person can do about it. */
export interface TargetError extends Readonly<Target> {
  readonly operation: string;
  readonly code: string;
  readonly message: string;
}

/** `''`: the auditor's own account; a list of 12-digit ids; or every ACTIVE account of the organization. */
export type AccountsSetting = '' | 'organization' | readonly string[];

export interface PlanOptions {
  readonly accounts: AccountsSetting;
  readonly regions: readonly string[];
  /** The account the auditor runs in: audited with its own role, never through the member role. */
  readonly selfAccountId: string;
  readonly connection?: AwsConnection;
  /** Where Organizations is called (its endpoint is global, in us-east-1 for the aws partition). @default 'us-east-1' */
  readonly organizationsRegion?: string;
  readonly signal?: AbortSignal;
}

export interface TargetPlan {
  /** Account-major, in the order the accounts were given (or listed), then the regions' order. */
  readonly targets: AuditTarget[];
  /** Accounts the organization lists but not as ACTIVE (suspended, closing): not audited. */
  readonly inactiveAccounts: { readonly accountId: string; readonly status: string }[];
  /** The plan is incomplete when this is not empty (e.g. ListAccounts was refused). */
  readonly errors: TargetError[];
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const PARTITION = /^aws(-[a-z]+)*$/;
const LIST_ACCOUNTS = 'organizations:ListAccounts';

export const DEFAULT_MEMBER_ROLE_NAME = SETTINGS.memberRoleName.default;
/** The stack that creates the member role (see docs/deploy.md). */
export const MEMBER_STACK_NAME = 'IvsChatAuditorMember';

/**
 * The reads `ivschat-audit doctor` makes through the member role besides IVS Chat's: the member stack
 * grants them (lib/member-stack.ts) and the demo's member sessions are limited to them, so neither
 * can drift from the other.
 */
export const MEMBER_DOCTOR_READS = {
  /** Whether a rule forwards IVS Chat changes to the auditor's bus (granted with changeEvents on). */
  forwardingRule: 'events:ListRuleNamesByTarget',
  /** Whether Security Hub is enabled where findings go (granted with securityHub on). */
  securityHub: 'securityhub:DescribeHub',
} as const;
/** CloudTrail in the member account shows this as the session name: who called. */
export const DEFAULT_SESSION_NAME = PRODUCT_NAME;
/** Role chaining (the function's role assuming another) allows at most an hour anyway. */
export const SESSION_SECONDS = 3600;
/** Assume a new session this long before the current one expires. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * Resolves the targets of one run. Bad `accounts` or `regions` throw ConfigError (naming the
 * setting); a refused or failed ListAccounts is returned in `errors`, never thrown.
 */
export async function planTargets(options: PlanOptions): Promise<TargetPlan> {
  const { selfAccountId } = options;
  if (!ACCOUNT_ID.test(selfAccountId)) {
    throw new AuditorError(`the auditor's own account id "${selfAccountId}" is not 12 digits`);
  }
  const regions = unique(options.regions);
  const badRegion = regions.find((region) => !isRegionName(region));
  if (badRegion !== undefined)
    throw new ConfigError('regions', `"${badRegion}" is not a region name (e.g. us-east-1)`);
  if (regions.length === 0) throw new ConfigError('regions', 'lists no region');

  let accountIds: string[];
  let inactiveAccounts: TargetPlan['inactiveAccounts'] = [];
  const errors: TargetError[] = [];
  if (options.accounts === '') {
    accountIds = [selfAccountId];
  } else if (options.accounts === 'organization') {
    const listed = await organizationAccounts(options);
    accountIds = listed.active;
    inactiveAccounts = listed.inactive;
    if (listed.error) errors.push(listed.error);
  } else if (Array.isArray(options.accounts)) {
    accountIds = unique(options.accounts as readonly string[]);
    const bad = accountIds.find((id) => !ACCOUNT_ID.test(id));
    if (bad !== undefined) throw new ConfigError('accounts', `"${bad}" is not a 12-digit account id`);
    if (accountIds.length === 0) throw new ConfigError('accounts', 'lists no account');
  } else {
    throw new ConfigError('accounts', `must be "", "organization" or a list of 12-digit account ids`);
  }

  const targets: AuditTarget[] = [];
  for (const accountId of accountIds) {
    const assumeRole = accountId !== selfAccountId;
    for (const region of regions) targets.push({ accountId, region, assumeRole });
  }
  return { targets, inactiveAccounts, errors };
}

interface OrganizationAccounts {
  active: string[];
  inactive: { accountId: string; status: string }[];
  error?: TargetError;
}

/**
 * Every account of the organization, read afresh each run (accounts join and leave). A failure
 * part-way keeps the accounts already listed: auditing them beats auditing none, and the error
 * marks the run incomplete.
 */
async function organizationAccounts(options: PlanOptions): Promise<OrganizationAccounts> {
  const region = options.organizationsRegion ?? 'us-east-1';
  const client = organizationsClient(region, options.connection);
  const active: string[] = [];
  const inactive: { accountId: string; status: string }[] = [];
  const seen = new Set<string>();
  try {
    // 20 is ListAccounts' largest page: 1,000 accounts in 50 calls.
    const pages = paginateListAccounts(
      { client, pageSize: 20 },
      {},
      options.signal ? { abortSignal: options.signal } : {},
    );
    for await (const page of pages) {
      for (const account of page.Accounts ?? []) {
        const id = account.Id;
        if (!id || seen.has(id)) continue;
        seen.add(id);
        const status = accountState(account);
        if (status === 'ACTIVE') active.push(id);
        else inactive.push({ accountId: id, status });
      }
    }
    return { active, inactive };
  } catch (error) {
    return {
      active,
      inactive,
      error: listAccountsError(options.selfAccountId, region, error, options.signal),
    };
  } finally {
    client.destroy();
  }
}

/** `State` replaces the deprecated `Status` (it also tells PENDING_ACTIVATION and CLOSED apart). */
function accountState(account: Account): string {
  return account.State ?? account.Status ?? 'UNKNOWN';
}

function listAccountsError(
  selfAccountId: string,
  region: string,
  error: unknown,
  signal?: AbortSignal,
): TargetError {
  const base = toAuditError(region, 'ListAccounts', error, signal);
  const where = { accountId: selfAccountId, region, operation: 'ListAccounts', code: base.code };
  if (base.code === 'AccessDeniedException') {
    return {
      ...where,
      message:
        `accounts=organization needs ${LIST_ACCOUNTS}, from the organization's management account or a ` +
        `delegated administrator account; account ${selfAccountId} was refused (${base.message}) — deploy the ` +
        'auditor there, register this account as a delegated administrator, or list the account ids instead',
    };
  }
  if (base.code === 'AWSOrganizationsNotInUseException') {
    return {
      ...where,
      message: `accounts=organization: account ${selfAccountId} is not in an organization — list the account ids instead`,
    };
  }
  return { ...where, message: `could not list the organization's accounts: ${base.message}` };
}

export interface CredentialOptions {
  /** The member role's name (with its path, if any), as the IvsChatAuditorMember stack creates it. */
  readonly roleName: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** The auditor's own connection: its credentials call AssumeRole, its endpoint and retries carry over. */
  readonly connection?: AwsConnection;
  /** @default DEFAULT_SESSION_NAME */
  readonly sessionName?: string;
  /**
   * Limit the member-role session to these actions (an inline session policy on AssumeRole), e.g.
   * `CHANGE_PATH_MEMBER_ACTIONS`: a caller that only reads gets a session that cannot write, even
   * from a role that may. @default - the role's own permissions, unlimited
   */
  readonly sessionActions?: readonly string[];
  readonly signal?: AbortSignal;
}

/** What a target is audited with, or why it cannot be. */
export type TargetAccess =
  | { readonly ok: true; readonly connection: AwsConnection }
  | { readonly ok: false; readonly error: TargetError };

/**
 * The connection to audit `target` with. For the auditor's own account that is `connection`
 * itself; otherwise a new AssumeRole session of the member role (never a cached one: every
 * invocation starts with credentials good for an hour), refreshed with another new session
 * should a caller keep it past that. A role that cannot be assumed becomes the target's error.
 * Bad `roleName`, `partition` or `sessionName` throw ConfigError: they are wrong for every target.
 */
export async function targetCredentials(
  target: AuditTarget,
  options: CredentialOptions,
): Promise<TargetAccess> {
  const base = options.connection ?? {};
  if (!target.assumeRole) return { ok: true, connection: base };
  const roleArn = memberRoleArn(target.accountId, options);
  const sessionName = options.sessionName ?? DEFAULT_SESSION_NAME;
  if (!SESSION_NAME.test(sessionName)) {
    throw new ConfigError(
      'sessionName',
      `"${sessionName}" must be 2-64 characters of letters, digits and +=,.@_-`,
    );
  }
  const policy = options.sessionActions ? sessionPolicy(options.sessionActions) : undefined;
  const assume = () => assumeRole(target.region, roleArn, sessionName, policy, base, options.signal);

  let current: Credentials;
  try {
    current = await assume();
  } catch (error) {
    return { ok: false, error: assumeRoleError(target, options.roleName, roleArn, error, options.signal) };
  }
  let renewing: Promise<Credentials> | undefined;
  const provider = async (): Promise<Credentials> => {
    if (current.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS) return current;
    renewing ??= assume().finally(() => {
      renewing = undefined;
    });
    current = await renewing;
    return current;
  };
  return { ok: true, connection: { ...base, credentials: provider } };
}

/** The member role of one account. */
export function memberRoleArn(
  accountId: string,
  options: Pick<CredentialOptions, 'roleName' | 'partition'>,
): string {
  const partition = options.partition ?? 'aws';
  if (!PARTITION.test(partition))
    throw new ConfigError('partition', `"${partition}" is not an AWS partition (e.g. aws)`);
  // IAM role paths are part of the ARN: "auditing/ivschat-auditor-member".
  const segments = options.roleName.split('/');
  const name = segments.pop() ?? '';
  if (!ROLE_NAME.test(name) || segments.some((s) => !/^[\x21-\x2e\x30-\x7e]+$/.test(s))) {
    throw new ConfigError('memberRoleName', `"${options.roleName}" is not an IAM role name`);
  }
  return `arn:${partition}:iam::${accountId}:role/${options.roleName}`;
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

async function assumeRole(
  region: string,
  roleArn: string,
  sessionName: string,
  policy: string | undefined,
  connection: AwsConnection,
  signal: AbortSignal | undefined,
): Promise<Credentials> {
  const sts = stsClient(region, connection);
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        DurationSeconds: SESSION_SECONDS,
        ...(policy ? { Policy: policy } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new AuditorError(`AssumeRole of ${roleArn} answered without credentials`);
    }
    // Without an expiration, assume the shortest session we asked for.
    const expiration = c.Expiration ?? new Date(Date.now() + SESSION_SECONDS * 1000);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration,
    };
  } finally {
    sts.destroy();
  }
}

function assumeRoleError(
  target: AuditTarget,
  roleName: string,
  roleArn: string,
  error: unknown,
  signal: AbortSignal | undefined,
): TargetError {
  const base = toAuditError(target.region, 'AssumeRole', error, signal);
  const where = {
    accountId: target.accountId,
    region: target.region,
    operation: 'AssumeRole',
    code: base.code,
  };
  if (base.code === 'AccessDenied' || base.code === 'AccessDeniedException') {
    return {
      ...where,
      message:
        `role ${roleName} in ${target.accountId} cannot be assumed: ${base.code} — deploy the ` +
        `${MEMBER_STACK_NAME} stack there (it creates ${roleArn}, trusting the auditor's function roles; ` +
        'for the CLI, deploy it with -c memberTrustedPrincipals=<your role ARN>)',
    };
  }
  return {
    ...where,
    message: `role ${roleName} in ${target.accountId} could not be assumed: ${base.message}`,
  };
}

const DENIED = new Set(['AccessDeniedException', 'AccessDenied']);

/**
 * The target's error when IVS Chat refused the audit (AccessDenied): the whole target is not
 * audited, and the reason says which role lacks which right. Other errors stay report errors.
 */
export function accessDeniedError(
  target: AuditTarget,
  errors: readonly AuditError[],
  roleName: string = DEFAULT_MEMBER_ROLE_NAME,
): TargetError | undefined {
  const denied = errors.find((e) => DENIED.has(e.code));
  if (!denied) return undefined;
  const action = `ivschat:${denied.operation}`;
  const who = target.assumeRole
    ? `role ${roleName} in ${target.accountId}`
    : `the auditor's own role in ${target.accountId}`;
  const fix = target.assumeRole
    ? `update the ${MEMBER_STACK_NAME} stack there (it grants ivschat:ListRooms, ivschat:GetRoom and ivschat:ListLoggingConfigurations)`
    : 'redeploy the auditor stack (its function role needs ivschat:ListRooms, ivschat:GetRoom and ivschat:ListLoggingConfigurations)';
  return {
    accountId: target.accountId,
    region: target.region,
    operation: denied.operation,
    code: denied.code,
    message: `${who} may not call ${action} in ${target.region}: ${denied.code} — ${fix}`,
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()))];
}
