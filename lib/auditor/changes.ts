import {
  Annotations,
  Arn,
  Aws,
  CfnCondition,
  CfnResource,
  Duration,
  Fn,
  Names,
  Validations,
} from 'aws-cdk-lib';

import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHANGE_EVENT_NAMES, CHANGE_SOURCE } from '../../lambda/core/change-writes.js';
import { isOrganization } from '../../lambda/settings/checks.js';
import { CHANGE_CONCURRENCY } from '../../lambda/settings/table.js';
import { CHANGE_PATH_READS, CHANGE_PATH_WRITES } from '../../lambda/state/partitions.js';
import type { AuditorConfig } from '../config.js';
import { FUNCTION_MEMORY_MB } from '../function-runtime.js';
import type { AuditorAlerts } from './alerts.js';
import type { FunctionNetwork } from './network.js';
import {
  CHAT_LOGGING_READ_REASON,
  CHAT_ROOM_READ_REASON,
  chatLoggingReadNagIds,
  chatLoggingReadStatement,
  chatRoomReadNagIds,
  chatRoomReadStatement,
  MEMBER_ROLE_REASON,
  memberAccessStatements,
  memberRoleNagId,
  partitionStatement,
  putEventsStatement,
  securityHubImportStatement,
} from './permissions.js';
import { DECLARED_DEAD_LETTER_QUEUE } from './queues.js';

/** The write calls that change a room: one list, read by the change function (lambda/modes/changes/events.ts). */
export { CHANGE_EVENT_NAMES };

/**
 * IVS Chat write calls as EventBridge receives them from CloudTrail. The auditor's rule and the
 * member stack's forwarding rule share it, so what a member forwards is what the auditor reads.
 */
export const CHANGE_EVENT_PATTERN: events.EventPattern = {
  source: [CHANGE_SOURCE],
  detailType: ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['ivschat.amazonaws.com'], eventName: [...CHANGE_EVENT_NAMES] },
};

/** The change function's timeout: a batch audits at most `changeMaxRooms` rooms per target. */
export const CHANGE_FUNCTION_TIMEOUT = Duration.minutes(5);

/**
 * Records per invocation: the most a standard queue allows. Lambda also cuts a batch at its 6 MB
 * payload (~1,500 CloudTrail events of ~4 KB with their SQS envelope), so a storm arrives in few
 * batches, each auditing at most `changeMaxRooms` rooms per target, instead of in hundreds of small
 * ones that would each fetch their rooms.
 */
export const CHANGE_BATCH_SIZE = 10_000;

/**
 * Batches processed at once (the least an SQS event source allows); each audits at half the target's
 * API budget (lambda/modes/changes/batch.ts), so together they keep it.
 */
export const CHANGE_MAX_CONCURRENCY = CHANGE_CONCURRENCY;

/** Receives before a change event is parked in the change dead-letter queue. */
export const CHANGE_MAX_RECEIVE_COUNT = 5;

/**
 * The change function role's name when it audits other accounts: each member role trusts it beside
 * the audit function's role. With a custom audit role name, that name plus `-change`.
 */
export const AUDITOR_CHANGE_ROLE_NAME = 'ivschat-auditor-change';

/** The change role's name for an audit role named `functionRoleName` (undefined: the default name). */
export function changeRoleName(functionRoleName: string | undefined): string {
  if (functionRoleName === undefined) return AUDITOR_CHANGE_ROLE_NAME;
  const name = `${functionRoleName}-change`;
  if (name.length > 64) {
    throw new Error(
      `ivschat-auditor: functionRoleName "${functionRoleName}" leaves no room for the change function's role "${name}" (IAM allows 64 characters); use a name of at most 57`,
    );
  }
  return name;
}

/**
 * The state table actions of the change path: reads (findings, cache, marks, the trail; the whole
 * records of findings it resolves by BatchGetItem) and writes.
 */
export const CHANGE_STATE_READ_ACTIONS = [
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
] as const;
/**
 * Batches (findings, room cache; their deletes), conditional single-item writes (the mark, versioned
 * findings), and the conditional delete that puts back a claimed new finding when no sink took the
 * alert (lambda/state/target-store.ts): all within the change path's own partitions.
 */
export const CHANGE_STATE_WRITE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

export interface AuditorChangesProps {
  readonly config: AuditorConfig;
  /** The audited regions, the stack's own (a token) when none is configured. */
  readonly regions: readonly string[];
  /** The audit function: the change function runs its code (same asset, same handler). */
  readonly auditFunction: lambda.Function;
  /** The change function's role name. @default - generated */
  readonly roleName?: string;
  /** The audit function's log group, shared. */
  readonly logGroup: logs.ILogGroup;
  /** The audit function's environment, so both read the same settings and wiring. */
  readonly environment: Readonly<Record<string, string>>;
  /** The VPC placement the audit function has too; absent without a VPC. */
  readonly network?: FunctionNetwork;
  readonly table: dynamodb.ITable;
  readonly alerts: AuditorAlerts;
}

