/**
 * `npm run demo -- --selftest`: `ivschat-audit selftest` end to end against an emulated deployment,
 * offline. The emulator serves the auditor's stack (DescribeStacks outputs), IVS Chat and STS;
 * dynalite holds the state table; the change path runs as deployed (the emulator's CloudTrail event →
 * the local SQS queue → the real Lambda handler). The command is the CLI's own (runCli): it creates a
 * room that breaks a policy, waits until it is recorded and alerted, deletes it, waits until it is
 * resolved, and leaves no room behind.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { runCli } from '../lambda/cli/main.js';
import { createHandler } from '../lambda/handler.js';
import { STACK_OUTPUT } from '../lambda/settings/stack-outputs.js';
import { ChangeQueue } from '../local-aws/change-queue.js';
import { startLocalDynamo } from '../local-aws/dynamodb.js';
import { ACCOUNT_ID, type IvschatChangeEvent, startLocalAws } from '../local-aws/index.js';
import { heading, out, seconds, showAlerts, subheading } from './output.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REGION = 'us-east-1';
const STACK = 'IvsChatAuditor';
/** The change path's batching window, shortened for the demo (the stack's default is 20 s). */
const BATCH_WINDOW_MS = 1000;
const FUNCTION_ROLE = 'ivschat-auditor-function';

/** Runs the self-test demo; `closers` are run by demo/run.ts whatever happens. */
export async function selftestDemo(closers: (() => Promise<void>)[]): Promise<void> {
  const started = performance.now();
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  heading('ivschat-auditor demo: `ivschat-audit selftest` against an emulated deployment (offline)');

  let forward: ((event: IvschatChangeEvent) => void) | undefined;
  const aws = await startLocalAws({ onChangeEvent: (event) => forward?.(event) });
  closers.push(() => aws.close());
  const dynamo = await startLocalDynamo();
  closers.push(() => dynamo.close());
  const topicArn = aws.createTopic(REGION, 'ivschat-auditor-alerts');
  aws.seedDeployment({
    stacks: [{ name: STACK, region: REGION, outputs: stackOutputs(topicArn, dynamo.tableName) }],
  });

  const handler = createHandler({
    env: {
      AUDIT_REGIONS: REGION,
      ALERT_TOPIC_ARN: topicArn,
      API_BUDGET_TPS: '4',
      POLICIES_DIR: join(ROOT, 'policies'),
      POWERTOOLS_METRICS_DISABLED: 'true',
      STATE_TABLE_NAME: dynamo.tableName,
      FUNCTION_ROLE_NAME: FUNCTION_ROLE,
    },
    connection: { endpoint: aws.endpoint },
    dynamoClient: dynamo.client,
    logger: new Logger({ serviceName: 'ivschat-auditor', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'IvsChatAuditorDemo', serviceName: 'ivschat-auditor' }),
  });
  const queue = new ChangeQueue({ batchWindowMs: BATCH_WINDOW_MS, region: REGION, consumer: handler });
  closers.push(async () => {
    await queue.stop();
  });
  forward = (event) => queue.send(event);

  out(`Stack ${STACK} (${REGION})  DescribeStacks outputs served by the emulator at ${aws.endpoint}`);
  out(`State table          dynalite at ${dynamo.endpoint}, table ${dynamo.tableName}`);
  out(
    `Change path          emulator CloudTrail event -> local SQS queue (batching window ${seconds(BATCH_WINDOW_MS)} s here, ` +
      '20 s by default) -> the real Lambda handler (createHandler)',
  );
  out(`Rooms before         ${aws.rooms(REGION).length}`);

  const argv = [
    'selftest',
    '--stack',
    STACK,
    '--region',
    REGION,
    '--endpoint',
    aws.endpoint,
    '--yes',
    '--timeout',
    '120',
  ];
  subheading(`ivschat-audit selftest, as its user sees it (stderr and stdout in the order written)`);
  out(`$ AWS_ENDPOINT_URL_DYNAMODB=${dynamo.endpoint} ivschat-audit ${argv.join(' ')}`);
  // The CLI's own writes, as a terminal shows them: nothing added, nothing wrapped.
  const code = await runCli(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stdout.write(text),
    env: { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, NO_COLOR: '1' },
  });
  out(`exit code ${code}`);
  await queue.idle();

  const left = aws.rooms(REGION).length;
  showAlerts('selftest', aws.published());
  heading('Done');
  out(
    `selftest exit ${code}; rooms left: ${left}; alerts published: ${aws.published().length} ` +
      `(the room's findings, then their resolution); ${seconds(performance.now() - started)} s in all.`,
  );
  if (code !== 0 || left !== 0) throw new Error(`selftest exited ${code} and left ${left} room(s)`);
}

/** The outputs `cdk deploy` gives the auditor's stack in REGION, pointed at the emulated parts. */
export function stackOutputs(topicArn: string, tableName: string): Record<string, string> {
  const queue = (name: string) => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/${name}`;
  return {
    [STACK_OUTPUT.alertsTopicArn]: topicArn,
    [STACK_OUTPUT.stateTableName]: tableName,
    [STACK_OUTPUT.stateMachineArn]: `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:ivschat-auditor`,
    [STACK_OUTPUT.functionName]: 'ivschat-auditor',
    [STACK_OUTPUT.dashboardName]: 'ivschat-auditor',
    [STACK_OUTPUT.deadLetterQueueUrl]: queue('ivschat-auditor-dlq'),
    [STACK_OUTPUT.scheduleRuleName]: 'ivschat-auditor-schedule',
    [STACK_OUTPUT.auditSchedule]: 'rate(1 hour)',
    [STACK_OUTPUT.auditIntervalSeconds]: '3600',
    [STACK_OUTPUT.alarmNames]: 'ivschat-auditor-errors',
    [STACK_OUTPUT.auditedRegions]: REGION,
    [STACK_OUTPUT.auditedAccounts]: ACCOUNT_ID,
    [STACK_OUTPUT.memberRoleName]: 'ivschat-auditor-member',
    [STACK_OUTPUT.alertSinks]: 'email',
    [STACK_OUTPUT.alertEmailCount]: '1',
    [STACK_OUTPUT.changeRuleName]: 'ivschat-auditor-changes',
    [STACK_OUTPUT.changeQueueUrl]: queue('ivschat-auditor-changes'),
    [STACK_OUTPUT.changeDeadLetterQueueUrl]: queue('ivschat-auditor-changes-dlq'),
  };
}
