import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Arn, Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../lambda/metric-names.js';
import { loadPolicyDir } from '../lambda/policy/load-dir.js';
import { isOrganization, type LIBRARY_ENV, WIRING_ENV } from '../lambda/settings.js';
import {
  type AuditorConfig,
  type ContextKey,
  readConfig,
  scheduleIntervalSeconds,
  settingsEnvironment,
} from './config.js';
import { FUNCTION_MEMORY_MB, FUNCTION_NODE_OPTIONS } from './function-runtime.js';

/** The audit waits on a 4-per-second API budget, not on CPU: 512 MB is plenty (see bench/README.md). */

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the handler looks for policies, relative to the bundle root (the handler owner resolves it). */
export const BUNDLED_POLICIES_DIR = 'policies';
/**
 * The function role's name when it audits other accounts: each member role trusts exactly this role,
 * and a member account deploys that trust before (or without) knowing anything else of the auditor.
 */
export const AUDITOR_FUNCTION_ROLE_NAME = 'ivschat-auditor-function';
/** Re-exported for users of the construct; the handler emits under these names. */
export { METRICS_NAMESPACE, SERVICE_NAME };

/**
 * The settings take the same values, ranges and defaults as the context keys of the same name: both
 * go through the settings table, `SETTINGS` in lambda/settings.ts (listed in docs/deploy.md).
 */
