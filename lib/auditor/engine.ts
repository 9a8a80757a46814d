import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CfnElement, Duration, Names, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambda/core/metric-names.js';
import { isOrganization } from '../../lambda/settings/checks.js';
import { type LIBRARY_ENV, WIRING_ENV } from '../../lambda/settings/wiring.js';
import { type AuditorConfig, settingsEnvironment } from '../config.js';
import {
  FUNCTION_BUNDLE,
  FUNCTION_BUNDLE_ALIAS,
  FUNCTION_MEMORY_MB,
  FUNCTION_RUNTIME_ENV,
  FUNCTION_SOURCES_CONTENT,
} from '../function-runtime.js';
import type { AuditorAlerts } from './alerts.js';
import { AuditorLogs } from './logs.js';
import type { FunctionNetwork } from './network.js';
import {
  chatLoggingReadStatement,
  chatRoomReadStatement,
  chatRoomRemediationStatement,
  memberAccessStatements,
  putEventsStatement,
  securityHubImportStatement,
  stackTemplateReadStatement,
} from './permissions.js';
import { grantReportWrite } from './reports.js';
import { STATE_TABLE_ACTIONS } from './state.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where the handler looks for policies, relative to the bundle root (the handler owner resolves it). */
export const BUNDLED_POLICIES_DIR = 'policies';

/**
 * The function role's name when it audits other accounts: each member role trusts exactly this role,
 * and a member account deploys that trust before (or without) knowing anything else of the auditor.
 */
export const AUDITOR_FUNCTION_ROLE_NAME = 'ivschat-auditor-function';

/**
 * The states of the engine, named as the Lambda side and the local interpreter tests know them
 * (/work/prompts/engine-contract.md, "State machine").
 */
export const STATE_NAMES = {
  plan: 'Plan',
  auditTargets: 'AuditTargets',
  auditTarget: 'AuditTarget',
  targetAudited: 'TargetAudited?',
  targetFailed: 'TargetFailed',
  targetDone: 'TargetDone',
  aggregate: 'Aggregate',
} as const;

/**
 * A run may take a first audit of 50,000 rooms (~3.5 h at 4 GetRoom/s) and wait on throttled Lambda
 * invocations; anything past a day is stuck, and the lock in the state table outlives it anyway.
 */
export const RUN_TIMEOUT = Duration.hours(23);

export interface AuditEngineProps {
  readonly config: AuditorConfig;
  /** The audited regions, the stack's own (a token) when none is configured. */
  readonly regions: readonly string[];
  readonly policiesDir: string;
  readonly functionRoleName?: string;
  /** The schedule's interval: how long a failed asynchronous invocation is worth retrying. */
  readonly interval: Duration;
  readonly table: dynamodb.ITable;
  readonly alerts: AuditorAlerts;
  readonly deadLetterQueue: sqs.IQueue;
  /** The metric dimension value and the function's AUDITOR_NAME: the auditor construct's path. */
  readonly auditorName: string;
  /** The VPC placement of the functions; absent without a VPC. */
  readonly network?: FunctionNetwork;
  /** Where each run's HTML report goes (setting `reportBucket`); absent: none is written. */
  readonly reportBucket?: s3.IBucket;
}

/**
 * The audit function, the Standard state machine that runs it once per target (plan → Distributed
 * Map → aggregate), and the schedule that starts the state machine. The function, its role, its log
 * group and the rule keep their ids in the auditor's scope (the role may carry a fixed name, which
 * CloudFormation cannot replace in place); the state machine is new and lives under `Engine`.
 */
export class AuditEngine {
  readonly function: nodejs.NodejsFunction;
  /** The function's environment: every setting the Lambda reads and the wiring (the change function reuses it). */
  readonly environment: Readonly<Record<string, string>>;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The auditor's log groups and their key; the change path's would be made here too. */
  readonly logs: AuditorLogs;
  readonly stateMachine: sfn.StateMachine;
  /** The key of every log group of the auditor (it began as the execution log's). */
  readonly stateMachineLogKey: kms.Key;
  readonly rule: events.Rule;

