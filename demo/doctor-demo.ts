/**
 * `npm run demo -- --doctor`: `ivschat-audit doctor` on an emulated deployment. The emulator is given
 * what a deployed auditor has (its stack's outputs, the schedule's executions, a topic with a
 * confirmed email and the Slack channel, trails, queues, alarms, member roles in the local
 * organization), doctor reports it healthy; then three faults are injected (no trail in one region,
 * an email left unconfirmed, a member role that cannot be assumed) and doctor names each with its fix.
 * dynalite holds the state table, with the auditor's stored outcome of its last run of each target.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { MEMBER_DOCTOR_READS } from '../lambda/aws/targets.js';
import { runCli } from '../lambda/cli/main.js';
import { STACK_OUTPUT as OUT } from '../lambda/settings/stack-outputs.js';
import { healthKey } from '../lambda/state/keys.js';
import { TargetHealth } from '../lambda/state/run-store.js';
import { type LocalDynamo, startLocalDynamo } from '../local-aws/dynamodb.js';
import { ACCOUNT_ID, type DeploymentSeed, type LocalAws, startLocalAws } from '../local-aws/index.js';
import { heading, out } from './output.js';

export const DOCTOR_STACK = 'IvsChatAuditor';
/** The auditor's account and region: the stack, topic, queues and alarms are here. */
export const HOME = 'us-east-1';
export const DOCTOR_REGIONS = ['us-east-1', 'eu-west-1'];
export const PROD = '111111111111';
export const STAGE = '222222222222';
/** The demo's clock: executions and metrics are placed relative to it, so every run prints the same. */
export const DOCTOR_NOW = new Date('2026-06-01T12:00:00Z');
const INTERVAL_SECONDS = 3600;

export interface DemoDeploymentOptions {
  /** Findings to Security Hub in every target (adds one check per account × region). */
  securityHub?: boolean;
  /** The bus finding events go to. */
  eventBus?: string;
}

/**
 * What the member role (lib/member-stack.ts) grants of the reads doctor makes besides IVS Chat, with
 * change events on: the demo's member sessions get exactly these, so its output shows only what a
 * real member role lets doctor see (test/cdk/member-stack.test.ts derives them from the template).
 */
export function demoMemberRoleReads(options: DemoDeploymentOptions): string[] {
  return [
    MEMBER_DOCTOR_READS.forwardingRule,
    ...(options.securityHub ? [MEMBER_DOCTOR_READS.securityHub] : []),
  ];
}

/** What `seedDemoDeployment` made that a fault needs to find again. */
export interface DemoDeployment {
  /** The on-call address's subscription: the fault makes it pending again. */
  oncallSubscriptionArn: string;
}

const minutesBefore = (minutes: number) => new Date(DOCTOR_NOW.getTime() - minutes * 60_000).toISOString();
const queueUrl = (aws: LocalAws, name: string) => `${aws.endpoint}/${ACCOUNT_ID}/${name}`;

