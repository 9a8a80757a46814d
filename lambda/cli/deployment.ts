/**
 * A deployed auditor as its stack describes it: `readDeployment` reads the stack's outputs
 * (`settings/stack-outputs.ts`) with one DescribeStacks call and checks each before `doctor` or
 * `selftest` acts on it. A stack that is not the auditor's fails with one line saying so.
 */
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  type Output,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { ACCOUNT_ID, isRegionName } from '../core/arn.js';
import { AuditorError } from '../core/errors.js';
import {
  ALERT_SINK,
  NO_ALERT_SINKS,
  STACK_OUTPUT as OUT,
  REQUIRED_STACK_OUTPUTS,
} from '../settings/stack-outputs.js';

/** The stack `cdk deploy` creates unless told otherwise (`bin/`, `lib/app.ts`). */
export const DEFAULT_STACK_NAME = 'IvsChatAuditor';

/** The deployed auditor: where its parts are and what it was configured to do. */
export interface Deployment {
  readonly stackName: string;
  /** The region the stack (and so the state machine, topic, queues and alarms) is in. */
  readonly region: string;
  /** The account the stack is in: the auditor's own account. */
  readonly accountId: string;
  /** e.g. `CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`. */
  readonly stackStatus: string;
  readonly alertsTopicArn: string;
  readonly stateTableName: string;
  readonly stateMachineArn: string;
  readonly functionName: string;
  readonly deadLetterQueueUrl: string;
  readonly schedule: {
    readonly ruleName: string;
    readonly expression: string;
    readonly intervalSeconds: number;
  };
  readonly alarmNames: readonly string[];
  readonly regions: readonly string[];
  /** The audited accounts, or `organization` (every ACTIVE account of the organization). */
  readonly accounts: readonly string[] | 'organization';
  readonly memberRoleName: string;
  readonly sinks: {
    readonly emailCount: number;
    readonly slack: boolean;
    readonly securityHub: boolean;
    /** The bus finding events go to (`default` or an ARN); absent when none. */
    readonly eventBus?: string;
  };
  /** The change path; absent when the stack was deployed with `changeEvents=false`. */
  readonly changes?: {
    readonly ruleName: string;
    readonly queueUrl: string;
    readonly deadLetterQueueUrl: string;
  };
}

/** The clients `readDeployment` calls (one, in the stack's region). */
export interface DeploymentClients {
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
}

export interface ReadDeploymentOptions {
  readonly stackName: string;
  readonly region: string;
  readonly clients: DeploymentClients;
  readonly signal?: AbortSignal;
}

/** The stack is missing, or it is not (this version of) the auditor's: one line a person can act on. */
export class DeploymentError extends AuditorError {
  override readonly name = 'DeploymentError';
}

const NOT_OURS = "is this the auditor's stack? (--stack NAME, --region R)";

