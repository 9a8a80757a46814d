/**
 * Every deployment setting in one table: the CDK app reads it from context (`lib/config.ts`), sets
 * the function's environment from it, and the Lambda reads that environment back through it
 * (`lambda/runtime/config.ts`). One parser serves both, so a value the stack accepts is one the Lambda
 * accepts. The Lambda bundles this file: it must not import aws-cdk-lib or `lib/`.
 */
import { DEFAULT_API_BUDGET_TPS, IVSCHAT_QUOTA_TPS } from '../aws/rate-limit.js';
import { ACCOUNT_ID, isRegionName } from '../core/arn.js';
import { checkSchedule } from './schedule-expression.js';

interface SettingBase {
  /** The function's environment variable; absent when only the stack uses the setting. */
  readonly envVar?: string;
  /** One line for docs/deploy.md. */
  readonly doc: string;
}

export interface NumberSetting extends SettingBase {
  readonly type: 'number';
  readonly integer: boolean;
  /** Inclusive bounds. */
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** When only some values of the range are valid (a service's fixed list), those values. */
  readonly oneOf?: readonly number[];
}

export interface TextSetting extends SettingBase {
  readonly type: 'text';
  readonly default: string;
  /** What a valid value looks like, for the docs. */
  readonly allowed: string;
  /** Why a non-empty value is invalid, or undefined. */
  readonly check: (value: string) => string | undefined;
}

/** A comma list (`-c`, environment) or a JSON array (`cdk.json`); blanks dropped, duplicates merged. */
export interface ListSetting extends SettingBase {
  readonly type: 'list';
  readonly default: readonly string[];
  readonly allowed: string;
  readonly checkItem: (item: string) => string | undefined;
  /** Why the items, each valid, do not go together; undefined when they do. */
  readonly checkList?: (items: readonly string[]) => string | undefined;
}

export type Setting = NumberSetting | TextSetting | ListSetting;

/** The stack's name for the one region check (`lambda/core/arn.ts`), kept for its callers. */
export const isRegion = isRegionName;

const checkRegion = (region: string) =>
  isRegion(region) ? undefined : `"${region}" is not a region name (e.g. us-east-1)`;

// Deliberately simple: one @, a dotted domain, no spaces. SNS sends a confirmation anyway.
const checkEmail = (email: string) =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254
    ? undefined
    : `"${email}" is not an email address`;

/**
 * Change batches the queue hands the change function at once (the SQS event source's
 * `maxConcurrency`, whose least is 2). Each batch audits at `apiBudgetTps` / this.
 */
export const CHANGE_CONCURRENCY = 2;

/** The `accounts` value that means every ACTIVE account of the organization. */
export const ORGANIZATION = 'organization';

/** Whether a parsed `accounts` value means the whole organization. */
export const isOrganization = (accounts: readonly string[]): boolean =>
  accounts.length === 1 && accounts[0] === ORGANIZATION;

const checkAccount = (item: string) =>
  ACCOUNT_ID.test(item) || item === ORGANIZATION
    ? undefined
    : `"${item}" is not a 12-digit account id (or "${ORGANIZATION}" alone)`;

/**
 * Lambda allows 4 KB of environment variables in all; the list goes there (AUDIT_ACCOUNTS), 13 bytes
 * an account. Past this, `organization` (every ACTIVE account) is the way.
 */
export const MAX_LISTED_ACCOUNTS = 200;

const checkAccounts = (items: readonly string[]) =>
  items.includes(ORGANIZATION) && items.length > 1
    ? `"${ORGANIZATION}" already means every account; give it alone, without account ids`
    : items.length > MAX_LISTED_ACCOUNTS
      ? `${items.length} accounts do not fit the function's environment (at most ${MAX_LISTED_ACCOUNTS}); use "${ORGANIZATION}" to audit every ACTIVE account`
      : undefined;

/**
 * Principals beyond the auditor that the member role may trust (`memberTrustedPrincipals`): each
 * trust costs its ARN in the role's trust policy, which IAM limits to 2,048 characters by default.
 */
export const MAX_MEMBER_TRUSTED_PRINCIPALS = 5;

const TRUSTED_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/([!-~]+\/)?[\w+=,.@-]{1,64}$/;

/**
 * An IAM role or user named exactly: a wildcard would trust whoever may create a matching role, an
 * account (its root) every principal of it allowed to call sts:AssumeRole, a session only until it ends.
 */
const checkTrustedPrincipal = (item: string) =>
  /[*?]/.test(item)
    ? `"${item}" has a wildcard; name each role or user exactly (a wildcard trusts whoever can create a matching one)`
    : /^\d{12}$|^arn:aws[a-z-]*:iam::\d{12}:root$/.test(item)
      ? `"${item}" is a whole account, which would trust every principal in it that may call sts:AssumeRole; name the role or user`
      : /^arn:aws[a-z-]*:sts::/.test(item)
        ? `"${item}" is a session; name its role (arn:aws:iam::<account>:role/<name>)`
        : TRUSTED_PRINCIPAL_ARN.test(item)
          ? undefined
          : `"${item}" is not an IAM role or user ARN (e.g. arn:aws:iam::111111111111:role/ops-audit)`;

const checkTrustedPrincipals = (items: readonly string[]) =>
  items.length > MAX_MEMBER_TRUSTED_PRINCIPALS
    ? `${items.length} principals; at most ${MAX_MEMBER_TRUSTED_PRINCIPALS} fit the member role's trust policy (IAM's default 2,048 characters): give them one role to assume`
    : undefined;

const checkFlag = (value: string) =>
  /^(true|false)$/.test(value) ? undefined : `"${value}" must be true or false`;

/** The bus every account has, or a bus ARN (events go to that bus's region). */
const checkEventBus = (value: string) =>
  value === 'default' ||
  /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[.\-_A-Za-z0-9]{1,256}$/.test(value)
    ? undefined
    : `"${value}" is neither "default" nor an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`;

const checkChoice =
  (...choices: string[]) =>
  (value: string) =>
    choices.includes(value) ? undefined : `"${value}" must be one of ${choices.join(', ')}`;

/**
 * The opt-in tag of `remediationTag`: `key=value`, as IAM's `aws:ResourceTag/<key>` condition and the
 * IVS Chat tag rules take them (key 1–128, value 0–256 characters; no `aws:` prefix, which is reserved).
 */
export function parseTag(value: string): { key: string; value: string } | undefined {
  const at = value.indexOf('=');
  if (at < 0) return undefined;
  const key = value.slice(0, at).trim();
  const tagValue = value.slice(at + 1).trim();
  const chars = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  if (key.length < 1 || key.length > 128 || tagValue.length > 256) return undefined;
  if (!chars.test(key) || !chars.test(tagValue) || key.toLowerCase().startsWith('aws:')) return undefined;
  return { key, value: tagValue };
}

const checkTag = (value: string) =>
  parseTag(value)
    ? undefined
    : `"${value}" is not a tag as key=value (key 1–128 characters, not starting with aws:; value up to 256)`;

/**
 * The retention periods CloudWatch Logs accepts (PutRetentionPolicy `retentionInDays`; aws-cdk-lib's
 * `RetentionDays` less INFINITE, checked by test/cdk/settings.test.ts).
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const idCheck = (pattern: RegExp, what: string, example: string) => (value: string) =>
  pattern.test(value) ? undefined : `"${value}" is not a ${what} (e.g. ${example})`;

/**
 * The settings, keyed by their CDK context key (`-c key=value`, the `context` block of cdk.json).
 * docs/deploy.md's settings table and cdk.json's defaults are checked against this by the tests.
 */
export const SETTINGS = {
  schedule: {
    type: 'text',
    default: 'rate(1 hour)',
    allowed: '`rate(…)` or `cron(…)`, at most 3 days apart',
    check: checkSchedule,
    doc: 'EventBridge schedule expression for the audit.',
  },
  regions: {
    type: 'list',
    envVar: 'AUDIT_REGIONS',
    default: [],
    allowed: 'region names, comma-separated',
    checkItem: checkRegion,
    doc: "Regions to audit; empty means the stack's region.",
  },
  alertEmails: {
    type: 'list',
    default: [],
    allowed: 'email addresses, comma-separated',
    checkItem: checkEmail,
    doc: 'Addresses subscribed to the alerts topic.',
  },
  slackWorkspaceId: {
    type: 'text',
    default: '',
    allowed: 'e.g. `T0123ABCD`',
    check: idCheck(/^[0-9A-Z]{1,256}$/, 'Slack workspace id', 'T0123ABCD'),
    doc: 'Slack workspace id; give it together with `slackChannelId`.',
  },
  slackChannelId: {
    type: 'text',
    default: '',
    allowed: 'e.g. `C0123ABCD`',
    check: idCheck(/^[A-Za-z0-9]{1,256}$/, 'Slack channel id', 'C0123ABCD'),
    doc: 'Slack channel id; give it together with `slackWorkspaceId`.',
  },
  apiBudgetTps: {
    type: 'number',
    envVar: 'API_BUDGET_TPS',
    integer: false,
    min: 0.1,
    max: IVSCHAT_QUOTA_TPS,
    default: DEFAULT_API_BUDGET_TPS,
    doc: 'Calls per second the audit may make per operation and region; at most the IVS Chat quota, which your own application shares.',
  },
  // Upper bounds keep date arithmetic finite (a typo like 240000000 would make an invalid Date).
  renotifyAfterHours: {
    type: 'number',
    envVar: 'RENOTIFY_AFTER_HOURS',
    integer: true,
    min: 1,
    max: 8760,
    default: 24,
    doc: 'Re-send a still-open finding after this many hours.',
  },
  fullRefreshHours: {
    type: 'number',
    envVar: 'FULL_REFRESH_HOURS',
    integer: true,
    min: 1,
    max: 8760,
    default: 24,
    doc: 'Re-fetch every room with `GetRoom` at least this often, changed or not.',
  },
  retainResolvedDays: {
    type: 'number',
    envVar: 'RETAIN_RESOLVED_DAYS',
    integer: true,
    min: 1,
    max: 3650,
    default: 30,
    doc: 'Keep resolved findings in the state table this many days (DynamoDB TTL).',
  },
  accounts: {
    type: 'list',
    envVar: 'AUDIT_ACCOUNTS',
    default: [],
    allowed: `12-digit account ids, comma-separated, or \`${ORGANIZATION}\``,
    checkItem: checkAccount,
    checkList: checkAccounts,
    doc: `Accounts to audit through their member role; empty means the deploying account only (no role assumed), \`${ORGANIZATION}\` every ACTIVE account of the organization.`,
  },
  memberRoleName: {
    type: 'text',
    envVar: 'MEMBER_ROLE_NAME',
    default: 'ivschat-auditor-member',
    allowed: 'an IAM role name: 1–64 of letters, digits and `+=,.@_-`',
    check: idCheck(/^[\w+=,.@-]{1,64}$/, 'valid IAM role name', 'ivschat-auditor-member'),
    doc: 'Name of the role the `IvsChatAuditorMember` stack creates in each audited account.',
  },
  memberTrustedPrincipals: {
    type: 'list',
    default: [],
    allowed: `IAM role or user ARNs, comma-separated, at most ${MAX_MEMBER_TRUSTED_PRINCIPALS}; no \`*\`, no account root, not with \`remediation=apply\``,
    checkItem: checkTrustedPrincipal,
    checkList: checkTrustedPrincipals,
    doc: "For the `IvsChatAuditorMember` stack: roles or users besides the auditor's own roles that may assume the member role (`sts:AssumeRole` only), e.g. the operator or CI role that runs `ivschat-audit audit --account`; empty means the auditor alone. See [The member role for the CLI](#the-member-role-for-the-cli).",
  },
  // Distributed Map allows 10,000 child runs at once, but each runs the audit Lambda, and 1,000 is an
  // account's default concurrent executions per region, shared with everything else in it.
  maxConcurrency: {
    type: 'number',
    integer: true,
    min: 1,
    max: 1000,
    default: 20,
    doc: 'Targets (account × region) audited at the same time.',
  },
  targetFailureAlarmRuns: {
    type: 'number',
    integer: true,
    min: 1,
    max: 100,
    default: 3,
    doc: 'Alarm when a target (account × region) has not been audited this many runs in a row.',
  },
  organizationId: {
    type: 'text',
    default: '',
    allowed: 'e.g. `o-a1b2c3d4e5`',
    check: idCheck(/^o-[a-z0-9]{10,32}$/, 'valid organization id', 'o-a1b2c3d4e5'),
    doc: 'When given, the member role trusts only callers of this organization (`aws:PrincipalOrgID`) and the auditor assumes only roles in it (`aws:ResourceOrgID`).',
  },
  auditorAccountId: {
    type: 'text',
    default: '',
    allowed: 'a 12-digit account id',
    check: idCheck(ACCOUNT_ID, '12-digit account id', '123456789012'),
    doc: "For the `IvsChatAuditorMember` stack: the account the auditor runs in; empty means the member stack's own account.",
  },
  securityHub: {
    type: 'text',
    envVar: 'SECURITY_HUB',
    default: 'false',
    allowed: '`true` or `false`',
    check: checkFlag,
    doc: "Import findings into Security Hub (ASFF) under each finding's account's default product: new ones active, resolved and exempt ones archived. Security Hub must be enabled there.",
  },
  eventBus: {
    type: 'text',
    envVar: 'EVENT_BUS',
    default: '',
    allowed: '`default` or an event bus ARN',
    check: checkEventBus,
    doc: 'Put one EventBridge event per finding transition (new, resolved, exempted, exemption expired) on this bus; empty puts none.',
  },
  remediation: {
    type: 'text',
    envVar: 'REMEDIATION',
    default: 'off',
    allowed: '`off`, `plan` or `apply`',
    check: checkChoice('off', 'plan', 'apply'),
    doc: '`off`: the function cannot write. `plan`: alerts show the fixes (`fix` in a policy) and the command that applies them. `apply`: each run also applies the fixes of policies with `fix.auto`, within the guards, to rooms carrying `remediationTag`.',
  },
  remediationTag: {
    type: 'text',
    envVar: 'REMEDIATION_TAG',
    default: 'ivschat-auditor:remediate=true',
    allowed: '`key=value`',
    check: checkTag,
    doc: 'With `remediation=apply`, only rooms carrying this tag are written (`aws:ResourceTag` condition on `ivschat:UpdateRoom`).',
  },
  remediationMaxChanges: {
    type: 'number',
    envVar: 'REMEDIATION_MAX_CHANGES',
    integer: true,
    min: 0,
    max: 1000,
    default: 10,
    doc: 'Guard: a target (account × region) whose run plans more changes than this is not changed at all.',
  },
  remediationMaxPercent: {
    type: 'number',
    envVar: 'REMEDIATION_MAX_PERCENT',
    integer: false,
    min: 0,
    max: 100,
    default: 10,
    doc: 'Guard: a target whose run would change more than this percentage of its audited rooms is not changed at all.',
  },
  changeEvents: {
    type: 'text',
    default: 'true',
    allowed: '`true` or `false`',
    check: checkFlag,
    doc: 'Audit a room within a minute of a change to it: a rule on IVS Chat write calls (CloudTrail) feeds a queue the change function reads in batches. Needs a CloudTrail trail; the schedule still finds everything without one.',
  },
  changeBatchWindowSeconds: {
    type: 'number',
    integer: true,
    min: 1,
    max: 300,
    default: 20,
    doc: 'How long the change queue gathers events before the change function reads them as one batch (one alert per batch).',
  },
  changeMaxRooms: {
    type: 'number',
    envVar: 'CHANGE_MAX_ROOMS',
    integer: true,
    min: 1,
    max: 1000,
    default: 100,
    doc: 'Rooms one change batch audits per target (account × region); past it the batch marks a full audit due instead of queueing more `GetRoom` calls.',
  },
  auditorRegion: {
    type: 'text',
    default: '',
    allowed: 'a region name',
    check: checkRegion,
    doc: "For the `IvsChatAuditorMember` stack: the region of the auditor's stack, whose default event bus receives this account's IVS Chat change events; empty means the member stack's own region.",
  },
  logRetentionDays: {
    type: 'number',
    integer: true,
    min: 1,
    max: 3653,
    oneOf: LOG_RETENTION_DAYS,
    default: 365,
    doc: "Days the auditor's log groups (the functions' and the execution log) keep their events; all are encrypted with the auditor's log key. AWS Control Tower's CT.CLOUDWATCH.PR.2 asks for 365 or more.",
  },
  vpcId: {
    type: 'text',
    default: '',
    allowed: 'e.g. `vpc-0a1b2c3d4e5f60718`',
    check: idCheck(/^vpc-[0-9a-f]{8,17}$/, 'VPC id', 'vpc-0a1b2c3d4e5f60718'),
    doc: 'Run the functions in this VPC, in `subnetIds`, with a security group that allows only outbound HTTPS; give it together with `subnetIds`. The subnets need a NAT gateway or the VPC endpoints listed under [Functions in a VPC](#functions-in-a-vpc).',
  },
  subnetIds: {
    type: 'list',
    default: [],
    allowed: 'subnet ids of `vpcId`, comma-separated',
    checkItem: idCheck(/^subnet-[0-9a-f]{8,17}$/, 'subnet id', 'subnet-0a1b2c3d4e5f60718'),
    doc: 'The private subnets of `vpcId` the functions run in (two or more Availability Zones for resilience); give it together with `vpcId`.',
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** The settings the Lambda reads from its environment. */
export type EnvSettingName = {
  [K in SettingName]: (typeof SETTINGS)[K] extends { envVar: string } ? K : never;
}[SettingName];

export type SettingValue<S extends Setting> = S extends NumberSetting
  ? number
  : S extends ListSetting
    ? string[]
    : string;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * Function environment that is wiring, not a setting: the stack fills it from the resources it
 * creates, and `lambda/runtime/config.ts` reads it by these names.
 */
export const WIRING_ENV = {
  topicArn: 'ALERT_TOPIC_ARN',
  stateTableName: 'STATE_TABLE_NAME',
  policiesDir: 'POLICIES_DIR',
  /** Names this auditor in its metrics' `Auditor` dimension: two auditors in one account keep apart. */
  auditorName: 'AUDITOR_NAME',
  /**
   * The audit function's role name (`path/name` when the role has a path): a change event whose caller
   * is a session of this role in the auditor's account (or of the member role) is the auditor's own
   * remediation, not drift. The change function is given the audit function's role here.
   */
  functionRoleName: 'FUNCTION_ROLE_NAME',
  /** The audit function role's full ARN (path included), on both functions. */
  functionRoleArn: 'FUNCTION_ROLE_ARN',
} as const;

/** Environment the stack sets for libraries the function runs (Powertools, Node), not for our code. */
export const LIBRARY_ENV = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'NODE_OPTIONS',
] as const;

/**
 * Parses one raw value: a `-c` string, a cdk.json value, or an environment variable. Absent or blank
 * means the default. Problems are phrased without the key, so each side prefixes its own name.
 */
export function parseSetting<S extends Setting>(setting: S, raw: unknown): Parsed<SettingValue<S>> {
  const parsed =
    setting.type === 'number'
      ? parseNumber(setting, raw)
      : setting.type === 'list'
        ? parseList(setting, raw)
        : parseText(setting, raw);
  return parsed as Parsed<SettingValue<S>>;
}

/** The environment-variable form of a parsed value. */
export function formatSetting(value: number | string | readonly string[]): string {
  return typeof value === 'object' ? value.join(',') : String(value);
}

/** The range of a number setting in words, as both the docs and the error messages say it. */
export function describeRange(setting: NumberSetting): string {
  if (setting.oneOf) return `one of ${setting.oneOf.join(', ')}`;
  return `${setting.integer ? 'a whole number' : 'a number'} between ${setting.min} and ${setting.max}`;
}

function isBlank(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

function parseNumber(setting: NumberSetting, raw: unknown): Parsed<number> {
  if (isBlank(raw)) return { ok: true, value: setting.default };
  // Plain decimals only: Number() would also take '0x10', '1e3' and ' 4 ' from a typo.
  const value =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim())
        ? Number(raw)
        : NaN;
  const inRange =
    Number.isFinite(value) &&
    value >= setting.min &&
    value <= setting.max &&
    (!setting.integer || Number.isInteger(value)) &&
    (!setting.oneOf || setting.oneOf.includes(value));
  if (inRange) return { ok: true, value };
  return { ok: false, problems: [`${show(raw)} must be ${describeRange(setting)}`] };
}

function parseText(setting: TextSetting, raw: unknown): Parsed<string> {
  if (isBlank(raw)) return { ok: true, value: setting.default };
  // cdk.json may hold `true` for a flag where -c passes "true".
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    return { ok: false, problems: [`${show(raw)} must be a string`] };
  }
  const value = String(raw).trim();
  const problem = setting.check(value);
  return problem ? { ok: false, problems: [problem] } : { ok: true, value };
}

function parseList(setting: ListSetting, raw: unknown): Parsed<string[]> {
  if (isBlank(raw)) return { ok: true, value: [...setting.default] };
  const items = Array.isArray(raw) ? raw.map((item) => String(item)) : String(raw).split(',');
  const value = [...new Set(items.map((item) => item.trim()).filter((item) => item.length > 0))];
  const problems = value.map(setting.checkItem).filter((p): p is string => p !== undefined);
  const listProblem = problems.length === 0 ? setting.checkList?.(value) : undefined;
  if (listProblem) problems.push(listProblem);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

function show(raw: unknown): string {
  return typeof raw === 'string' ? `"${raw}"` : (JSON.stringify(raw) ?? String(raw));
}