/**
 * Change-triggered audits (`changeEvents=true`): a rule on the default bus matches IVS Chat write
 * calls and sends them to a queue; the change function reads the queue in batches and audits the
 * rooms named. With `accounts` set, the default bus also accepts the events member stacks forward.
 */
export class AuditorChanges extends Construct {
  /** The rule on the default bus that matches `CHANGE_EVENT_PATTERN`. */
  readonly rule: events.IRule;
  /** Buffers the change events for the change function. */
  readonly queue: sqs.IQueue;
  /** Events that failed `CHANGE_MAX_RECEIVE_COUNT` times, or that EventBridge could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Reads the queue in batches: the audit function's code, its own role, `CHANGE_FUNCTION_TIMEOUT`. */
  readonly function: lambda.IFunction;
  /** The change function's role: reads, finding state, alerts; no IVS Chat write, no trail write. */
  readonly role: iam.IRole;
  /** The default bus's policy for member accounts; absent without `accounts`, or when it cannot be scoped. */
  readonly busPolicy?: CfnResource;

  constructor(scope: Construct, id: string, props: AuditorChangesProps) {
    super(scope, id);
    const { config } = props;
    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      redriveAllowPolicy: DECLARED_DEAD_LETTER_QUEUE,
    });
    this.deadLetterQueue = deadLetterQueue;
    const queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for SQS event sources: at least six times the function timeout plus the batch
      // window, so a message is not handed to a second invocation while the first still works on it.
      visibilityTimeout: Duration.seconds(
        6 * CHANGE_FUNCTION_TIMEOUT.toSeconds() + config.changeBatchWindowSeconds,
      ),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: CHANGE_MAX_RECEIVE_COUNT },
    });
    this.queue = queue;

    const rule = new events.Rule(this, 'Rule', {
      description: 'IVS Chat write calls (CloudTrail) for the change-triggered audit',
      eventPattern: CHANGE_EVENT_PATTERN,
    });
    this.rule = rule;
    rule.addTarget(
      new targets.SqsQueue(queue, {
        deadLetterQueue,
        retryAttempts: 8,
        // An older change is left to the scheduled audit.
        maxEventAge: Duration.hours(1),
      }),
    );

    const role = changeFunctionRole(this, props);
    props.network?.allowNetworkInterfaces(role);
    this.role = role;
    // The only sender: EventBridge for this rule. A negated condition matches when its key is
    // absent too, so a principal of this account sending directly (no aws:SourceArn) is denied,
    // whatever its own policy allows; the rule's deliveries carry its ARN and pass.
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheChangeRuleSends',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: { ArnNotEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );

    const changeFunction = new lambda.Function(this, 'Function', {
      description: 'ivschat-auditor change function: audits the rooms named by a batch of IVS Chat changes',
      code: new SharedCode(props.auditFunction),
      handler: handlerOf(props.auditFunction),
      runtime: props.auditFunction.runtime,
      architecture: props.auditFunction.architecture,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: CHANGE_FUNCTION_TIMEOUT,
      role,
      logGroup: props.logGroup,
      ...props.network?.functionProps,
      tracing: lambda.Tracing.ACTIVE,
      environment: { ...props.environment },
    });
    this.function = changeFunction;
    const eventSource = new SqsEventSource(queue, {
      batchSize: CHANGE_BATCH_SIZE,
      maxBatchingWindow: Duration.seconds(config.changeBatchWindowSeconds),
      reportBatchItemFailures: true,
      maxConcurrency: CHANGE_MAX_CONCURRENCY,
    });
    changeFunction.addEventSource(eventSource);
    Validations.of(changeFunction).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        "An SQS event source mapping takes no on-failure destination; the change queue's redrive policy parks a message that failed 5 times in the alarmed change dead-letter queue.",
    });

    const busPolicy = memberBusPolicy(this, config);
    if (busPolicy) this.busPolicy = busPolicy;
    this.acknowledgeNagFindings(config, props.regions);
  }

  private acknowledgeNagFindings(config: AuditorConfig, regions: readonly string[]): void {
    const runtimeReason =
      'Pinned to nodejs22.x, the runtime the handler is built and tested for; upgrade deliberately.';
    Validations.of(this.function).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked only by the SQS event source, never asynchronously: a failed batch returns to the change queue, whose redrive policy parks it in the alarmed change dead-letter queue.',
      },
    );
    const policy = this.role.node.tryFindChild('DefaultPolicy') ?? this.role;
    Validations.of(policy).acknowledge(
      ...chatRoomReadNagIds(regions).map((id) => ({ id, reason: CHAT_ROOM_READ_REASON })),
      ...chatLoggingReadNagIds(regions).map((id) => ({ id, reason: CHAT_LOGGING_READ_REASON })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.',
      },
      ...(isOrganization(config.accounts)
        ? [{ id: memberRoleNagId(config.memberRoleName), reason: MEMBER_ROLE_REASON }]
        : []),
    );
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself the terminal dead-letter queue of the change queue and the change rule; its depth is alarmed.',
    });
  }
}

