/**
 * `ivschat-audit selftest`: proves the deployed auditor's whole loop in the real account. It reads the
 * stack (`readDeployment`), asks before it changes anything, runs the loop of `../selftest.ts` (a
 * temporary room that breaks a policy: recorded and alerted, deleted, resolved) and reports the
 * measured latencies and what became of the room.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type AwsConnection,
  callerAccountId,
  cloudFormationClient,
  dynamodbClient,
  ivschatClient,
} from '../../aws/clients.js';
import { toAuditError } from '../../aws/inventory.js';
import { ConfigError } from '../../core/errors.js';
import type { Target } from '../../core/types.js';
import { SELFTEST_TAG_KEY } from '../../remediate/selftest-room.js';
import type { CliCommand, CommandContext } from '../command.js';
import { confirm, stdinIsTerminal } from '../confirm.js';
import { checkCredentials } from '../credentials.js';
import { DEFAULT_STACK_NAME, type Deployment, DeploymentError, readDeployment } from '../deployment.js';
import { EXIT } from '../exit-codes.js';
import { oneLine, type SafeIo } from '../io.js';
import { CLI_CONNECTION, checkRegionFlags } from '../live-flags.js';
import { option, ownOption } from '../options.js';
import { boundRun } from '../run-bound.js';
import { BROKEN_POLICY, NO_SINK, runSelftest, type SelftestResult } from '../selftest.js';
import { selftestAws } from '../selftest-aws.js';

export interface SelftestFlags {
  stack: string;
  region: string[];
  endpoint?: string;
  timeout: number;
  yes?: boolean;
}

/** Detection through the change path takes a minute or two (CloudTrail, the 20 s batch): 15 minutes covers both waits. */
export const SELFTEST_TIMEOUT_SECONDS = 900;

/** How often the state table is read while waiting: a Query of a few items, strongly consistent. */
const POLL_MS = 2000;
/** A progress line at least this often while nothing changes, so a log shows the run is alive. */
const HEARTBEAT_MS = 30_000;

export function selftestCommand({ io }: CommandContext): CliCommand<SelftestFlags> {
  return {
    name: 'selftest',
    description:
      'prove the deployed auditor end to end: a temporary room that breaks a policy is detected, alerted, deleted and resolved',
    inputs: {
      stack: ownOption('--stack <name>', "the auditor's CloudFormation stack", {
        default: DEFAULT_STACK_NAME,
      }),
      region: option('region', "the stack's region", { defaultDescription: '$AWS_REGION' }),
      endpoint: option(
        'endpoint',
        'AWS endpoint override, e.g. the local emulator http://127.0.0.1:4566 ($AWS_ENDPOINT_URL_DYNAMODB overrides it for the state table)',
      ),
      timeout: option('timeout', 'stop waiting after this long (the room is deleted either way)', {
        default: SELFTEST_TIMEOUT_SECONDS,
      }),
      yes: ownOption<boolean | undefined>(
        '-y, --yes',
        'do not ask before creating the room (required when stdin is not a terminal)',
      ),
    },
    helpAfter:
      '\nIn the account of your credentials: creates a room named ivschat-auditor-selftest-<id>, tagged\n' +
      `${SELFTEST_TAG_KEY}=<id>, with maximumMessageLength ${BROKEN_POLICY.maximumMessageLength} (it breaks ${BROKEN_POLICY.id}); waits until\n` +
      "the auditor's state table holds its finding, alerted; deletes the room; waits until the finding\n" +
      'is resolved. Whatever ends the run (a failure, --timeout, Ctrl-C) the room is deleted, or the\n' +
      'command that deletes it is printed. Remediation never touches a room with that tag.\n' +
      '\nExit codes: 0 passed, 1 not detected or not resolved within --timeout, 2 usage or not confirmed,\n' +
      '3 could not run (a call failed, interrupted).\n' +
      '\nExamples:\n' +
      '  $ AWS_REGION=us-east-1 ivschat-audit selftest\n' +
      '  $ ivschat-audit selftest --stack IvsChatAuditor --region eu-west-1 --timeout 600 --yes',
    run: (flags) => selftest(flags, io),
  };
}