export interface IvsChatAuditorProps {
  /** EventBridge schedule expression. @default SETTINGS.schedule.default ('rate(1 hour)') */
  readonly schedule?: string;
  /** Regions to audit. @default - the stack's region */
  readonly regions?: string[];
  /** Email addresses subscribed to the alerts topic. @default - none */
  readonly alertEmails?: string[];
  /** Slack channel for alerts (the workspace must be authorized in the console first). @default - none */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  /** Share of the IVS Chat 5 TPS per-operation quota the audit may use. @default SETTINGS.apiBudgetTps.default */
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
  /** Assume member roles in this organization only (`aws:ResourceOrgID`). @default - no organization condition */
  readonly organizationId?: string;
  /**
   * Name of the function's role. The member role's trust names it, so it is fixed whenever
   * `accounts` is set. @default AUDITOR_FUNCTION_ROLE_NAME when `accounts` is set, else generated
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
  /** @default 90 days */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A scheduled IVS Chat drift audit: an EventBridge rule runs the audit Lambda, which publishes
 * findings to an encrypted SNS topic (email, Slack), keeps finding state in DynamoDB, and is
 * itself watched by alarms on errors, missed runs and undelivered events.
 */
export class IvsChatAuditor extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly table: dynamodb.Table;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly missedAuditAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly slackChannel?: chatbot.SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: IvsChatAuditorProps = {}) {
    super(scope, id);
    const config = readConfig((key) => propsAsContext(props)[key]);
    const policiesDir = props.policiesDir ?? join(PROJECT_ROOT, 'policies');
    validatePolicies(this, policiesDir);
    const stack = Stack.of(this);
    const regions = config.regions.length > 0 ? config.regions : [Aws.REGION];
    const interval = props.auditInterval ?? defaultInterval(config.schedule);

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the ivschat-auditor alerts topic',
      enableKeyRotation: true,
      // Only the topic uses it and SNS holds no data at rest: do not leave a $1/month key behind.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to the encrypted topic, so the service must be able to use the key —
    // but only on behalf of this account's alarms (confused-deputy guard).
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: ownAlarmsCondition(),
      }),
    );
    this.topic = new sns.Topic(this, 'Alerts', {
      displayName: 'IVS Chat audit',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // enforceSSL gives the topic an explicit policy, which replaces the default one that let
    // same-account alarms publish; allow this account's alarms again, and nothing else.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: ownAlarmsCondition(),
      }),
    );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const email of config.alertEmails) {
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: this.deadLetterQueue }),
      );
    }
    if (config.slack) {
      this.slackChannel = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: `${stack.stackName}-ivschat-audit`.slice(0, 128),
        slackWorkspaceId: config.slack.workspaceId,
        slackChannelId: config.slack.channelId,
        notificationTopics: [this.topic],
        // Alerts only: whatever role a channel member assumes, the guardrail caps it at read-only.
        guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
        role: new iam.Role(this, 'SlackChannelRole', {
          assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
          description:
            'Amazon Q Developer in chat applications: deliver ivschat-auditor alerts (no permissions)',
        }),
      });
    }

    this.table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const functionRoleName =
      props.functionRoleName ?? (config.accounts.length > 0 ? AUDITOR_FUNCTION_ROLE_NAME : undefined);
    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      ...(functionRoleName ? { roleName: functionRoleName } : {}),
      description: 'ivschat-auditor audit function: read IVS Chat rooms, keep finding state, publish alerts',
    });
    logGroup.grantWrite(role);

    // CommonJS dependencies bundled into ESM output still call require(); give them a real one.
    const requireShim =
      "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, 'lambda', 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      ...lockFile(),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: FUNCTION_MEMORY_MB,
      // The audit watches its own deadline and stops early, so the Lambda maximum is safe.
      timeout: Duration.minutes(15),
      // One audit at a time: two would share, and so double, the per-account API budget.
      reservedConcurrentExecutions: 1,
      role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      retryAttempts: 2,
      maxEventAge: Duration.seconds(Math.min(Math.max(interval.toSeconds(), 60), 6 * 3600)),
      // Both use the same queue; `deadLetterQueue` grants the role sqs:SendMessage on it, which is all
      // the failure destination needs too (the stock SqsDestination would also add read actions).
      deadLetterQueue: this.deadLetterQueue,
      onFailure: { bind: () => ({ destination: this.deadLetterQueue.queueArn }) },
      environment: {
        ...settingsEnvironment({ ...config, regions }),
        [WIRING_ENV.topicArn]: this.topic.topicArn,
        [WIRING_ENV.stateTableName]: this.table.tableName,
        [WIRING_ENV.policiesDir]: BUNDLED_POLICIES_DIR,
        [WIRING_ENV.auditorName]: this.node.path,
        ...libraryEnvironment(),
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: requireShim,
        minify: true,
        sourceMap: true,
        // Pin the SDK the handler was tested with instead of the runtime's copy.
        bundleAwsSDK: true,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `mkdir -p ${shellQuote(join(outputDir, BUNDLED_POLICIES_DIR))}`,
            `cp ${shellQuote(policiesDir)}/*.json ${shellQuote(join(outputDir, BUNDLED_POLICIES_DIR))}/`,
          ],
        },
      },
    });

    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadChatRooms',
        actions: ['ivschat:ListRooms', 'ivschat:GetRoom'],
        resources: regions.map(roomArnPattern),
      }),
    );
    for (const statement of memberAccessStatements(config)) role.addToPrincipalPolicy(statement);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
    // SNS encrypts each published message with a data key from the topic's key.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptAlerts',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.topicKey.keyArn],
      }),
    );
    // The state stores read with Query and write (puts and deletes) with BatchWriteItem only.
    this.table.grant(role, 'dynamodb:Query', 'dynamodb:BatchWriteItem');

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Runs the IVS Chat drift audit',
      schedule: events.Schedule.expression(config.schedule),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    );

    const notify = new cwActions.SnsAction(this.topic);
    this.errorsAlarm = this.function
      .metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, 'ErrorsAlarm', {
        alarmDescription: 'The IVS Chat audit function failed; see its log group for the error.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.missedAuditAlarm = missedAuditAlarm(this, interval);
    this.deadLetterAlarm = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      })
      .createAlarm(this, 'DeadLetterAlarm', {
        alarmDescription:
          'Audit invocations or alert deliveries failed and were parked in the dead-letter queue.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    for (const alarm of [this.errorsAlarm, this.missedAuditAlarm, this.deadLetterAlarm]) {
      alarm.addAlarmAction(notify);
    }
    // Tell the on-call person when audits are running again.
    this.missedAuditAlarm.addOkAction(notify);

    this.acknowledgeNagFindings(regions, config);
  }

  /**
   * cdk-nag findings this design accepts, each with its reason. cdk-nag 3 reads CDK's native
   * acknowledgements and matches exact finding ids, so the IAM5 ids name each resource.
   */
  private acknowledgeNagFindings(regions: string[], config: AuditorConfig): void {
    const role = this.function.role as iam.Role;
    const policy = role.node.tryFindChild('DefaultPolicy') ?? role;
    Validations.of(policy).acknowledge(
      ...regions.map((region) => ({
        // cdk-nag renders pseudo parameters as <AWS::Name>.
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ivschat:${Token.isUnresolved(region) ? '<AWS::Region>' : region}:<AWS::AccountId>:room/*]`,
        reason: 'The audit reads every chat room of the region (room/*); room ids are not known in advance.',
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords (and Organizations ListAccounts in organization mode) support no resource-level permissions.',
      },
      ...(isOrganization(config.accounts)
        ? [
            {
              id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${config.memberRoleName}]`,
              reason:
                'Organization mode audits accounts that join later, so the member role of any account; the organization condition narrows it when organizationId is set.',
            },
          ]
        : []),
    );
    const runtimeReason =
      'Pinned to nodejs22.x, the runtime the handler is built and tested for; upgrade deliberately.';
    Validations.of(this.function).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
    );
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself the terminal dead-letter queue (schedule target, function, email deliveries); its depth is alarmed.',
    });
  }
}

/**
 * The function role's way into member accounts: `sts:AssumeRole` on the member role of each listed
 * account, or of any account (and `organizations:ListAccounts`) in organization mode. Nothing when
 * the audit stays in the deploying account.
 */
function memberAccessStatements(config: AuditorConfig): iam.PolicyStatement[] {
  if (config.accounts.length === 0) return [];
  const memberRoleArn = (account: string) =>
    Arn.format({
      partition: Aws.PARTITION,
      service: 'iam',
      region: '',
      account,
      resource: 'role',
      resourceName: config.memberRoleName,
    });
  if (!isOrganization(config.accounts)) {
    return [
      new iam.PolicyStatement({
        sid: 'AssumeMemberRoles',
        actions: ['sts:AssumeRole'],
        resources: config.accounts.map(memberRoleArn),
      }),
    ];
  }
  return [
    new iam.PolicyStatement({
      sid: 'AssumeMemberRoles',
      actions: ['sts:AssumeRole'],
      resources: [memberRoleArn('*')],
      ...(config.organizationId
        ? { conditions: { StringEquals: { 'aws:ResourceOrgID': config.organizationId } } }
        : {}),
    }),
    // ListAccounts supports no resource-level permissions.
    new iam.PolicyStatement({
      sid: 'ListOrganizationAccounts',
      actions: ['organizations:ListAccounts'],
      resources: ['*'],
    }),
  ];
}

function missedAuditAlarm(scope: Construct, interval: Duration): cloudwatch.Alarm {
  // CloudWatch periods above a day are not useful here; split long intervals into day periods.
  const period = Math.min(roundUpToMinute(interval.toSeconds()), 86400);
  const evaluationPeriods = Math.ceil((2 * interval.toSeconds()) / period);
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: METRIC.auditSucceeded,
    dimensionsMap: { service: SERVICE_NAME },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.seconds(period),
  }).createAlarm(scope, 'MissedAuditAlarm', {
    alarmDescription:
      'No successful IVS Chat audit for two schedule intervals: the schedule, the function or its permissions are broken.',
    threshold: 1,
    evaluationPeriods,
    datapointsToAlarm: evaluationPeriods,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    // No data at all is exactly the failure this alarm exists for.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
}

/**
 * Conditions for a grant to cloudwatch.amazonaws.com: it may act only for alarms of this account and
 * region. The exact alarm ARNs cannot be named: the alarms reference the topic, which references
 * the key, so naming them in the key or topic policy would be a dependency cycle.
 */
function ownAlarmsCondition(): Record<string, Record<string, unknown>> {
  return {
    StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
  };
}

/**
 * ListRooms and GetRoom both require the Room resource type per the Service Authorization Reference
 * ("Actions, resources, and condition keys for Amazon Interactive Video Service Chat",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_ivschat.html — ListRooms:
 * resource types "Room*"), so neither needs Resource "*".
 */
function roomArnPattern(region: string): string {
  return Arn.format({
    partition: Aws.PARTITION,
    service: 'ivschat',
    region,
    account: Aws.ACCOUNT_ID,
    resource: 'room',
    resourceName: '*',
  });
}

function defaultInterval(schedule: string): Duration {
  const seconds = scheduleIntervalSeconds(schedule);
  return seconds === undefined ? Duration.days(1) : Duration.seconds(seconds);
}

function roundUpToMinute(seconds: number): number {
  return Math.max(60, Math.ceil(seconds / 60) * 60);
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
    maxConcurrency: props.maxConcurrency,
    organizationId: props.organizationId,
    // The member stack's setting, not the auditor's.
    auditorAccountId: undefined,
  };
}

function libraryEnvironment(): Record<(typeof LIBRARY_ENV)[number], string> {
  return {
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
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

function lockFile(): { depsLockFilePath?: string } {
  const path = join(PROJECT_ROOT, 'package-lock.json');
  return existsSync(path) ? { depsLockFilePath: path } : {};
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