/**
 * The change function's own role: exactly what the change path calls. It reads rooms (its own
 * account's directly, a member's through the member role, whose session it limits to reads:
 * lambda/aws/session-policy.ts), keeps finding state in the partitions it owns (reading the
 * remediation trail, never writing it), and publishes the batch's alert to the configured sinks.
 * Unlike the audit function's role it has no IVS Chat write, no Organizations listing, no run or
 * lock items. The SQS event source adds the queue's receive and delete, tracing adds X-Ray.
 */
function changeFunctionRole(scope: Construct, props: AuditorChangesProps): iam.Role {
  const { config, regions } = props;
  const role = new iam.Role(scope, 'FunctionRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    ...(props.roleName ? { roleName: props.roleName } : {}),
    description:
      'ivschat-auditor change function: read the changed IVS Chat rooms, keep finding state, publish alerts (no write to rooms or the remediation trail)',
  });
  props.logGroup.grantWrite(role);
  role.addToPrincipalPolicy(chatRoomReadStatement(regions));
  role.addToPrincipalPolicy(chatLoggingReadStatement(regions));
  for (const statement of memberAccessStatements(config, { listAccounts: false }))
    role.addToPrincipalPolicy(statement);
  role.addToPrincipalPolicy(
    partitionStatement('ReadChangeState', props.table, CHANGE_STATE_READ_ACTIONS, CHANGE_PATH_READS),
  );
  role.addToPrincipalPolicy(
    partitionStatement('WriteChangeState', props.table, CHANGE_STATE_WRITE_ACTIONS, CHANGE_PATH_WRITES),
  );
  // Only for a table encrypted with a customer managed key; the construct's uses the AWS managed key.
  props.table.encryptionKey?.grantEncryptDecrypt(role);
  props.alerts.grantPublish(role);
  // Member accounts' findings are imported through their member role, which has its own grant.
  if (config.securityHub) role.addToPrincipalPolicy(securityHubImportStatement(regions));
  if (config.eventBus) role.addToPrincipalPolicy(putEventsStatement(config.eventBus));
  return role;
}

/**
 * The audit function's deployment package, as the change function's: one asset, bundled once, so
 * the two can never run different code. Reads the audit function's resolved S3 location.
 */
class SharedCode extends lambda.Code {
  constructor(private readonly source: lambda.Function) {
    super();
  }

  bind(): lambda.CodeConfig {
    const code = cfnFunction(this.source).code as lambda.CfnFunction.CodeProperty;
    if (!code.s3Bucket || !code.s3Key) throw new Error('ivschat-auditor: the audit function has no S3 code');
    return { s3Location: { bucketName: code.s3Bucket, objectKey: code.s3Key } };
  }
}

const cfnFunction = (fn: lambda.Function) => fn.node.defaultChild as lambda.CfnFunction;

function handlerOf(fn: lambda.Function): string {
  return cfnFunction(fn).handler ?? 'index.handler';
}

/**
 * Lets member accounts put events on this account's default bus (their forwarding rules), when other
 * accounts are audited: the organization when its id is known, else exactly the listed accounts. In
 * organization mode without `organizationId` there is nothing safe to scope to (a `*` principal
 * would open the bus to every AWS account), so no policy is made and synth warns: members' changes
 * then wait for the scheduled audit.
 */
