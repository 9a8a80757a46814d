/**
 * `ivschat-audit doctor`: is a deployed auditor healthy? Reads its stack's outputs, then checks the
 * schedule's runs, the alert subscriptions, the change path, every audited account × region, the
 * alarms and the optional sinks (`cli/doctor/`), read-only and within a call budget.
 */
import { isRegionName } from '../../core/arn.js';
import { AuditorError, ConfigError } from '../../core/errors.js';
import type { CliCommand, CommandContext } from '../command.js';
import { checkCredentials } from '../credentials.js';
import { DEFAULT_STACK_NAME, type Deployment, readDeployment } from '../deployment.js';
import { CallBudget, DoctorClients } from '../doctor/calls.js';
import { errorLine } from '../doctor/check.js';
import { renderDoctorJson, renderDoctorText } from '../doctor/render.js';
import { callBudgetFor, doctorExitCode, runDoctor } from '../doctor/run.js';
import type { SafeIo } from '../io.js';
import { CLI_CONNECTION } from '../live-flags.js';
import { option, ownOption } from '../options.js';

export const DOCTOR_FORMATS = ['text', 'json'] as const;

export interface DoctorFlags {
  stack: string;
  region?: string;
  format: (typeof DOCTOR_FORMATS)[number];
  endpoint?: string;
}

export function doctorCommand({ io }: CommandContext): CliCommand<DoctorFlags> {
  return {
    name: 'doctor',
    description:
      'check that a deployed auditor works: schedule, alert subscriptions, change path, targets, alarms, sinks',
    inputs: {
      stack: ownOption('--stack <name>', "the auditor's CloudFormation stack", {
        default: DEFAULT_STACK_NAME,
      }),
      region: ownOption('-r, --region <region>', "the stack's region (default $AWS_REGION)"),
      format: ownOption<DoctorFlags['format']>('-f, --format <format>', 'output format', {
        choices: DOCTOR_FORMATS,
        default: 'text',
      }),
      endpoint: option('endpoint'),
    },
    helpAfter:
      '\nRead-only: describe, list and get calls, and AssumeRole into member accounts (README: the IAM policy\n' +
      'doctor needs), within a budget of calls sized for the deployment. Each check says ok, WARN, FAIL,\n' +
      '?? (could not check) or - (not configured), with what it read and the command or console step\n' +
      'that fixes it.\n' +
      '\nExit codes: 0 healthy (warnings allowed), 1 a problem found, 2 bad usage,\n' +
      '3 a check could not be made (the report says what could not be reached).\n' +
      '\nExamples:\n' +
      '  $ ivschat-audit doctor --region us-east-1\n' +
      '  $ ivschat-audit doctor --stack IvsChatAuditor --region eu-west-1 --format json',
    run: (flags) => doctor(flags, io),
  };
}

export async function doctor(flags: DoctorFlags, io: SafeIo): Promise<number> {
  const region = flags.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? '';
  if (!region)
    throw new ConfigError(
      '--region',
      "no region given: pass the stack's region with --region or set AWS_REGION",
    );
  if (!isRegionName(region))
    throw new ConfigError('--region', `"${region}" is not a region name (e.g. us-east-1)`);
  if (!/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(flags.stack))
    throw new ConfigError('--stack', `"${flags.stack}" is not a CloudFormation stack name`);
  if (flags.endpoint && !URL.canParse(flags.endpoint))
    throw new ConfigError('--endpoint', `not a URL: "${flags.endpoint}" (e.g. http://127.0.0.1:4566)`);
  const connection = { ...CLI_CONNECTION, ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) };
  // The AWS convention: a service's own endpoint variable wins for that service (here the state table).
  const stateEndpoint = io.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (stateEndpoint && !URL.canParse(stateEndpoint))
    throw new ConfigError('AWS_ENDPOINT_URL_DYNAMODB', `not a URL: "${stateEndpoint}"`);
  await checkCredentials(connection);
  const signal = io.interrupt;
  // One budget for the whole run: the stack's outputs are read within it, then it grows to the deployment's size.
  // Room for DescribeStacks and its SDK retries (every attempt is a call spent).
  const budget = new CallBudget(connection.maxAttempts ?? 5);
  const clients = new DoctorClients(budget, connection);
  let deployment: Deployment;
  try {
    deployment = await readDeployment({
      stackName: flags.stack,
      region,
      clients: { cloudFormation: clients.get('cloudformation', region) },
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof AuditorError) throw error;
    // Not the stack's absence: CloudFormation could not be asked (credentials, network, permission).
    throw new AuditorError(
      `could not check: cannot read stack ${flags.stack} in ${region}: ${errorLine(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    clients.destroyAll();
  }
  budget.extend(callBudgetFor(deployment));
  const now = io.clock?.() ?? new Date();
  const report = await runDoctor({
    deployment,
    connection,
    now,
    budget,
    ...(stateEndpoint ? { stateEndpoint } : {}),
    ...(signal ? { signal } : {}),
  });
  io.stdout(flags.format === 'json' ? renderDoctorJson(report) : renderDoctorText(report));
  return doctorExitCode(report);
}
