/**
 * The `IvsChatAuditor` construct's props, grouped by concern, and their validation: each prop that is
 * a deployment setting is checked by that setting's own rule in the settings table (the same parser
 * the context keys go through, given the typed value, never a context string), and every default is
 * the table's.
 *
 * Units: every time span is a `Duration`, as in aws-cdk-lib (`Queue.retentionPeriod`,
 * `Function.timeout`), so a reader never has to guess hours from seconds; the context keys carry the
 * unit in their names instead (`renotifyAfterHours`) because a `-c` value is text. Log retention is
 * aws-cdk-lib's own `RetentionDays`.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { RemediationMode, SettingName } from '../lambda/settings/table.js';
import type { SlackChannelProps } from './auditor/alerts.js';
import type { FunctionNetworkProps } from './auditor/network.js';
import { type AuditorConfig, checkSettings } from './config.js';

/** Where alerts go, and what else hears of a finding. */
export interface AuditorAlertProps {
  /** Email addresses subscribed to the alerts topic. @default - none */
  readonly emails?: readonly string[];
  /** Slack channel for alerts (the workspace must be authorized in the console first). @default - none */
  readonly slack?: SlackChannelProps;
  /**
   * Send alerts to this existing topic instead of a new one. Alarms publish to it too, so its policy
   * must let CloudWatch alarms of this account publish. @default - a new topic with its own KMS key
   */
  readonly topic?: sns.ITopic;
  /** The KMS key `topic` is encrypted with; the function gets encrypt rights on it. @default - none */
  readonly topicKey?: kms.IKey;
  /** Re-send a still-open finding after this long, in whole hours (1 to 8760). @default Duration.hours(24) */
  readonly renotifyAfter?: Duration;
  /** Import findings into Security Hub (ASFF) under each finding's account. @default false */
  readonly securityHub?: boolean;
  /** Put one EventBridge event per finding transition on this bus (`default` or a bus ARN). @default - none */
  readonly eventBus?: string;
  /**
   * Write each run's HTML report to this existing bucket (under `reports/`) and link it from the
   * alert; `'create'` makes the construct create the bucket. @default - no report written
   */
  readonly reportBucket?: string;
}

/** The state table: how long resolved findings stay, and what `cdk destroy` does to it. */
export interface AuditorStateProps {
  /** Keep resolved findings this long, in whole days (1 to 3650; DynamoDB TTL). @default Duration.days(30) */
  readonly retainResolved?: Duration;
  /** @default RemovalPolicy.RETAIN — finding history survives `cdk destroy` */
  readonly removalPolicy?: RemovalPolicy;
}

/** Other accounts the auditor audits through the role the member stack creates in each. */
export interface AuditorMemberProps {
  /**
   * Member accounts to audit through their `roleName` role, or `['organization']` for every ACTIVE
   * account of the organization. @default - the deploying account only, no role assumed
   */
  readonly accounts?: readonly string[];
  /** The role the member stack creates in each audited account. @default 'ivschat-auditor-member' */
  readonly roleName?: string;
  /** Assume member roles in this organization only (`aws:ResourceOrgID`). @default - no organization condition */
  readonly organizationId?: string;
  /**
   * Name of the function's role; the change function's role is named this plus `-change`. The member
   * role's trust names both, so they are fixed whenever `accounts` is set. @default
   * AUDITOR_FUNCTION_ROLE_NAME (and AUDITOR_CHANGE_ROLE_NAME) when `accounts` is set, else generated
   */
  readonly functionRoleName?: string;
}

/** Fixing drift: whether the auditor may write, which rooms, and the guards on a run. */
export interface AuditorRemediationProps {
  /** `off` (no write permission), `plan` (alerts show the fixes) or `apply` (`fix.auto` fixes applied). @default 'off' */
  readonly mode?: RemediationMode;
  /** With `apply`, only rooms carrying this tag (`key=value`) are written. @default 'ivschat-auditor:remediate=true' */
  readonly tag?: string;
  /** Guard: more planned changes than this in a target, and none is made. @default 10 */
  readonly maxChanges?: number;
  /** Guard: more than this percentage of a target's audited rooms, and none is changed. @default 10 */
  readonly maxPercent?: number;
}

/** The change path: a room audited within a minute of a change to it (CloudTrail events through a queue). */
export interface AuditorChangeEventProps {
  /** Whether the change path is deployed at all. @default true */
  readonly enabled?: boolean;
  /** How long the change queue gathers events into one batch, in whole seconds (1 to 300). @default Duration.seconds(20) */
  readonly batchWindow?: Duration;
  /** Rooms one change batch audits per target before it marks a full audit due instead. @default 100 */
  readonly maxRooms?: number;
}