async function selftest(flags: SelftestFlags, io: SafeIo): Promise<number> {
  const stdin = io.stdin ?? process.stdin;
  if (!flags.yes && !stdinIsTerminal(stdin)) {
    io.stderr(
      'error: --yes: selftest creates and deletes a room in your account, and stdin is not a terminal to ask on: pass --yes to run it unattended\n',
    );
    return EXIT.usage;
  }
  const region = checkedRegion(flags, io.env);
  const connection: AwsConnection = {
    ...CLI_CONNECTION,
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
  };
  const tableEndpoint = io.env.AWS_ENDPOINT_URL_DYNAMODB ?? flags.endpoint;
  if (tableEndpoint && !URL.canParse(tableEndpoint)) {
    throw new ConfigError('AWS_ENDPOINT_URL_DYNAMODB', `not a URL: "${tableEndpoint}"`);
  }
  await checkCredentials(connection);

  const found = await locate(flags, region, connection, io);
  if (typeof found === 'number') return found;
  const { deployment, target } = found;
  io.stderr(
    `selftest of stack ${deployment.stackName} (${region}): account ${target.accountId}, room in ${target.region}, ` +
      `state table ${deployment.stateTableName}\n`,
  );
  if (!deployment.changes) {
    io.stderr(
      `note: this deployment has no change path (changeEvents=false): the room is found by the next scheduled run, ` +
        `up to ${deployment.schedule.intervalSeconds} s away; --timeout ${flags.timeout} s ${flags.timeout > 2 * deployment.schedule.intervalSeconds ? 'covers it' : 'may not cover it'}\n`,
    );
  }
  const id = randomBytes(4).toString('hex');
  if (!flags.yes) {
    const question =
      `Create room ivschat-auditor-selftest-${id} in account ${target.accountId} (${target.region}), ` +
      'wait for the auditor to alert on it, then delete it? [y/N] ';
    if (!(await confirm(question, { stdin, write: io.stderr }, io.interrupt))) {
      if (io.interrupt?.aborted) {
        io.stderr('\nerror: interrupted while asked: nothing was created\n');
        return EXIT.incomplete;
      }
      io.stderr('not confirmed: nothing was created\n');
      return EXIT.usage;
    }
  }

  const ivschat = ivschatClient(target.region, connection);
  // One attempt for CreateRoom: selftest-aws looks the room up by its name when that attempt fails.
  const createClient = ivschatClient(target.region, { ...connection, maxAttempts: 1 });
  const dynamo = dynamodbClient(deployment.region, {
    ...connection,
    ...(tableEndpoint ? { endpoint: tableEndpoint } : {}),
  });
  const bound = boundRun(flags.timeout, io.interrupt);
  try {
    const result = await runSelftest({
      api: selftestAws({ ivschat, createClient, dynamo, tableName: deployment.stateTableName, target }),
      id,
      region: target.region,
      signal: bound.signal,
      pollMs: POLL_MS,
      heartbeatMs: HEARTBEAT_MS,
      clock: () => performance.now(),
      sleep: (ms, signal) => delay(ms, undefined, { signal }),
      progress: (line) => io.stderr(`${line}\n`),
      alertSinks: hasAlertSink(deployment),
    });
    return report(result, io, deployment);
  } finally {
    bound.dispose();
    ivschat.destroy();
    createClient.destroy();
    dynamo.destroy();
  }
}

/** The stack's region, once every flag naming where to go (--region, --stack, --endpoint) is checked. */
function checkedRegion(flags: SelftestFlags, env: NodeJS.ProcessEnv): string {
  if (flags.region.length > 1) throw new ConfigError('--region', 'give one: the region of the stack');
  const region = flags.region[0] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '';
  if (!region)
    throw new ConfigError('--region', "no region given: pass the stack's --region or set AWS_REGION");
  checkRegionFlags([region]);
  // CloudFormation's own rule for a stack name, as doctor checks it.
  if (!/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(flags.stack)) {
    throw new ConfigError('--stack', `"${flags.stack}" is not a CloudFormation stack name`);
  }
  if (flags.endpoint && !URL.canParse(flags.endpoint)) {
    throw new ConfigError('--endpoint', `not a URL: "${flags.endpoint}" (e.g. http://127.0.0.1:4566)`);
  }
  return region;
}

/**
 * The deployment and where the room goes: the account of the credentials, which the auditor must
 * audit, and the stack's region when the auditor audits it (else its first audited region).
 * Answers an exit code instead when the stack or the account will not do.
 */