/** Seeds a healthy deployed auditor: organization-wide, two regions, change events on. */
export function seedDemoDeployment(aws: LocalAws, options: DemoDeploymentOptions = {}): DemoDeployment {
  aws.addAccounts([
    { id: PROD, name: 'prod' },
    { id: STAGE, name: 'stage' },
  ]);
  const topicArn = aws.createTopic(HOME, 'ivschat-auditor-alerts');
  const stateMachineArn = `arn:aws:states:${HOME}:${ACCOUNT_ID}:stateMachine:AuditEngine`;
  const alarmNames = [
    'Errors',
    'MissedAudit',
    'DeadLetter',
    'TargetFailure',
    'ExecutionsFailed',
    'ChangeQueueAge',
    'ChangeDeadLetter',
  ].map((name) => `${DOCTOR_STACK}-${name}Alarm`);
  const bus = `arn:aws:events:${HOME}:${ACCOUNT_ID}:event-bus/default`;
  const sinks = [
    'email',
    'slack',
    ...(options.securityHub ? ['securityhub'] : []),
    ...(options.eventBus ? ['eventbridge'] : []),
  ];
  const outputs: Record<string, string> = {
    [OUT.alertsTopicArn]: topicArn,
    [OUT.stateTableName]: `${DOCTOR_STACK}-State`,
    [OUT.stateMachineArn]: stateMachineArn,
    [OUT.functionName]: `${DOCTOR_STACK}-Function`,
    [OUT.dashboardName]: `${DOCTOR_STACK}-Dashboard`,
    [OUT.deadLetterQueueUrl]: queueUrl(aws, 'auditor-dlq'),
    [OUT.scheduleRuleName]: `${DOCTOR_STACK}-Schedule`,
    [OUT.auditSchedule]: 'rate(1 hour)',
    [OUT.auditIntervalSeconds]: String(INTERVAL_SECONDS),
    [OUT.alarmNames]: alarmNames.join(','),
    [OUT.auditedRegions]: DOCTOR_REGIONS.join(','),
    [OUT.auditedAccounts]: 'organization',
    [OUT.memberRoleName]: 'ivschat-auditor-member',
    [OUT.alertSinks]: sinks.join(','),
    [OUT.alertEmailCount]: '2',
    ...(options.eventBus ? { [OUT.eventBus]: options.eventBus } : {}),
    [OUT.changeRuleName]: `${DOCTOR_STACK}-ChangeRule`,
    [OUT.changeQueueUrl]: queueUrl(aws, 'changes'),
    [OUT.changeDeadLetterQueueUrl]: queueUrl(aws, 'changes-dlq'),
  };
  const members = [ACCOUNT_ID, PROD, STAGE];
  const seed: DeploymentSeed = {
    stacks: [{ name: DOCTOR_STACK, region: HOME, status: 'UPDATE_COMPLETE', outputs }],
    roleActions: [{ roleName: 'ivschat-auditor-member', actions: demoMemberRoleReads(options) }],
    executions: [2, 1, 0].map((hoursAgo) => ({
      stateMachineArn,
      name: `scheduled-${hoursAgo}`,
      status: 'SUCCEEDED' as const,
      startDate: minutesBefore(hoursAgo * 60 + 25),
      stopDate: minutesBefore(hoursAgo * 60 + 21),
    })),
    subscriptions: [
      { topicArn, protocol: 'email', endpoint: 'secops@example.com' },
      { topicArn, protocol: 'email', endpoint: 'oncall@example.com' },
      { topicArn, protocol: 'https', endpoint: 'https://global.sns-api.chatbot.amazonaws.com' },
    ],
    // One trail per region, each homed there: the fault deletes one.
    trails: DOCTOR_REGIONS.map((region) => ({
      name: `audit-trail-${region}`,
      homeRegion: region,
      organization: true,
    })),
    queues: ['auditor-dlq', 'changes', 'changes-dlq'].map((name) => ({ name, region: HOME })),
    metrics: [
      {
        region: HOME,
        namespace: 'AWS/SQS',
        metricName: 'ApproximateAgeOfOldestMessage',
        dimensions: { QueueName: 'changes' },
        points: [8, 3].map((m) => ({ time: minutesBefore(m), value: 2 })),
      },
    ],
    alarms: alarmNames.map((name) => ({ name, region: HOME })),
    rules: [
      {
        name: `${DOCTOR_STACK}-Schedule`,
        region: HOME,
        scheduleExpression: 'rate(1 hour)',
        targets: [stateMachineArn],
      },
      { name: `${DOCTOR_STACK}-ChangeRule`, region: HOME, eventPattern: '{"source":["aws.ivschat"]}' },
      // The member stacks' forwarding rules: everywhere but the auditor's own bus.
      ...members.flatMap((accountId) =>
        DOCTOR_REGIONS.filter((region) => accountId !== ACCOUNT_ID || region !== HOME).map((region) => ({
          name: 'IvsChatAuditorMember-ForwardChanges',
          region,
          accountId,
          eventPattern: '{"source":["aws.ivschat"]}',
          targets: [bus],
        })),
      ),
    ],
  };
  const [, oncall] = aws.seedDeployment(seed);
  return { oncallSubscriptionArn: oncall as string };
}

/** The state table of each emulated deployment: `runDoctorCli` points doctor at it. */
const stateTables = new WeakMap<LocalAws, LocalDynamo>();