/**
 * The settings take the same values, ranges and defaults as the context keys they stand for: both
 * go through the settings table, `SETTINGS` in lambda/settings/table.ts (listed in docs/deploy.md).
 */
export interface IvsChatAuditorProps {
  /** EventBridge schedule expression that starts a run. @default 'rate(1 hour)' */
  readonly schedule?: string;
  /**
   * The expected time between audits, for the missed-audit alarm (which fires after two intervals
   * without a successful audit). @default - the rate() interval, or 1 day for cron() schedules
   */
  readonly auditInterval?: Duration;
  /** Regions to audit. @default - the stack's region */
  readonly regions?: readonly string[];
  /** Policy files, validated at synth and copied into the bundle. @default - `policies/` at the project root */
  readonly policiesDir?: string;
  /** Share of the IVS Chat 5 TPS per-operation quota each target's audit may use. @default 4 */
  readonly apiBudgetTps?: number;
  /** Targets (account × region) audited at the same time. @default 20 */
  readonly maxConcurrency?: number;
  /** Re-fetch every room with GetRoom at least this often, changed or not, in whole hours. @default Duration.hours(24) */
  readonly fullRefreshInterval?: Duration;
  /** Alarm when a target was not audited this many runs in a row. @default 3 */
  readonly targetFailureAlarmRuns?: number;
  /**
   * How long every log group of the auditor keeps its events: a value CloudWatch Logs accepts
   * (not INFINITE). @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /** Where alerts go. @default - a new topic, no subscriptions */
  readonly alerts?: AuditorAlertProps;
  /** The state table. @default - resolved findings kept 30 days, the table retained */
  readonly state?: AuditorStateProps;
  /** Other accounts to audit. @default - the deploying account only */
  readonly members?: AuditorMemberProps;
  /** Fixing drift. @default - off: the function cannot write */
  readonly remediation?: AuditorRemediationProps;
  /** The change path. @default - on, 20-second batches, 100 rooms per batch and target */
  readonly changeEvents?: AuditorChangeEventProps;
  /**
   * Compare each room a CloudFormation stack created with what the stack's template declares plus
   * the service defaults (the built-in `iac-drift` policy); adds the read-only
   * `cloudformation:DescribeStacks` and `cloudformation:GetTemplate`. @default false
   */
  readonly iacDrift?: boolean;
  /**
   * Run the functions in this VPC, with a security group that allows only outbound HTTPS. The
   * subnets need a NAT gateway or VPC endpoints (docs/deploy.md). @default - no VPC
   */
  readonly network?: FunctionNetworkProps;
}

/** A prop that is a setting: where it is in the props, and its value in the setting's unit. */
interface SettingProp {
  readonly path: string;
  readonly read: (props: IvsChatAuditorProps) => unknown;
}

// `toHours` and the like throw on a fraction; a fraction is left to the setting's own check instead,
// which names the range.
const hours = (d: Duration | undefined) => d?.toHours({ integral: false });
const days = (d: Duration | undefined) => d?.toDays({ integral: false });
const seconds = (d: Duration | undefined) => d?.toSeconds({ integral: false });

/**
 * Each setting the construct takes, by its name in the settings table. The rest are the member
 * stack's (`memberTrustedPrincipals`, `auditorAccountId`, `auditorRegion`) or the app's context form
 * of `network` (`vpcId`, `subnetIds`).
 */