async function locate(
  flags: SelftestFlags,
  region: string,
  connection: AwsConnection,
  io: SafeIo,
): Promise<{ deployment: Deployment; target: Target } | number> {
  const bound = boundRun(flags.timeout, io.interrupt);
  const cloudFormation = cloudFormationClient(region, connection);
  try {
    const deployment = await readDeployment({
      stackName: flags.stack,
      region,
      clients: { cloudFormation },
      signal: bound.signal,
    });
    const accountId = await callerAccountId(region, connection, bound.signal);
    const audited = deployment.accounts === 'organization' || deployment.accounts.includes(accountId);
    if (!audited) {
      io.stderr(
        `error: your credentials are for account ${accountId}, which stack ${deployment.stackName} does not audit ` +
          `(${(deployment.accounts as readonly string[]).join(', ')}): run selftest with credentials of an audited account\n`,
      );
      return EXIT.usage;
    }
    const roomRegion = deployment.regions.includes(region) ? region : (deployment.regions[0] as string);
    return { deployment, target: { accountId, region: roomRegion } };
  } catch (error) {
    // No stack, or not the auditor's: "could not check", exit 3, as doctor says it (README).
    if (error instanceof DeploymentError) {
      io.stderr(`error: ${oneLine(error.message)}\n`);
      return EXIT.incomplete;
    }
    // Nothing was created yet: a call that failed, the time limit or Ctrl-C ends it here, said in one line.
    const e = toAuditError(region, 'reading the deployment', error, bound.signal);
    io.stderr(
      `error: could not read stack ${flags.stack} in ${region}: ${oneLine(`${e.code}: ${e.message}`)}\n`,
    );
    return EXIT.incomplete;
  } finally {
    bound.dispose();
    cloudFormation.destroy();
  }
}

/** The verdict on stdout, what became of the room on stderr when it was not deleted; the exit code. */
function report(result: SelftestResult, io: SafeIo, deployment: Deployment): number {
  const room = result.room?.name ?? 'the self-test room';
  const fate = result.fate;
  if (fate.state === 'deleted') io.stderr(`cleanup: room ${room} deleted; the self-test left no room\n`);
  if (fate.state === 'never-created') io.stderr('cleanup: no room was created\n');
  if (fate.state === 'unknown') {
    io.stderr(
      `error: cleanup: a room named ${fate.name} may exist (CreateRoom's outcome is unknown); look with:\n`,
    );
    io.stderr(`  ${fate.command}\n  and delete it with aws ivschat delete-room --identifier <its arn>\n`);
  }
  if (fate.state === 'left') {
    io.stderr(
      `error: cleanup: room ${room} could not be deleted (${oneLine(fate.error)}); delete it with:\n`,
    );
    io.stderr(`  ${fate.command}\n`);
  }
  if (result.outcome === 'passed') {
    // The state table is read every POLL_MS: a latency is known to within that, not better.
    const precision = `polled every ${POLL_MS / 1000} s`;
    const told = hasAlertSink(deployment) ? 'recorded and alerted' : `recorded; ${NO_SINK}`;
    io.stdout(
      `selftest passed: detected within ${seconds(result.detectedAfterMs)} s of CreateRoom (${precision}; finding ${told}), ` +
        `resolved within ${seconds(result.resolvedAfterMs)} s of DeleteRoom (${result.policies.join(', ')})\n`,
    );
    return EXIT.clean;
  }
  io.stdout(`selftest ${result.outcome}: ${oneLine(result.reason ?? '')}\n`);
  if (result.outcome === 'not-detected' || result.outcome === 'not-resolved') {
    const path = deployment.changes
      ? `the change path (rule ${deployment.changes.ruleName}, queue ${deployment.changes.queueUrl}) and the trail`
      : `the schedule (rule ${deployment.schedule.ruleName})`;
    io.stdout(
      `  check ${path} with: ivschat-audit doctor --stack ${deployment.stackName} --region ${deployment.region}\n`,
    );
    return EXIT.findings;
  }
  return EXIT.incomplete;
}

/** Whether any sink takes the alerts: with none, a finding is recorded and nobody is told. */
function hasAlertSink(deployment: Deployment): boolean {
  const { emailCount, slack, securityHub, eventBus } = deployment.sinks;
  return emailCount > 0 || slack || securityHub || eventBus !== undefined;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '?' : (ms / 1000).toFixed(1);
}
