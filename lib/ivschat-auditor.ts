import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Aws, Duration, Validations } from 'aws-cdk-lib';
import type * as chatbot from 'aws-cdk-lib/aws-chatbot';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambda/core/metric-names.js';
import { loadPolicyDir } from '../lambda/policy/load-dir.js';
import type { RouteTable } from '../lambda/policy/routes.js';
import { isOrganization } from '../lambda/settings/checks.js';
import { AuditorAlerts } from './auditor/alerts.js';
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
  STACK_TEMPLATE_READ_REASON,
  stackTemplateReadNagIds,
} from './auditor/permissions.js';
import { DECLARED_DEAD_LETTER_QUEUE } from './auditor/queues.js';
import { REPORT_WRITE_REASON, reportBucket, reportWriteNagId } from './auditor/reports.js';
import { createStateTable } from './auditor/state.js';
import { type AuditorConfig, scheduleIntervalSeconds } from './config.js';
import { configFromProps, type IvsChatAuditorProps } from './props.js';

export type { SlackChannelProps } from './auditor/alerts.js';
export { AUDITOR_CHANGE_ROLE_NAME } from './auditor/changes.js';
export {
  AUDITOR_FUNCTION_ROLE_NAME,
  BUNDLED_POLICIES_DIR,
  RUN_TIMEOUT,
  STATE_NAMES,
} from './auditor/engine.js';
export type { FunctionNetworkProps } from './auditor/network.js';
export type {
  AuditorAlertProps,
  AuditorChangeEventProps,
  AuditorMemberProps,
  AuditorRemediationProps,
  AuditorStateProps,
  IvsChatAuditorProps,
} from './props.js';
/** Re-exported for users of the construct; the handler emits under these names. */
export { METRICS_NAMESPACE, SERVICE_NAME };

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

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
  /** The team topics of the policy folder's routes.json (imported by ARN); empty without one. */
  readonly routeTopics: sns.ITopic[];
  /** The topic's KMS key; undefined when an existing topic was given without its key. */
  readonly topicKey?: kms.IKey;
  /** Finding state, room cache, runs, locks (TTL attribute `expiresAt`). */
  readonly table: dynamodb.ITable;
  /** Failed schedule deliveries, failed asynchronous invocations, undeliverable emails. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The schedule. */
  readonly rule: events.IRule;
  /** How often the schedule runs (or `auditInterval` when given): the alarms' and `doctor`'s yardstick. */
  readonly auditInterval: Duration;
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
  /** Where each run's HTML report goes (created, or the one named); absent without `reportBucket`. */
  readonly reportBucket?: s3.IBucket;

  constructor(scope: Construct, id: string, props: IvsChatAuditorProps = {}) {
    super(scope, id);
    const config = configFromProps(props);
    const policiesDir = props.policiesDir ?? join(PROJECT_ROOT, 'policies');
    const routes = validatePolicies(this, policiesDir);
    const regions = config.regions.length > 0 ? config.regions : [Aws.REGION];
    const interval = props.auditInterval ?? defaultInterval(config.schedule);
    this.auditInterval = interval;
    // One name for this auditor: the function's AUDITOR_NAME and the metrics' Auditor dimension.
    const auditorName = this.node.path;
    const functionRoleName = props.members?.functionRoleName;

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      redriveAllowPolicy: DECLARED_DEAD_LETTER_QUEUE,
    });
    this.deadLetterQueue = deadLetterQueue;
    const alerts = new AuditorAlerts(this, {
      ...(props.alerts?.topic ? { topic: props.alerts.topic } : {}),
      ...(props.alerts?.topicKey ? { topicKey: props.alerts.topicKey } : {}),
      alertEmails: config.alertEmails,
      ...(config.slack ? { slack: config.slack } : {}),
      deadLetterQueue,
      ...(routes ? { routeTopicArns: routes.topicArns() } : {}),
    });
    this.topic = alerts.topic;
    this.routeTopics = alerts.routeTopics;
    if (alerts.topicKey) this.topicKey = alerts.topicKey;
    if (alerts.slackChannel) this.slackChannel = alerts.slackChannel;

    // The type requires vpc; a caller without types (JavaScript, jsii languages) may still omit it.
    if (props.network && !props.network.vpc)
      throw new Error('ivschat-auditor: vpcSubnets needs vpc (the VPC those subnets belong to)');
    const network = props.network ? new FunctionNetwork(this, props.network) : undefined;

    const table = createStateTable(this, {
      ...(props.state?.removalPolicy ? { removalPolicy: props.state.removalPolicy } : {}),
    });
    this.table = table;

    const reports = config.reportBucket ? reportBucket(this, config.reportBucket) : undefined;
    if (reports) this.reportBucket = reports;

    const engine = new AuditEngine(this, {
      config,
      regions,
      policiesDir,
      ...(functionRoleName ? { functionRoleName } : {}),
      interval,
      table,
      alerts,
      deadLetterQueue,
      auditorName,
      ...(network ? { network } : {}),
      ...(reports ? { reportBucket: reports } : {}),
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
          ...(functionRoleName !== undefined || config.accounts.length > 0
            ? { roleName: changeRoleName(functionRoleName) }
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

    acknowledgeNagFindings(engine, deadLetterQueue, regions, config, reports);
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
  reports: s3.IBucket | undefined,
): void {
  const policy = engine.role.node.tryFindChild('DefaultPolicy') ?? engine.role;
  if (reports)
    Validations.of(policy).acknowledge({ id: reportWriteNagId(reports), reason: REPORT_WRITE_REASON });
  Validations.of(policy).acknowledge(
    ...chatRoomReadNagIds(regions).map((id) => ({
      id,
      reason: chatRoomReason(CHAT_ROOM_READ_REASON, config.remediation),
    })),
    ...chatLoggingReadNagIds(regions).map((id) => ({ id, reason: CHAT_LOGGING_READ_REASON })),
    ...(config.iacDrift
      ? stackTemplateReadNagIds(regions).map((id) => ({ id, reason: STACK_TEMPLATE_READ_REASON }))
      : []),
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

/**
 * A broken policy must never deploy: fail synth naming the file and the JSON pointer. What still
 * loads but deserves a look (an exemption already expired) is a synth warning on the construct.
 */
function validatePolicies(scope: Construct, dir: string): RouteTable | undefined {
  try {
    const { warnings, routes } = loadPolicyDir(dir);
    // One id per file and pointer, so acknowledging one warning does not silence the others.
    for (const w of warnings) {
      Annotations.of(scope).addWarningV2(`ivschat-auditor:policy:${basename(w.file)}${w.pointer}`, w.message);
    }
    return routes;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`ivschat-auditor: invalid policy, not deploying: ${message}`, { cause: error });
  }
}