  constructor(scope: Construct, props: AuditEngineProps) {
    const { config } = props;
    const engine = new Construct(scope, 'Engine');
    this.logs = new AuditorLogs(engine, config.logRetentionDays);
    this.stateMachineLogKey = this.logs.key;
    // Both functions (audit and change) log here, under the auditor's unique name.
    this.logGroup = this.logs.logGroup(
      scope,
      'Logs',
      `/aws/lambda/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`,
    );
    const functionRoleName =
      props.functionRoleName ?? (config.accounts.length > 0 ? AUDITOR_FUNCTION_ROLE_NAME : undefined);
    this.role = new iam.Role(scope, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      ...(functionRoleName ? { roleName: functionRoleName } : {}),
      description: 'ivschat-auditor audit function: read IVS Chat rooms, keep finding state, publish alerts',
    });
    this.logGroup.grantWrite(this.role);
    props.network?.allowNetworkInterfaces(this.role);
    this.environment = {
      ...settingsEnvironment({ ...config, regions: [...props.regions] }),
      [WIRING_ENV.topicArn]: props.alerts.topic.topicArn,
      [WIRING_ENV.stateTableName]: props.table.tableName,
      [WIRING_ENV.policiesDir]: BUNDLED_POLICIES_DIR,
      [WIRING_ENV.auditorName]: props.auditorName,
      [WIRING_ENV.functionRoleName]: this.role.roleName,
      [WIRING_ENV.functionRoleArn]: this.role.roleArn,
      ...(props.reportBucket ? { [WIRING_ENV.reportBucket]: props.reportBucket.bucketName } : {}),
      ...libraryEnvironment(),
    };
    this.function = auditFunction(scope, this.role, this.logGroup, this.environment, props);

    this.role.addToPrincipalPolicy(chatRoomReadStatement(props.regions));
    this.role.addToPrincipalPolicy(chatLoggingReadStatement(props.regions));
    if (config.iacDrift) this.role.addToPrincipalPolicy(stackTemplateReadStatement(props.regions));
    // `off` and `plan` never write: the role gets no write action at all. Other accounts are written
    // through their member role; the own account only when it is audited (a list that leaves out the
    // stack's known account does not audit it).
    const ownAccount = Stack.of(scope).account;
    const auditsOwnAccount =
      config.accounts.length === 0 ||
      isOrganization(config.accounts) ||
      Token.isUnresolved(ownAccount) ||
      config.accounts.includes(ownAccount);
    if (config.remediation === 'apply' && auditsOwnAccount)
      this.role.addToPrincipalPolicy(chatRoomRemediationStatement(props.regions, config.remediationTag));
    for (const statement of memberAccessStatements(config, { listAccounts: true }))
      this.role.addToPrincipalPolicy(statement);
    // Findings of member accounts are imported through their member role, which has its own grant.
    if (config.securityHub) this.role.addToPrincipalPolicy(securityHubImportStatement(props.regions));
    if (config.eventBus) this.role.addToPrincipalPolicy(putEventsStatement(config.eventBus));
    props.alerts.grantPublish(this.role);
    if (props.reportBucket) grantReportWrite(this.role, props.reportBucket);
    props.table.grant(this.role, ...STATE_TABLE_ACTIONS);

    this.stateMachine = auditStateMachine(engine, this.function, config.maxConcurrency, this.logs);

    this.rule = new events.Rule(scope, 'Schedule', {
      description: 'Runs the IVS Chat drift audit',
      schedule: events.Schedule.expression(config.schedule),
    });
    this.rule.addTarget(
      new targets.SfnStateMachine(this.stateMachine, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    );
  }
}

function auditFunction(
  scope: Construct,
  role: iam.IRole,
  logGroup: logs.ILogGroup,
  environment: Readonly<Record<string, string>>,
  props: AuditEngineProps,
): nodejs.NodejsFunction {
  const deadLetterQueue = props.deadLetterQueue;
  return new nodejs.NodejsFunction(scope, 'Function', {
    entry: join(PROJECT_ROOT, 'lambda', 'handler.ts'),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    ...lockFile(),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: FUNCTION_MEMORY_MB,
    // Each invocation watches its own deadline and stops early, so the Lambda maximum is safe.
    timeout: Duration.minutes(15),
    // No reserved concurrency: the Distributed Map runs up to maxConcurrency targets at once, each
    // invoking this function, and a reservation of 1 would throttle all but one. Two runs cannot
    // audit the same target at once because each target is locked in the state table for its run.
    role,
    logGroup,
    ...props.network?.functionProps,
    tracing: lambda.Tracing.ACTIVE,
    // For invocations by hand (`--invocation-type Event`); the state machine invokes synchronously
    // and retries itself.
    retryAttempts: 2,
    maxEventAge: Duration.seconds(Math.min(Math.max(props.interval.toSeconds(), 60), 6 * 3600)),
    // Both use the same queue; `deadLetterQueue` grants the role sqs:SendMessage on it, which is all
    // the failure destination needs too (the stock SqsDestination would also add read actions).
    deadLetterQueue,
    onFailure: { bind: () => ({ destination: deadLetterQueue.queueArn }) },
    environment: { ...environment },
    bundling: {
      forceDockerBundling: false,
      format: nodejs.OutputFormat.ESM,
      target: FUNCTION_BUNDLE.target,
      mainFields: [...FUNCTION_BUNDLE.mainFields],
      banner: FUNCTION_BUNDLE.banner,
      esbuildArgs: Object.fromEntries(
        Object.entries(FUNCTION_BUNDLE_ALIAS).map(([from, to]) => [`--alias:${from}`, to]),
      ),
      minify: true,
      sourceMap: true,
      sourcesContent: FUNCTION_SOURCES_CONTENT,
      // Pin the SDK the handler was tested with instead of the runtime's copy.
      bundleAwsSDK: true,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir: string, outputDir: string) => [
          copyPoliciesCommand(props.policiesDir, join(outputDir, BUNDLED_POLICIES_DIR)),
        ],
      },
    },
  });
}