function memberBusPolicy(scope: Construct, config: AuditorConfig): CfnResource | undefined {
  if (config.accounts.length === 0) return undefined;
  const organization = isOrganization(config.accounts);
  if (organization && !config.organizationId) {
    Annotations.of(scope).addWarningV2(
      'ivschat-auditor:change-events-organization',
      'accounts=organization without organizationId: the default event bus is not opened to member accounts, so their IVS Chat changes are found by the scheduled audit only. Set organizationId (o-...) to let member stacks forward their change events.',
    );
    return undefined;
  }
  const busArn = Arn.format({
    partition: Aws.PARTITION,
    service: 'events',
    region: Aws.REGION,
    account: Aws.ACCOUNT_ID,
    resource: 'event-bus',
    resourceName: 'default',
  });
  const principal = organization
    ? '*'
    : {
        AWS: config.accounts.map((account) =>
          Arn.format({ partition: Aws.PARTITION, service: 'iam', region: '', account, resource: 'root' }),
        ),
      };
  // AWS services' sources (aws.*) cannot be sent with PutEvents by anyone, only forwarded by rules:
  // the bus takes nothing from members but forwarded IVS Chat events.
  const onlyChatEvents = { 'ForAllValues:StringEquals': { 'events:source': [CHANGE_SOURCE] } };
  // A plain CfnResource: CfnEventBusPolicy's generated class prints a deprecation warning for its
  // legacy `principal` property on every synth, even when it is not set.
  return new CfnResource(scope, 'MemberBusPolicy', {
    type: 'AWS::Events::EventBusPolicy',
    properties: {
      EventBusName: 'default',
      StatementId: Names.uniqueResourceName(scope, { maxLength: 64, separator: '-' }),
      Statement: {
        Effect: 'Allow',
        Principal: principal,
        Action: 'events:PutEvents',
        Resource: busArn,
        Condition: {
          ...onlyChatEvents,
          ...(organization ? { StringEquals: { 'aws:PrincipalOrgID': config.organizationId } } : {}),
        },
      },
    },
  });
}

export interface ChangeForwardingProps {
  /** The auditor's account. @default - this stack's account */
  readonly auditorAccountId?: string;
  /** The auditor stack's region. @default - this stack's region */
  readonly auditorRegion?: string;
}

/**
 * A member account's forwarding of its IVS Chat write calls to the auditor's default bus: a rule
 * with the auditor's pattern, and the role EventBridge uses to put the events there. Deployed
 * everywhere except on the auditor's own bus (same account and region), where the auditor's rule
 * already sees them: a CloudFormation condition, because a StackSet's account and region are known
 * only at deploy time. At least one of the two props must name somewhere else.
 */
export class ChangeForwarding extends Construct {
  readonly rule: events.IRule;
  readonly role: iam.IRole;
  /** True where this stack is not on the auditor's own bus. */
  readonly condition: CfnCondition;

  constructor(scope: Construct, id: string, props: ChangeForwardingProps) {
    super(scope, id);
    const auditorAccount = props.auditorAccountId ?? Aws.ACCOUNT_ID;
    const auditorRegion = props.auditorRegion ?? Aws.REGION;
    // Only what was given: comparing a pseudo parameter with itself is always true, and
    // CloudFormation's validation warns about it.
    const onAuditorBus = [
      ...(props.auditorAccountId ? [Fn.conditionEquals(Aws.ACCOUNT_ID, props.auditorAccountId)] : []),
      ...(props.auditorRegion ? [Fn.conditionEquals(Aws.REGION, props.auditorRegion)] : []),
    ];
    const [first, ...rest] = onAuditorBus;
    if (!first) throw new Error('ivschat-auditor: change forwarding needs auditorAccountId or auditorRegion');
    this.condition = new CfnCondition(this, 'NotOnAuditorBus', {
      expression: Fn.conditionNot(rest.length > 0 ? Fn.conditionAnd(first, ...rest) : first),
    });
    const auditorBusArn = Arn.format({
      partition: Aws.PARTITION,
      service: 'events',
      region: auditorRegion,
      account: auditorAccount,
      resource: 'event-bus',
      resourceName: 'default',
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      }),
      description:
        "ivschat-auditor: forwards this account's IVS Chat change events to the auditor's event bus",
      inlinePolicies: {
        PutToAuditorBus: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [auditorBusArn] }),
          ],
        }),
      },
    });
    this.role = role;
    const rule = new events.Rule(this, 'Rule', {
      description: "Forwards IVS Chat write calls (CloudTrail) to the ivschat-auditor account's default bus",
      eventPattern: CHANGE_EVENT_PATTERN,
    });
    // A plain target: CDK's EventBus target would reason about cross-environment stacks, and the
    // auditor's bus is only an ARN here.
    rule.addTarget({ bind: () => ({ arn: auditorBusArn, role }) });
    this.rule = rule;
    for (const resource of [rule, role])
      (resource.node.defaultChild as CfnResource).cfnOptions.condition = this.condition;
    Validations.of(rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'A forwarded event that EventBridge cannot deliver is found by the next scheduled audit; a dead-letter queue in every member account and region would go unwatched.',
    });
  }
}
