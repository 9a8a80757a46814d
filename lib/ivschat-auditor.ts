import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Aws, Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as chatbot from 'aws-cdk-lib/aws-chatbot';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambda/core/metric-names.js';
import { loadPolicyDir } from '../lambda/policy/load-dir.js';
import { isOrganization, type RemediationMode } from '../lambda/settings/table.js';
import { AuditorAlerts, type SlackChannelProps } from './auditor/alerts.js';
import { AuditorChanges, changeRoleName } from './auditor/changes.js';
import { AuditEngine } from './auditor/engine.js';
import { AuditorMonitoring } from './auditor/monitoring.js';
import { acknowledgeOutsideVpc, FunctionNetwork } from './auditor/network.js';
import {
  CHAT_LOGGING_READ_REASON,
  CHAT_ROOM_READ_REASON,
  chatLoggingReadNagIds,
  chatRoomReadNagIds,
  chatRoomReason,
  MEMBER_ROLE_REASON,
  memberRoleNagId,
} from './auditor/permissions.js';
import { DECLARED_DEAD_LETTER_QUEUE } from './auditor/queues.js';
import { createStateTable } from './auditor/state.js';
import { type AuditorConfig, type ContextKey, readConfig, scheduleIntervalSeconds } from './config.js';

export type { SlackChannelProps } from './auditor/alerts.js';
export { AUDITOR_CHANGE_ROLE_NAME } from './auditor/changes.js';
export {
  AUDITOR_FUNCTION_ROLE_NAME,
  BUNDLED_POLICIES_DIR,
  RUN_TIMEOUT,
  STATE_NAMES,
} from './auditor/engine.js';
/** Re-exported for users of the construct; the handler emits under these names. */
export { METRICS_NAMESPACE, SERVICE_NAME };

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The settings take the same values, ranges and defaults as the context keys of the same name: both
 * go through the settings table, `SETTINGS` in lambda/settings/table.ts (listed in docs/deploy.md).
 */