/**
 * Copies the policy files into the bundle with Node itself, not `cp`, so bundling works wherever
 * the CDK runs (bash on Linux and macOS, cmd on Windows). Both shells keep a double-quoted word
 * whole; the script uses no character either shell would expand.
 */
const COPY_POLICIES_SCRIPT = [
  "const fs = require('node:fs'), path = require('node:path');",
  'const [from, to] = process.argv.slice(1);',
  'fs.mkdirSync(to, { recursive: true });',
  "for (const name of fs.readdirSync(from)) if (name.endsWith('.json')) fs.copyFileSync(path.join(from, name), path.join(to, name));",
].join(' ');

export function copyPoliciesCommand(from: string, to: string): string {
  return ['node -e', ...[COPY_POLICIES_SCRIPT, from, to].map(shellWord)].join(' ');
}

/** One double-quoted word for bash and cmd alike; a path they could not both keep whole is refused. */
function shellWord(value: string): string {
  if (/["$`%!\r\n]|\\$/.test(value)) {
    throw new Error(
      `ivschat-auditor: cannot bundle the policies from or to ${JSON.stringify(value)}: a path with any of " $ \` % !, a line break or a trailing backslash cannot be passed to the bundling shell safely; move the folder`,
    );
  }
  return `"${value}"`;
}

/**
 * The engine as in the contract: Plan → AuditTargets (Distributed Map over target indexes; each
 * child loops AuditTarget until the target is done, or records why it failed) → Aggregate.
 * Items are indexes and children output `{}`, so neither the items nor the results come near the
 * 256 KiB payload cap at 5,000 targets.
 */
function auditStateMachine(
  scope: Construct,
  fn: lambda.IFunction,
  maxConcurrency: number,
  auditorLogs: AuditorLogs,
): sfn.StateMachine {
  const invoke = (
    id: string,
    payload: Record<string, unknown>,
    options: Partial<tasks.LambdaInvokeProps> = {},
  ) =>
    new tasks.LambdaInvoke(scope, id, {
      stateName: STATE_NAMES[id as keyof typeof STATE_NAMES] ?? id,
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(payload),
      outputPath: '$.Payload',
      // Retries Lambda.ServiceException, AWSLambdaException, SdkClientException, ClientExecutionTimeoutException.
      retryOnServiceExceptions: true,
      ...options,
    }).addRetry({
      // Throttled when the account's concurrency is busy: wait for room, do not fail the target.
      errors: ['Lambda.TooManyRequestsException'],
      interval: Duration.seconds(5),
      maxAttempts: 8,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });

  const plan = invoke('plan', {
    step: 'plan',
    runId: sfn.JsonPath.executionName,
    startedAt: sfn.JsonPath.executionStartTime,
  });

  const auditTarget = invoke('auditTarget', {
    step: 'audit-target',
    runId: sfn.JsonPath.stringAt('$.runId'),
    startedAt: sfn.JsonPath.stringAt('$.startedAt'),
    index: sfn.JsonPath.numberAt('$.index'),
    iteration: sfn.JsonPath.numberAt('$.iteration'),
  });
  const targetFailed = invoke(
    'targetFailed',
    {
      step: 'target-failed',
      runId: sfn.JsonPath.stringAt('$.runId'),
      index: sfn.JsonPath.numberAt('$.index'),
      error: sfn.JsonPath.objectAt('$.error'),
    },
    { outputPath: undefined, resultPath: sfn.JsonPath.DISCARD },
  );
  // Children output {} so that 5,000 child results stay small.
  const targetDone = new sfn.Pass(scope, 'targetDone', {
    stateName: STATE_NAMES.targetDone,
    result: sfn.Result.fromObject({}),
  });
  auditTarget.addCatch(targetFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  targetFailed.next(targetDone);
  const targetAudited = new sfn.Choice(scope, 'targetAudited', { stateName: STATE_NAMES.targetAudited })
    .when(sfn.Condition.booleanEquals('$.done', true), targetDone)
    .otherwise(auditTarget);
  auditTarget.next(targetAudited);

  const auditTargets = new sfn.DistributedMap(scope, 'auditTargets', {
    stateName: STATE_NAMES.auditTargets,
    itemsPath: '$.targets',
    itemSelector: {
      runId: sfn.JsonPath.stringAt('$.runId'),
      startedAt: sfn.JsonPath.stringAt('$.startedAt'),
      index: sfn.JsonPath.numberAt('$$.Map.Item.Value'),
      iteration: 0,
    },
    maxConcurrency,
    // One bad target never fails the run: it is recorded (TargetFailed) and reported by Aggregate.
    toleratedFailurePercentage: 100,
    resultPath: sfn.JsonPath.DISCARD,
    mapExecutionType: sfn.StateMachineType.STANDARD,
  });
  // Mode DISTRIBUTED is the DistributedMap's own; its execution type is `mapExecutionType` above.
  auditTargets.itemProcessor(auditTarget);

  const aggregate = invoke('aggregate', {
    step: 'aggregate',
    runId: sfn.JsonPath.stringAt('$.runId'),
    startedAt: sfn.JsonPath.stringAt('$.startedAt'),
  });

  // Under /aws/vendedlogs/ as Step Functions recommends, to keep CloudWatch Logs' resource policy small.
  const logGroup = auditorLogs.logGroup(
    scope,
    'ExecutionLogs',
    `/aws/vendedlogs/states/${Names.uniqueResourceName(scope, { maxLength: 200 })}`,
  );

  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    comment: 'ivschat-auditor: plan the targets, audit each (Distributed Map), send one alert',
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromChainable(plan.next(auditTargets).next(aggregate)),
    timeout: RUN_TIMEOUT,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
  });
  acknowledgeStateMachineNagFindings(stateMachine, fn);
  return stateMachine;
}

