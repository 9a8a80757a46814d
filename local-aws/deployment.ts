/**
 * A deployed auditor's parts as `doctor` and `selftest` read them: CloudFormation stacks, CloudTrail
 * trails, SQS queues, CloudWatch alarms and metrics, Step Functions executions, EventBridge rules and
 * buses, SNS subscriptions and Security Hub hubs. This file holds those services together, the seed
 * that builds an emulated deployment in one call (in process or `POST /_local/deployment`), and the
 * routing of their read calls; each service is in its own file.
 */
import type { IncomingMessage } from 'node:http';
import type { Caller } from './accounts.js';
import { type CloudFormationService, cloudFormationError, type SeedStack } from './cloudformation.js';
import { CLOUDTRAIL_TARGET_PREFIXES, type SeedTrail } from './cloudtrail.js';
import { CLOUDWATCH_TARGET_PREFIX, type SeedAlarm, type SeedMetric } from './cloudwatch.js';
import type { Emulator } from './emulator.js';
import { EVENTS_TARGET_PREFIX } from './eventbridge.js';
import { EVENT_RULE_OPERATIONS, type SeedEventBus, type SeedRule } from './eventbridge-rules.js';
import { json, type LocalResponse, readBody } from './http.js';
import { type JsonVersion, jsonError } from './json-protocol.js';
import { securityHubError } from './securityhub.js';
import { type SeedExecution, SFN_TARGET_PREFIX } from './sfn-executions.js';
import { type SeedQueue, SQS_TARGET_PREFIX } from './sqs.js';

/** An SNS subscription to seed: the topic must exist (`createTopic`). */
export interface SeedSubscription {
  topicArn: string;
  protocol: string;
  endpoint: string;
  /** Default true; false leaves an email `PendingConfirmation`. */
  confirmed?: boolean;
}

/** Everything an emulated deployment holds besides rooms, accounts and topics; every part optional. */
export interface DeploymentSeed {
  stacks?: SeedStack[];
  trails?: SeedTrail[];
  queues?: SeedQueue[];
  alarms?: SeedAlarm[];
  metrics?: SeedMetric[];
  stateMachines?: string[];
  executions?: SeedExecution[];
  rules?: SeedRule[];
  eventBuses?: SeedEventBus[];
  subscriptions?: SeedSubscription[];
  /** Roles whose sessions may make only these deployment reads (e.g. the member role's policy). */
  roleActions?: { roleName: string; actions: string[] }[];
}

/** Seeds `seed` into the emulator; returns the ARNs of the subscriptions it made, in order. */
export function seedDeployment(emulator: Emulator, seed: DeploymentSeed): string[] {
  const d = emulator.deployment;
  d.cloudFormation.seed(seed.stacks ?? []);
  d.cloudTrail.seed(seed.trails ?? []);
  d.sqs.seed(seed.queues ?? []);
  d.cloudWatch.seedAlarms(seed.alarms ?? []);
  d.cloudWatch.seedMetrics(seed.metrics ?? []);
  d.stepFunctions.seedStateMachines(seed.stateMachines ?? []);
  d.stepFunctions.seedExecutions(seed.executions ?? []);
  d.eventRules.seedRules(seed.rules ?? []);
  d.eventRules.seedBuses(seed.eventBuses ?? []);
  for (const { roleName, actions } of seed.roleActions ?? []) d.roleActions.set(roleName, new Set(actions));
  return (seed.subscriptions ?? []).map((s) =>
    emulator.sns.seedSubscription(s.topicArn, s.protocol, s.endpoint, s.confirmed ?? true),
  );
}

export function clearDeployment(emulator: Emulator): void {
  const d = emulator.deployment;
  for (const service of [d.cloudFormation, d.cloudTrail, d.sqs, d.cloudWatch, d.stepFunctions, d.eventRules])
    service.clear();
  d.roleActions.clear();
}

/** The admin endpoint: `POST /_local/deployment` seeds (a DeploymentSeed), `DELETE` clears. */
export async function handleDeploymentAdmin(
  emulator: Emulator,
  req: IncomingMessage,
): Promise<LocalResponse> {
  if (req.method === 'DELETE') {
    clearDeployment(emulator);
    return json(200, { ok: true });
  }
  if (req.method !== 'POST') return json(405, { message: 'POST a deployment seed, or DELETE' });
  let seed: unknown;
  try {
    seed = JSON.parse(await readBody(req));
  } catch {
    return json(400, { message: 'the body is not JSON' });
  }
  if (!seed || typeof seed !== 'object' || Array.isArray(seed))
    return json(400, { message: 'the body must be a deployment seed object' });
  try {
    return json(200, { ok: true, subscriptions: seedDeployment(emulator, seed as DeploymentSeed) });
  } catch (error) {
    return json(400, { message: error instanceof Error ? error.message : String(error) });
  }
}

/** One AWS request as the router reads it. */
export interface ReadRequest {
  method: string;
  url: URL;
  region: string;
  service: string | undefined;
  caller: Caller;
  target: string;
  body: string;
  isForm: boolean;
}

/**
 * The answer when `request` is one of the deployment's read calls; undefined otherwise (the other
 * services' routes take it).
 */