/** The latest scheduled run (`scheduled-0`, 21 min before DOCTOR_NOW) as the auditor stored it per target. */
const LAST_RUN = { id: 'scheduled-0', at: new Date(DOCTOR_NOW.getTime() - 21 * 60_000) };

/**
 * Starts the deployment's state table (dynalite) and stores the auditor's last run of every target as
 * a success, as the scheduled runs of a healthy deployment leave it. Close the result when done.
 */
export async function seedDemoState(aws: LocalAws): Promise<LocalDynamo> {
  const dynamo = await startLocalDynamo({ tableName: `${DOCTOR_STACK}-State` });
  stateTables.set(aws, dynamo);
  const health = new TargetHealth(dynamo.client, dynamo.tableName);
  for (const accountId of [ACCOUNT_ID, PROD, STAGE])
    for (const region of DOCTOR_REGIONS)
      await health.record({ accountId, region }, { ok: true }, LAST_RUN.id, LAST_RUN.at);
  return dynamo;
}

/**
 * The three faults: no trail in eu-west-1, the on-call email unconfirmed, stage's member role
 * denied — to doctor and, as when the member stack is missing, to the auditor's last run too.
 */
export async function injectDoctorFaults(aws: LocalAws, deployment: DemoDeployment): Promise<void> {
  aws.deployment().cloudTrail.remove(ACCOUNT_ID, 'eu-west-1');
  aws.confirmSubscription(deployment.oncallSubscriptionArn, false);
  aws.setFaults({ ...aws.faults(), assumeRoleDeniedAccounts: [STAGE] });
  const dynamo = stateTables.get(aws);
  if (!dynamo) return;
  const role = `arn:aws:iam::${STAGE}:role/ivschat-auditor-member`;
  // The same last run, now failed there: written whole (TargetHealth records a run only once).
  for (const region of DOCTOR_REGIONS) {
    const key = healthKey({ accountId: STAGE, region });
    await dynamo.client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: {
          pk: { S: key.pk },
          sk: { S: key.sk },
          consecutiveFailures: { N: '1' },
          lastError: { S: `AccessDenied: not authorized to perform sts:AssumeRole on ${role}` },
          lastRunId: { S: LAST_RUN.id },
          lastRunAt: { S: LAST_RUN.at.toISOString() },
        },
      }),
    );
  }
}

/** Runs `ivschat-audit doctor` in-process against the emulator: its exit code and what it printed. */
export async function runDoctorCli(
  aws: LocalAws,
  ...extra: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const printed = { stdout: '', stderr: '' };
  const code = await runCli(
    ['doctor', '--stack', DOCTOR_STACK, '--region', HOME, '--endpoint', aws.endpoint, ...extra],
    {
      env: {
        NO_COLOR: '1',
        ...(stateTables.has(aws) ? { AWS_ENDPOINT_URL_DYNAMODB: stateTables.get(aws)?.endpoint } : {}),
      },
      clock: () => DOCTOR_NOW,
      stdout: (t) => {
        printed.stdout += t;
      },
      stderr: (t) => {
        printed.stderr += t;
      },
    },
  );
  return { code, ...printed };
}

export async function doctorDemo(closers: (() => Promise<void>)[]): Promise<void> {
  heading('ivschat-audit doctor on an emulated deployment (offline): healthy, then with three faults');
  const aws = await startLocalAws();
  closers.push(() => aws.close());
  const deployment = seedDemoDeployment(aws, { eventBus: 'default' });
  const state = await seedDemoState(aws);
  closers.push(() => state.close());
  out(`$ ivschat-audit doctor --stack ${DOCTOR_STACK} --region ${HOME}`);
  const healthy = await runDoctorCli(aws);
  out(healthy.stdout.trimEnd());
  out(`(exit ${healthy.code})`);

  heading(
    'Faults injected: no trail in eu-west-1, oncall@example.com unconfirmed, the stage account denies AssumeRole',
  );
  await injectDoctorFaults(aws, deployment);
  out(`$ ivschat-audit doctor --stack ${DOCTOR_STACK} --region ${HOME}`);
  const faulty = await runDoctorCli(aws);
  out(faulty.stdout.trimEnd());
  if (faulty.stderr) out(faulty.stderr.trimEnd());
  out(`(exit ${faulty.code})`);
}