/**
 * The wildcards CDK's own grants give the state machine role, each unavoidable. cdk-nag 3 matches
 * exact finding ids, which name the logical ids of the function and the state machine.
 */
function acknowledgeStateMachineNagFindings(stateMachine: sfn.StateMachine, fn: lambda.IFunction): void {
  const stack = Stack.of(stateMachine);
  const logicalId = (construct: Construct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const functionId = logicalId(fn as unknown as Construct);
  const machineName = JSON.stringify({
    'Fn::Select': [6, { 'Fn::Split': [':', { Ref: logicalId(stateMachine) }] }],
  });
  // cdk-nag shows pseudo parameters as <AWS::Name>, and a stack's concrete region or account as is.
  const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  const executions = `arn:<AWS::Partition>:states:${shown(stack.region, 'Region')}:${shown(stack.account, 'AccountId')}:execution:${machineName}`;
  const role = stateMachine.role.node;
  Validations.of(role.tryFindChild('DefaultPolicy') ?? stateMachine.role).acknowledge(
    {
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason:
        'LambdaInvoke grants the function and its versions and aliases (<arn>:*); only this one function can be invoked.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords/GetSampling* and the CloudWatch Logs delivery actions Step Functions logging needs support no resource-level permissions.',
    },
  );
  const distributedMapPolicy = stateMachine.node.tryFindChild('DistributedMapPolicy');
  if (!distributedMapPolicy) return;
  Validations.of(distributedMapPolicy).acknowledge(
    {
      id: `AwsSolutions-IAM5[Resource::${executions}:*]`,
      reason:
        "The Distributed Map describes and stops this state machine's own executions, whose names are generated per run.",
    },
    {
      id: `AwsSolutions-IAM5[Resource::${executions}/*:*]`,
      reason:
        "The Distributed Map describes and stops the child executions of this state machine's map runs, named by Step Functions at run time.",
    },
  );
}

function libraryEnvironment(): Record<(typeof LIBRARY_ENV)[number], string> {
  return {
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    ...FUNCTION_RUNTIME_ENV,
  };
}

function lockFile(): { depsLockFilePath?: string } {
  const path = join(PROJECT_ROOT, 'package-lock.json');
  return existsSync(path) ? { depsLockFilePath: path } : {};
}
