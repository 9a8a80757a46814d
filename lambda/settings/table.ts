/**
 * Every deployment setting in one table: the CDK app reads it from context (`lib/config.ts`), the
 * construct checks its props against it, the stack sets the function's environment from it, and the
 * Lambda reads that environment back through it (`lambda/runtime/config.ts`). This file is the data:
 * the shapes are `types.ts`, the value checks `checks.ts`, the one parser both sides use `parse.ts`.
 * Every setting's default is here and nowhere else. The Lambda bundles this file: it must not import
 * aws-cdk-lib or `lib/`.
 */
import { IVSCHAT_QUOTA_TPS } from '../core/ivschat-quota.js';
import {
  CREATE_BUCKET,
  checkAccount,
  checkAccountId,
  checkAccounts,
  checkEmail,
  checkEventBus,
  checkRegion,
  checkReportBucket,
  checkTag,
  checkTrustedPrincipal,
  checkTrustedPrincipals,
  idCheck,
  LOG_RETENTION_DAYS,
  MAX_MEMBER_TRUSTED_PRINCIPALS,
  ORGANIZATION,
} from './checks.js';
import { checkSchedule } from './schedule-expression.js';
import type { Setting, SettingValue } from './types.js';

/**
 * Change batches the queue hands the change function at once (the SQS event source's
 * `maxConcurrency`, whose least is 2). Each batch audits at `apiBudgetTps` / this.
 */
export const CHANGE_CONCURRENCY = 2;

/**
 * Days a report stays in the bucket the stack creates (`reportBucket=create`): a lifecycle rule
 * expires older ones. Long enough to compare a quarter's runs; the state table keeps the findings.
 */
export const REPORT_EXPIRY_DAYS = 90;

/** Every report lives under this key prefix: the function's role may write there and nowhere else. */
export const REPORT_PREFIX = 'reports/';

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
    // The rest of the quota is left to the customer's own application.
    default: 4,
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
    check: checkAccountId,
    doc: "For the `IvsChatAuditorMember` stack: the account the auditor runs in; empty means the member stack's own account.",
  },
  securityHub: {
    type: 'flag',
    envVar: 'SECURITY_HUB',
    default: false,
    doc: "Import findings into Security Hub (ASFF) under each finding's account's default product: new ones active, resolved and exempt ones archived. Security Hub must be enabled there.",
  },
  iacDrift: {
    type: 'flag',
    envVar: 'IAC_DRIFT',
    envOnlyWhenSet: true,
    default: false,
    doc: "Compare each room a CloudFormation stack created (its `aws:cloudformation` tags, checked against the stack) with what the stack's template declares plus the service defaults: each differing property is a finding of the built-in `iac-drift` policy. Adds `cloudformation:DescribeStacks` and `cloudformation:GetTemplate` to the function role and the member roles.",
  },
  eventBus: {
    type: 'text',
    envVar: 'EVENT_BUS',
    default: '',
    allowed: '`default` or an event bus ARN',
    check: checkEventBus,
    doc: 'Put one EventBridge event per finding transition (new, resolved, exempted, exemption expired) on this bus; empty puts none.',
  },
  // No envVar: `create` is resolved by the stack, which hands the function the bucket's name
  // (WIRING_ENV.reportBucket) only when the setting is on.
  reportBucket: {
    type: 'text',
    default: '',
    allowed: `an S3 bucket name, or \`${CREATE_BUCKET}\``,
    check: checkReportBucket,
    doc: `Write each run's HTML report to this bucket (under \`reports/\`) and link it from the alert; \`${CREATE_BUCKET}\` makes the stack create a private, encrypted bucket whose reports expire after ${REPORT_EXPIRY_DAYS} days; empty writes none. See [The HTML report in S3](#the-html-report-in-s3).`,
  },
  remediation: {
    type: 'choice',
    envVar: 'REMEDIATION',
    choices: ['off', 'plan', 'apply'],
    default: 'off',
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
    type: 'flag',
    default: true,
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

/** Every setting's parsed value, by name: the typed form the stack's and the Lambda's configs derive from. */
export type SettingValues = { [K in SettingName]: SettingValue<(typeof SETTINGS)[K]> };

/** `off`: the function cannot write; `plan`: alerts carry the planned fixes; `apply`: `fix.auto` fixes are applied. */
export type RemediationMode = SettingValues['remediation'];

/** The modes in which the auditor plans fixes. */
export type ActiveRemediationMode = Exclude<RemediationMode, 'off'>;
