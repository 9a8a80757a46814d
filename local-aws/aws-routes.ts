/**
 * AWS requests: which service a request is for (by `X-Amz-Target`, the `Action` form field, the path,
 * or the SigV4 credential scope), and each service's dispatch through `serveCall`. The signing access
 * key id says which account a request acts as.
 */
import type { IncomingMessage } from 'node:http';
import type { Caller } from './accounts.js';
import { routeDeploymentRead } from './deployment.js';
import type { Emulator } from './emulator.js';
import { EVENTS_TARGET_PREFIX } from './eventbridge.js';
import type { FaultService } from './faults.js';
import { type LocalResponse, parseSigV4Scope, readBody, requestId } from './http.js';
import { routeIvschat } from './ivschat.js';
import { changeEvent, type IvschatChangeEvent, isIvschatWrite } from './ivschat-events.js';
import { bareId, unknownOperation } from './ivschat-shapes.js';
import { ORGANIZATIONS_TARGET_PREFIX, organizationsError } from './organizations.js';
import { securityHubError } from './securityhub.js';
import { serveCall } from './serve-call.js';

/** What the server passes on from its options. */
export interface AwsHooks {
  log?: (line: string) => void;
  onChangeEvent?: (event: IvschatChangeEvent) => void;
}

/** One AWS request, read: who calls, where, and what it sent. */
interface AwsRequest {
  req: IncomingMessage;
  url: URL;
  method: string;
  scope: ReturnType<typeof parseSigV4Scope>;
  caller: Caller;
  body: string;
  target: string;
}

export async function handleAws(
  emulator: Emulator,
  hooks: AwsHooks,
  req: IncomingMessage,
  url: URL,
): Promise<LocalResponse> {
  const scope = parseSigV4Scope(req.headers.authorization);
  const request: AwsRequest = {
    req,
    url,
    method: req.method ?? 'GET',
    scope,
    caller: emulator.accounts.caller(scope.accessKeyId),
    body: await readBody(req),
    target: String(req.headers['x-amz-target'] ?? ''),
  };
  if (emulator.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, emulator.latencyMs));

  const { target } = request;
  const isForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  // The deployment's read calls (CloudFormation, CloudTrail, SQS, CloudWatch, Step Functions, EventBridge
  // rules and buses, Security Hub DescribeHub) before the services that share their protocols.
  const read = routeDeploymentRead(
    emulator,
    { ...request, url, region: scope.region, service: scope.service, isForm },
    hooks.log,
  );
  if (read) return read;
  if (scope.service === 'organizations' || target.startsWith(ORGANIZATIONS_TARGET_PREFIX)) {
    return organizations(emulator, hooks, request);
  }
  // Every JSON 1.1 service is routed here, before the unknown-target answer below.
  if (target.startsWith(EVENTS_TARGET_PREFIX)) return events(emulator, hooks, request);
  if (target !== '') {
    return organizationsError(
      400,
      'UnknownOperationException',
      `No service here answers X-Amz-Target ${target}`,
    );
  }
  if (scope.service !== 'ivschat' && (isForm || scope.service === 'sns' || scope.service === 'sts')) {
    return awsQuery(emulator, hooks, request);
  }
  if (scope.service === 'securityhub' || url.pathname === '/findings/import') {
    return securityHub(emulator, hooks, request);
  }
  return ivschat(emulator, hooks, request);
}

/** Organizations (JSON 1.1). */
function organizations(emulator: Emulator, hooks: AwsHooks, { scope, caller, body, target }: AwsRequest) {
  const operation = target.startsWith(ORGANIZATIONS_TARGET_PREFIX)
    ? target.slice(ORGANIZATIONS_TARGET_PREFIX.length)
    : undefined;
  hooks.log?.(`${scope.region} organizations ${operation ?? 'Unknown'} as ${caller.accountId}`);
  return serveCall(
    emulator,
    { service: 'organizations', caller, region: scope.region, operation: operation ?? 'Unknown' },
    () => emulator.organizations.handle(operation, body, caller),
  );
}