const SETTING_PROPS: { readonly [K in SettingName]?: SettingProp } = {
  schedule: { path: 'schedule', read: (p) => p.schedule },
  regions: { path: 'regions', read: (p) => p.regions },
  alertEmails: { path: 'alerts.emails', read: (p) => p.alerts?.emails },
  slackWorkspaceId: { path: 'alerts.slack.workspaceId', read: (p) => p.alerts?.slack?.workspaceId },
  slackChannelId: { path: 'alerts.slack.channelId', read: (p) => p.alerts?.slack?.channelId },
  apiBudgetTps: { path: 'apiBudgetTps', read: (p) => p.apiBudgetTps },
  renotifyAfterHours: { path: 'alerts.renotifyAfter (hours)', read: (p) => hours(p.alerts?.renotifyAfter) },
  fullRefreshHours: { path: 'fullRefreshInterval (hours)', read: (p) => hours(p.fullRefreshInterval) },
  retainResolvedDays: { path: 'state.retainResolved (days)', read: (p) => days(p.state?.retainResolved) },
  accounts: { path: 'members.accounts', read: (p) => p.members?.accounts },
  memberRoleName: { path: 'members.roleName', read: (p) => p.members?.roleName },
  maxConcurrency: { path: 'maxConcurrency', read: (p) => p.maxConcurrency },
  targetFailureAlarmRuns: { path: 'targetFailureAlarmRuns', read: (p) => p.targetFailureAlarmRuns },
  organizationId: { path: 'members.organizationId', read: (p) => p.members?.organizationId },
  securityHub: { path: 'alerts.securityHub', read: (p) => p.alerts?.securityHub },
  eventBus: { path: 'alerts.eventBus', read: (p) => p.alerts?.eventBus },
  reportBucket: { path: 'alerts.reportBucket', read: (p) => p.alerts?.reportBucket },
  remediation: { path: 'remediation.mode', read: (p) => p.remediation?.mode },
  remediationTag: { path: 'remediation.tag', read: (p) => p.remediation?.tag },
  remediationMaxChanges: { path: 'remediation.maxChanges', read: (p) => p.remediation?.maxChanges },
  remediationMaxPercent: { path: 'remediation.maxPercent', read: (p) => p.remediation?.maxPercent },
  changeEvents: { path: 'changeEvents.enabled', read: (p) => p.changeEvents?.enabled },
  changeBatchWindowSeconds: {
    path: 'changeEvents.batchWindow (seconds)',
    read: (p) => seconds(p.changeEvents?.batchWindow),
  },
  changeMaxRooms: { path: 'changeEvents.maxRooms', read: (p) => p.changeEvents?.maxRooms },
  logRetentionDays: { path: 'logRetention', read: (p) => p.logRetention },
  iacDrift: { path: 'iacDrift', read: (p) => p.iacDrift },
};

export class InvalidPropsError extends Error {
  override readonly name = 'InvalidPropsError';
  constructor(
    readonly problems: string[],
    construct = 'IvsChatAuditor',
  ) {
    // The `ivschat-auditor:` prefix marks it as the user's to fix (bin/app.ts shows no stack trace).
    super(`ivschat-auditor: invalid ${construct} props:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * The props' settings, checked by the settings table exactly as the context keys are, as the config
 * the auditor's parts read. Problems name the prop, not the context key.
 */
export function configFromProps(props: IvsChatAuditorProps): AuditorConfig {
  const { config, problems } = checkSettings((name) => SETTING_PROPS[name]?.read(props));
  if (problems.length > 0) throw new InvalidPropsError(problems.map(namingTheProp));
  return config;
}

/** A setting's problem (`renotifyAfterHours: …`) as its prop's (`alerts.renotifyAfter (hours): …`). */
function namingTheProp(problem: string): string {
  const key = problem.slice(0, problem.indexOf(':')) as SettingName;
  const prop = SETTING_PROPS[key];
  return prop ? `${prop.path}${problem.slice(key.length)}` : problem;
}

/**
 * The construct's props for a config read from context: what the stack gives the construct. Its
 * `vpcId` and `subnetIds` become `network` in the stack, which can look the VPC up.
 */
export function propsFromConfig(config: AuditorConfig): IvsChatAuditorProps {
  return {
    schedule: config.schedule,
    regions: config.regions,
    apiBudgetTps: config.apiBudgetTps,
    maxConcurrency: config.maxConcurrency,
    fullRefreshInterval: durationOf(config.fullRefreshHours, 'hours'),
    targetFailureAlarmRuns: config.targetFailureAlarmRuns,
    logRetention: config.logRetentionDays,
    iacDrift: config.iacDrift,
    alerts: {
      emails: config.alertEmails,
      ...(config.slack ? { slack: config.slack } : {}),
      renotifyAfter: durationOf(config.renotifyAfterHours, 'hours'),
      securityHub: config.securityHub,
      eventBus: config.eventBus,
      reportBucket: config.reportBucket,
    },
    state: { retainResolved: durationOf(config.retainResolvedDays, 'days') },
    members: {
      accounts: config.accounts,
      roleName: config.memberRoleName,
      ...(config.organizationId ? { organizationId: config.organizationId } : {}),
    },
    remediation: {
      mode: config.remediation,
      tag: config.remediationTag,
      maxChanges: config.remediationMaxChanges,
      maxPercent: config.remediationMaxPercent,
    },
    changeEvents: {
      enabled: config.changeEvents,
      batchWindow: durationOf(config.changeBatchWindowSeconds, 'seconds'),
      maxRooms: config.changeMaxRooms,
    },
  };
}

/** A setting's number, in the unit its context key names, as a Duration. */
function durationOf(amount: number, unit: 'hours' | 'days' | 'seconds'): Duration {
  return Duration[unit](amount);
}