export function routeDeploymentRead(
  emulator: Emulator,
  request: ReadRequest,
  log?: (line: string) => void,
): LocalResponse | undefined {
  const call = readCall(emulator, request);
  if (!call) return undefined;
  const { caller, region } = request;
  log?.(`${region} ${call.iamService} ${call.operation} as ${caller.accountId}`);
  const counters = emulator.countersOf(caller.accountId);
  for (const s of counters) s.call(region, call.operation);
  const action = `${call.iamService}:${call.operation}`;
  let response: LocalResponse;
  const roleName = caller.roleArn?.slice(caller.roleArn.lastIndexOf('/') + 1);
  const roleGrants = roleName === undefined ? undefined : emulator.deployment.roleActions.get(roleName);
  if (caller.sessionPolicy && !caller.sessionPolicy.allows(action)) {
    const message = `User: ${caller.arn} is not authorized to perform: ${action} because no session policy allows the ${action} action`;
    response = call.deny(message);
  } else if (roleGrants && !roleGrants.has(action)) {
    const message = `User: ${caller.arn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
    response = call.deny(message);
  } else {
    for (const s of counters) s.admitted(region, call.operation);
    response = call.serve();
  }
  if (response.status >= 400) for (const s of counters) s.error(region, call.operation);
  return response;
}

interface ReadCall {
  /** The IAM service prefix (`cloudtrail`, `states`, …): what a session policy names. */
  iamService: string;
  operation: string;
  serve(): LocalResponse;
  deny(message: string): LocalResponse;
}

const jsonDeny = (version: JsonVersion) => (message: string) =>
  jsonError(version, 400, 'AccessDeniedException', message);

function readCall(emulator: Emulator, request: ReadRequest): ReadCall | undefined {
  const { target, caller, region, body } = request;
  const accountId = caller.accountId;
  const d = emulator.deployment;
  const operationAfter = (prefix: string) =>
    target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
  const jsonCall = (
    iamService: string,
    operation: string | undefined,
    version: JsonVersion,
    service: { handle(operation: string, accountId: string, region: string, body: string): LocalResponse },
  ): ReadCall | undefined =>
    operation === undefined
      ? undefined
      : {
          iamService,
          operation,
          serve: () => service.handle(operation, accountId, region, body),
          deny: jsonDeny(version),
        };
  const trailOperation = CLOUDTRAIL_TARGET_PREFIXES.map(operationAfter).find((op) => op !== undefined);
  const eventsOperation = operationAfter(EVENTS_TARGET_PREFIX);
  return (
    jsonCall('cloudtrail', trailOperation, '1.1', d.cloudTrail) ??
    jsonCall('sqs', operationAfter(SQS_TARGET_PREFIX), '1.0', d.sqs) ??
    jsonCall('cloudwatch', operationAfter(CLOUDWATCH_TARGET_PREFIX), '1.0', d.cloudWatch) ??
    jsonCall('states', operationAfter(SFN_TARGET_PREFIX), '1.0', d.stepFunctions) ??
    jsonCall(
      'events',
      (EVENT_RULE_OPERATIONS as readonly string[]).includes(eventsOperation ?? '')
        ? eventsOperation
        : undefined,
      '1.1',
      d.eventRules,
    ) ??
    cloudFormationCall(d.cloudFormation, request) ??
    describeHubCall(emulator, request)
  );
}

/** CloudFormation is awsQuery: a form whose Action the SigV4 scope or the action itself places. */
function cloudFormationCall(service: CloudFormationService, request: ReadRequest): ReadCall | undefined {
  if (!request.isForm) return undefined;
  const params = new URLSearchParams(request.body);
  const action = params.get('Action') ?? '';
  if (request.service !== 'cloudformation' && action !== 'DescribeStacks') return undefined;
  return {
    iamService: 'cloudformation',
    operation: action || 'Unknown',
    serve: () => service.handle(request.caller.accountId, request.region, params),
    deny: (message) => cloudFormationError(403, 'AccessDenied', message),
  };
}

/**
 * Security Hub `DescribeHub` (REST-JSON: GET /accounts). Security Hub is enabled in every account
 * but those the `securityHubDisabledAccounts` fault names, as for BatchImportFindings.
 */
function describeHubCall(emulator: Emulator, request: ReadRequest): ReadCall | undefined {
  if (request.method !== 'GET' || request.url.pathname !== '/accounts') return undefined;
  const { accountId } = request.caller;
  const { region } = request;
  return {
    iamService: 'securityhub',
    operation: 'DescribeHub',
    serve: () =>
      emulator.faults.securityHubDisabled(accountId)
        ? securityHubError(
            401,
            'InvalidAccessException',
            `Account ${accountId} is not subscribed to AWS Security Hub`,
          )
        : json(200, {
            HubArn: `arn:aws:securityhub:${region}:${accountId}:hub/default`,
            SubscribedAt: '2026-01-01T00:00:00.000Z',
            AutoEnableControls: true,
            ControlFindingGenerator: 'SECURITY_CONTROL',
          }),
    deny: (message) => securityHubError(403, 'AccessDeniedException', message),
  };
}