export interface IvsChatAuditorProps {
  /** EventBridge schedule expression that starts a run. @default SETTINGS.schedule.default ('rate(1 hour)') */
  readonly schedule?: string;
  /** Regions to audit. @default - the stack's region */
  readonly regions?: readonly string[];
  /** Email addresses subscribed to the alerts topic. @default - none */
  readonly alertEmails?: readonly string[];
  /** Slack channel for alerts (the workspace must be authorized in the console first). @default - none */
  readonly slack?: SlackChannelProps;
  /**
   * Send alerts to this existing topic instead of a new one. Alarms publish to it too, so its policy
   * must let CloudWatch alarms of this account publish. @default - a new topic with its own KMS key
   */
  readonly topic?: sns.ITopic;
  /** The KMS key `topic` is encrypted with; the function gets encrypt rights on it. @default - none */
  readonly topicKey?: kms.IKey;
  /** Share of the IVS Chat 5 TPS per-operation quota each target's audit may use. @default SETTINGS.apiBudgetTps.default */
  readonly apiBudgetTps?: number;
  /** Re-send an open finding after this many hours. @default SETTINGS.renotifyAfterHours.default */
  readonly renotifyAfterHours?: number;
  /** Re-fetch every room with GetRoom at least this often, changed or not. @default SETTINGS.fullRefreshHours.default */
  readonly fullRefreshHours?: number;
  /** Keep resolved findings in the state table this many days. @default SETTINGS.retainResolvedDays.default */
  readonly retainResolvedDays?: number;
  /**
   * Member accounts to audit through their `memberRoleName` role, or `['organization']` for every
   * ACTIVE account of the organization. @default - the deploying account only, no role assumed
   */
  readonly accounts?: readonly string[];
  /** The role the member stack creates in each audited account. @default SETTINGS.memberRoleName.default */
  readonly memberRoleName?: string;
  /** Targets (account × region) audited at the same time. @default SETTINGS.maxConcurrency.default */
  readonly maxConcurrency?: number;
  /** Alarm when a target was not audited this many runs in a row. @default SETTINGS.targetFailureAlarmRuns.default */
  readonly targetFailureAlarmRuns?: number;
  /** Import findings into Security Hub (ASFF) under each finding's account. @default false */
  readonly securityHub?: boolean;
  /** Put one EventBridge event per finding transition on this bus (`default` or a bus ARN). @default - none */
  readonly eventBus?: string;
  /** Assume member roles in this organization only (`aws:ResourceOrgID`). @default - no organization condition */
  readonly organizationId?: string;
  /** `off` (no write permission), `plan` (alerts show the fixes) or `apply` (`fix.auto` fixes applied). @default 'off' */
  readonly remediation?: RemediationMode;
  /** With `apply`, only rooms carrying this tag (`key=value`) are written. @default 'ivschat-auditor:remediate=true' */
  readonly remediationTag?: string;
  /** Guard: more planned changes than this in a target, and none is made. @default 10 */
  readonly remediationMaxChanges?: number;
  /** Guard: more than this percentage of a target's audited rooms, and none is changed. @default 10 */
  readonly remediationMaxPercent?: number;
  /** Audit a room within a minute of a change to it (CloudTrail events through a queue). @default true */
  readonly changeEvents?: boolean;
  /** Seconds the change queue gathers events into one batch. @default 20 */
  readonly changeBatchWindowSeconds?: number;
  /** Rooms one change batch audits per target before it marks a full audit due instead. @default 100 */
  readonly changeMaxRooms?: number;
  /**
   * Name of the function's role; the change function's role is named this plus `-change`. The member
   * role's trust names both, so they are fixed whenever `accounts` is set. @default
   * AUDITOR_FUNCTION_ROLE_NAME (and AUDITOR_CHANGE_ROLE_NAME) when `accounts` is set, else generated
   */
  readonly functionRoleName?: string;
  /** Policy files, validated at synth and copied into the bundle. @default - `policies/` at the project root */
  readonly policiesDir?: string;
  /**
   * The expected time between audits, for the missed-audit alarm (which fires after two intervals
   * without a successful audit). @default - the rate() interval, or 1 day for cron() schedules
   */
  readonly auditInterval?: Duration;
  /** @default RemovalPolicy.RETAIN — finding history survives `cdk destroy` */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * Days every log group of the auditor keeps its events: a value CloudWatch Logs accepts
   * (`LOG_RETENTION_DAYS`). @default SETTINGS.logRetentionDays.default (365)
   */
  readonly logRetentionDays?: number;
  /**
   * Run the functions in this VPC, with a security group that allows only outbound HTTPS. The
   * subnets need a NAT gateway or VPC endpoints (docs/deploy.md). @default - no VPC
   */
  readonly vpc?: ec2.IVpc;
  /** The subnets of `vpc` the functions run in. @default - the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * A scheduled IVS Chat drift audit: an EventBridge rule starts a Step Functions run that audits every
 * target (account × region) with the audit Lambda and sends one alert per run to SNS (email, Slack).
 * Finding state lives in DynamoDB; alarms and a dashboard watch the auditor itself.
 *
 * The parts are in lib/auditor/: alerts.ts, state.ts, engine.ts, monitoring.ts, permissions.ts.
 */
export class IvsChatAuditor extends Construct {
  /** The audit Lambda: plans, audits one target per invocation, aggregates; or audits its own account when invoked with `{}`. */
  readonly function: lambda.IFunction;
  /** The Standard state machine the schedule starts: Plan → AuditTargets (Distributed Map) → Aggregate. */
  readonly stateMachine: sfn.IStateMachine;
  /** Where alerts go (created, or the one given in props). */
  readonly topic: sns.ITopic;
  /** The topic's KMS key; undefined when an existing topic was given without its key. */
  readonly topicKey?: kms.IKey;
  /** Finding state, room cache, runs, locks (TTL attribute `expiresAt`). */
  readonly table: dynamodb.ITable;
  /** Failed schedule deliveries, failed asynchronous invocations, undeliverable emails. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The schedule. */
  readonly rule: events.IRule;
  /** The function's log group (the dashboard's findings-by-account query reads it). */
  readonly logGroup: logs.ILogGroup;
  /** Function errors ≥ 1. */
  readonly errorsAlarm: cloudwatch.IAlarm;
  /** No complete run (`AuditSucceeded`) for two schedule intervals. */
  readonly missedAuditAlarm: cloudwatch.IAlarm;
  /** Anything in the dead-letter queue. */
  readonly deadLetterAlarm: cloudwatch.IAlarm;
  /** A target not audited `targetFailureAlarmRuns` runs in a row. */
  readonly targetFailureAlarm: cloudwatch.IAlarm;
  /** A run that failed, timed out or was aborted. */
  readonly executionsFailedAlarm: cloudwatch.IAlarm;
  /** The change path (rule, queue and dead-letter queue, change function and its own role); absent with `changeEvents: false`. */
  readonly changes?: AuditorChanges;
  /** The oldest change event waited 15 minutes or more; absent with `changeEvents: false`. */
  readonly changeQueueAgeAlarm?: cloudwatch.IAlarm;
  /** Anything in the change dead-letter queue; absent with `changeEvents: false`. */
  readonly changeDeadLetterAlarm?: cloudwatch.IAlarm;
  /** Findings by severity and by account, targets per run, API calls against the budget, run duration. */
  readonly dashboard: cloudwatch.Dashboard;
  /** The Slack channel configuration, when Slack is connected. */
  readonly slackChannel?: chatbot.ISlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: IvsChatAuditorProps = {}) {
    super(scope, id);
    const config = readConfig((key) => propsAsContext(props)[key]);
    const policiesDir = props.policiesDir ?? join(PROJECT_ROOT, 'policies');
    validatePolicies(this, policiesDir);
    const regions = config.regions.length > 0 ? config.regions : [Aws.REGION];
    const interval = props.auditInterval ?? defaultInterval(config.schedule);
    // One name for this auditor: the function's AUDITOR_NAME and the metrics' Auditor dimension.
    const auditorName = this.node.path;

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      redriveAllowPolicy: DECLARED_DEAD_LETTER_QUEUE,
    });
    this.deadLetterQueue = deadLetterQueue;
    const alerts = new AuditorAlerts(this, {
      ...(props.topic ? { topic: props.topic } : {}),
      ...(props.topicKey ? { topicKey: props.topicKey } : {}),
      alertEmails: config.alertEmails,
      ...(config.slack ? { slack: config.slack } : {}),
      deadLetterQueue,
    });
    this.topic = alerts.topic;
    if (alerts.topicKey) this.topicKey = alerts.topicKey;
    if (alerts.slackChannel) this.slackChannel = alerts.slackChannel;

    if (props.vpcSubnets && !props.vpc)
      throw new Error('ivschat-auditor: vpcSubnets needs vpc (the VPC those subnets belong to)');
    const network = props.vpc
      ? new FunctionNetwork(this, {
          vpc: props.vpc,
          ...(props.vpcSubnets ? { vpcSubnets: props.vpcSubnets } : {}),
        })
      : undefined;

    const table = createStateTable(this, {
      ...(props.tableRemovalPolicy ? { removalPolicy: props.tableRemovalPolicy } : {}),
    });
    this.table = table;

    const engine = new AuditEngine(this, {
      config,
      regions,
      policiesDir,
      ...(props.functionRoleName ? { functionRoleName: props.functionRoleName } : {}),
      interval,
      table,
      alerts,
      deadLetterQueue,
      auditorName,
      ...(network ? { network } : {}),
    });
    this.function = engine.function;
    this.stateMachine = engine.stateMachine;
    this.rule = engine.rule;
    this.logGroup = engine.logGroup;

    const changes = config.changeEvents
      ? new AuditorChanges(this, 'Changes', {
          config,
          regions,
          auditFunction: engine.function,
          // Fixed whenever the audit role's is: member roles trust both by name.
          ...(props.functionRoleName !== undefined || config.accounts.length > 0
            ? { roleName: changeRoleName(props.functionRoleName) }
            : {}),
          logGroup: engine.logGroup,
          environment: engine.environment,
          ...(network ? { network } : {}),
          table,
          alerts,
        })
      : undefined;
    if (changes) this.changes = changes;

    const monitoring = new AuditorMonitoring(this, {
      auditorName,
      function: engine.function,
      logGroup: engine.logGroup,
      stateMachine: engine.stateMachine,
      deadLetterQueue,
      topic: alerts.topic,
      interval,
      targetFailureAlarmRuns: config.targetFailureAlarmRuns,
      apiBudgetTps: config.apiBudgetTps,
      ...(changes
        ? { changeQueues: { queue: changes.queue, deadLetterQueue: changes.deadLetterQueue } }
        : {}),
    });
    if (monitoring.changeQueueAgeAlarm) this.changeQueueAgeAlarm = monitoring.changeQueueAgeAlarm;
    if (monitoring.changeDeadLetterAlarm) this.changeDeadLetterAlarm = monitoring.changeDeadLetterAlarm;
    this.errorsAlarm = monitoring.errorsAlarm;
    this.missedAuditAlarm = monitoring.missedAuditAlarm;
    this.deadLetterAlarm = monitoring.deadLetterAlarm;
    this.targetFailureAlarm = monitoring.targetFailureAlarm;
    this.executionsFailedAlarm = monitoring.executionsFailedAlarm;
    this.dashboard = monitoring.dashboard;

    acknowledgeNagFindings(engine, deadLetterQueue, regions, config);
    if (!network) for (const fn of [engine.function, changes?.function]) if (fn) acknowledgeOutsideVpc(fn);
  }
}