/** EventBridge (JSON 1.1). */
function events(emulator: Emulator, hooks: AwsHooks, { scope, caller, body, target }: AwsRequest) {
  const operation = target.slice(EVENTS_TARGET_PREFIX.length);
  hooks.log?.(`${scope.region} events ${operation} as ${caller.accountId}`);
  return serveCall(emulator, { service: 'events', caller, region: scope.region, operation }, () =>
    emulator.eventBridge.handle({
      operation,
      accountId: caller.accountId,
      region: scope.region,
      body,
      failEntry: () => emulator.faults.failEntry(),
    }),
  );
}

/** SNS and STS (awsQuery: a form with `Action`). */
function awsQuery(emulator: Emulator, hooks: AwsHooks, { scope, caller, body }: AwsRequest) {
  const params = new URLSearchParams(body);
  const action = params.get('Action') ?? 'Unknown';
  const service: FaultService =
    scope.service === 'sts' || action === 'GetCallerIdentity' || action === 'AssumeRole' ? 'sts' : 'sns';
  hooks.log?.(`${scope.region} ${service} ${action} as ${caller.accountId}`);
  return serveCall(emulator, { service, caller, region: scope.region, operation: action }, () =>
    service === 'sts' ? emulator.sts.handle(params, caller) : emulator.sns.handle(scope.region, params),
  );
}

/** Security Hub (REST-JSON): BatchImportFindings only. */
function securityHub(emulator: Emulator, hooks: AwsHooks, { method, url, scope, caller, body }: AwsRequest) {
  if (method !== 'POST' || url.pathname !== '/findings/import') {
    return securityHubError(
      404,
      'ResourceNotFoundException',
      `No Security Hub operation at ${method} ${url.pathname}`,
    );
  }
  hooks.log?.(`${scope.region} securityhub BatchImportFindings as ${caller.accountId}`);
  const call = {
    service: 'securityhub',
    caller,
    region: scope.region,
    operation: 'BatchImportFindings',
  } as const;
  return serveCall(emulator, call, () =>
    emulator.securityHub.handle({
      accountId: caller.accountId,
      region: scope.region,
      body,
      disabled: emulator.faults.securityHubDisabled(caller.accountId),
      failEntry: () => emulator.faults.failFinding(),
    }),
  );
}

/** IVS Chat (REST-JSON), and the CloudTrail event of each write call. */
function ivschat(emulator: Emulator, hooks: AwsHooks, request: AwsRequest): LocalResponse {
  const { method, url, scope, caller, body } = request;
  const route = routeIvschat(method, url.pathname);
  if (!route) return unknownOperation(method, url.pathname);
  const { operation } = route;
  hooks.log?.(`${scope.region} ivschat ${operation} as ${caller.accountId}`);
  const call = {
    service: 'ivschat',
    caller,
    region: scope.region,
    operation,
    resourceId: throttledResourceId(route.resourceArn, body) ?? caller.accountId,
  } as const;
  const response = serveCall(emulator, call, () =>
    emulator.ivschat.handle({
      ...route,
      accountId: caller.accountId,
      region: scope.region,
      body,
      query: url.searchParams,
    }),
  );
  if (!hooks.onChangeEvent || !isIvschatWrite(operation)) return response;
  // The answer and the CloudTrail record share a request id, as on AWS.
  const id = requestId();
  try {
    hooks.onChangeEvent(
      changeEvent({
        operation,
        caller,
        accessKeyId: scope.accessKeyId,
        region: scope.region,
        body,
        query: url.searchParams,
        sourceIp: request.req.socket.remoteAddress,
        userAgent: request.req.headers['user-agent'],
        response,
        requestId: id,
        at: new Date(),
        resourceArn: route.resourceArn,
      }),
    );
  } catch (err) {
    hooks.log?.(`onChangeEvent failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { ...response, headers: { ...response.headers, 'x-amzn-requestid': id } };
}

/**
 * ThrottlingException requires a resourceId: the bare id of the room or configuration the request
 * names, when it names one (ListRooms and Create* name none; the caller's account stands in).
 */
function throttledResourceId(resourceArn: string | undefined, body: string): string | undefined {
  let identifier: unknown = resourceArn;
  if (identifier === undefined) {
    try {
      identifier = (JSON.parse(body) as { identifier?: unknown } | null)?.identifier;
    } catch {
      return undefined;
    }
  }
  if (typeof identifier !== 'string') return undefined;
  const id = bareId(identifier);
  return /^[a-zA-Z0-9]+$/.test(id) ? id : undefined;
}