/** The deployment `stackName` in `region` describes, or a DeploymentError saying what is missing. */
export async function readDeployment(options: ReadDeploymentOptions): Promise<Deployment> {
  const { stackName, region } = options;
  const stack = await describeStack(options);
  const outputs = outputMap(stack.Outputs ?? []);
  const missing = REQUIRED_STACK_OUTPUTS.filter((key) => !outputs.has(key));
  if (missing.length > 0)
    throw new DeploymentError(
      `stack ${stackName} in ${region} has no output ${missing.join(', ')}: ${NOT_OURS} An auditor deployed before this version gains them with cdk deploy`,
    );
  const read = (key: string): string => outputs.get(key) ?? '';
  const bad = (key: string, why: string) =>
    new DeploymentError(`stack ${stackName} output ${key}: ${why}; ${NOT_OURS}`);

  const intervalSeconds = Number(read(OUT.auditIntervalSeconds));
  if (!Number.isInteger(intervalSeconds) || intervalSeconds <= 0)
    throw bad(OUT.auditIntervalSeconds, 'not a whole number of seconds');
  const emailCount = Number(read(OUT.alertEmailCount));
  if (!Number.isInteger(emailCount) || emailCount < 0) throw bad(OUT.alertEmailCount, 'not a count');
  const regions = list(read(OUT.auditedRegions));
  if (regions.length === 0 || !regions.every(isRegionName))
    throw bad(OUT.auditedRegions, 'not a list of region names');
  const accountsText = read(OUT.auditedAccounts);
  const accounts = accountsText === 'organization' ? 'organization' : list(accountsText);
  if (accounts !== 'organization' && (accounts.length === 0 || !accounts.every((a) => ACCOUNT_ID.test(a))))
    throw bad(OUT.auditedAccounts, 'neither organization nor a list of 12-digit account ids');
  const sinkWords = read(OUT.alertSinks) === NO_ALERT_SINKS ? [] : list(read(OUT.alertSinks));
  const known: readonly string[] = Object.values(ALERT_SINK);
  const unknownSink = sinkWords.find((word) => !known.includes(word));
  if (unknownSink !== undefined) throw bad(OUT.alertSinks, 'names a sink this version does not know');
  const eventBus = outputs.get(OUT.eventBus);
  const changes = changePath(outputs, bad);

  return {
    stackName,
    region,
    accountId: stackAccount(stack.StackId) ?? '',
    stackStatus: stack.StackStatus ?? 'UNKNOWN',
    alertsTopicArn: read(OUT.alertsTopicArn),
    stateTableName: read(OUT.stateTableName),
    stateMachineArn: read(OUT.stateMachineArn),
    functionName: read(OUT.functionName),
    deadLetterQueueUrl: read(OUT.deadLetterQueueUrl),
    schedule: {
      ruleName: read(OUT.scheduleRuleName),
      expression: read(OUT.auditSchedule),
      intervalSeconds,
    },
    alarmNames: list(read(OUT.alarmNames)),
    regions,
    accounts,
    memberRoleName: read(OUT.memberRoleName),
    sinks: {
      emailCount,
      slack: sinkWords.includes(ALERT_SINK.slack),
      securityHub: sinkWords.includes(ALERT_SINK.securityHub),
      ...(eventBus && sinkWords.includes(ALERT_SINK.eventBridge) ? { eventBus } : {}),
    },
    ...(changes ? { changes } : {}),
  };
}

async function describeStack(options: ReadDeploymentOptions): Promise<Stack> {
  const { stackName, region } = options;
  try {
    const answer = await options.clients.cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
      options.signal ? { abortSignal: options.signal } : {},
    );
    const stack = answer.Stacks?.[0];
    if (stack) return stack;
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError "Stack with id … does not exist".
    const message = error instanceof Error ? error.message : '';
    if (!(error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(message)))
      throw error;
  }
  throw new DeploymentError(`no stack ${stackName} in ${region}: ${NOT_OURS}`);
}

function outputMap(outputs: readonly Output[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const { OutputKey, OutputValue } of outputs)
    if (OutputKey && OutputValue !== undefined) map.set(OutputKey, OutputValue);
  return map;
}

function changePath(
  outputs: ReadonlyMap<string, string>,
  bad: (key: string, why: string) => DeploymentError,
): Deployment['changes'] {
  const ruleName = outputs.get(OUT.changeRuleName);
  const queueUrl = outputs.get(OUT.changeQueueUrl);
  const deadLetterQueueUrl = outputs.get(OUT.changeDeadLetterQueueUrl);
  if (ruleName === undefined && queueUrl === undefined) return undefined;
  if (!ruleName || !queueUrl || !deadLetterQueueUrl)
    throw bad(
      OUT.changeRuleName,
      'the change outputs are incomplete (rule, queue and dead-letter queue go together)',
    );
  return { ruleName, queueUrl, deadLetterQueueUrl };
}

const list = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** `arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID` → ACCOUNT. */
function stackAccount(stackId: string | undefined): string | undefined {
  const account = stackId?.split(':')[4];
  return account && ACCOUNT_ID.test(account) ? account : undefined;
}