/**
 * cdk-nag findings this design accepts, each with its reason. cdk-nag 3 reads CDK's native
 * acknowledgements and matches exact finding ids, so the IAM5 ids name each resource.
 */
function acknowledgeNagFindings(
  engine: AuditEngine,
  deadLetterQueue: sqs.IQueue,
  regions: readonly string[],
  config: AuditorConfig,
): void {
  const policy = engine.role.node.tryFindChild('DefaultPolicy') ?? engine.role;
  Validations.of(policy).acknowledge(
    ...chatRoomReadNagIds(regions).map((id) => ({
      id,
      reason: chatRoomReason(CHAT_ROOM_READ_REASON, config.remediation),
    })),
    ...chatLoggingReadNagIds(regions).map((id) => ({ id, reason: CHAT_LOGGING_READ_REASON })),
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords (and Organizations ListAccounts in organization mode) support no resource-level permissions.',
    },
    ...(isOrganization(config.accounts)
      ? [{ id: memberRoleNagId(config.memberRoleName), reason: MEMBER_ROLE_REASON }]
      : []),
  );
  const runtimeReason =
    'Pinned to nodejs22.x, the runtime the handler is built and tested for; upgrade deliberately.';
  Validations.of(engine.function).acknowledge(
    { id: 'AwsSolutions-L1', reason: runtimeReason },
    { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
  );
  Validations.of(deadLetterQueue).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'This queue is itself the terminal dead-letter queue (schedule target, function, email deliveries); its depth is alarmed.',
  });
}

function defaultInterval(schedule: string): Duration {
  const seconds = scheduleIntervalSeconds(schedule);
  return seconds === undefined ? Duration.days(1) : Duration.seconds(seconds);
}

/** Absent props fall back to the settings table's defaults, exactly as absent context keys do. */
function propsAsContext(props: IvsChatAuditorProps): Record<ContextKey, unknown> {
  return {
    schedule: props.schedule,
    regions: props.regions,
    alertEmails: props.alertEmails,
    slackWorkspaceId: props.slack?.workspaceId,
    slackChannelId: props.slack?.channelId,
    apiBudgetTps: props.apiBudgetTps,
    renotifyAfterHours: props.renotifyAfterHours,
    fullRefreshHours: props.fullRefreshHours,
    retainResolvedDays: props.retainResolvedDays,
    accounts: props.accounts,
    memberRoleName: props.memberRoleName,
    // The member stack's setting, not the auditor's.
    memberTrustedPrincipals: undefined,
    maxConcurrency: props.maxConcurrency,
    targetFailureAlarmRuns: props.targetFailureAlarmRuns,
    organizationId: props.organizationId,
    // The member stack's setting, not the auditor's.
    auditorAccountId: undefined,
    securityHub: props.securityHub,
    eventBus: props.eventBus,
    remediation: props.remediation,
    remediationTag: props.remediationTag,
    remediationMaxChanges: props.remediationMaxChanges,
    remediationMaxPercent: props.remediationMaxPercent,
    changeEvents: props.changeEvents,
    changeBatchWindowSeconds: props.changeBatchWindowSeconds,
    changeMaxRooms: props.changeMaxRooms,
    // The member stack's setting, not the auditor's.
    auditorRegion: undefined,
    logRetentionDays: props.logRetentionDays,
    // The app's context form of `vpc` and `vpcSubnets` (lib/ivschat-auditor-stack.ts).
    vpcId: undefined,
    subnetIds: undefined,
  };
}

/**
 * A broken policy must never deploy: fail synth naming the file and the JSON pointer. What still
 * loads but deserves a look (an exemption already expired) is a synth warning on the construct.
 */
function validatePolicies(scope: Construct, dir: string): void {
  try {
    const { warnings } = loadPolicyDir(dir);
    // One id per file and pointer, so acknowledging one warning does not silence the others.
    for (const w of warnings) {
      Annotations.of(scope).addWarningV2(`ivschat-auditor:policy:${basename(w.file)}${w.pointer}`, w.message);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`ivschat-auditor: invalid policy, not deploying: ${message}`, { cause: error });
  }
}
