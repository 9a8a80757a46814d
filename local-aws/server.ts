/**
 * The local AWS emulator: one HTTP server speaking IVS Chat and Security Hub (REST-JSON), SNS and STS
 * (awsQuery), Organizations and EventBridge (JSON 1.1), routed by path / `Action` form field / `X-Amz-Target` / the SigV4
 * credential scope (region + service). The signing access key id says which account a request acts as.
 * Admin endpoints under /_local/ (see local-aws/README.md).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RoomDocument } from '../lambda/core/types.js';
import { type AccountInfo, type AccountSeed, Accounts, type Caller } from './accounts.js';
import { EVENTS_TARGET_PREFIX, EventBridgeService, eventsError, type PutEvent } from './eventbridge.js';
import { type FaultOptions, type FaultService, Faults } from './faults.js';
import { json, type LocalResponse, parseSigV4Scope, readBody, requestId, send } from './http.js';
import { IvschatService, routeIvschat, type SeedRoom } from './ivschat.js';
import { changeEvent, type IvschatChangeEvent, isIvschatWrite } from './ivschat-events.js';
import type { LoggingConfigurationDocument, SeedLoggingConfiguration } from './ivschat-logging.js';
import { bareId, ivschatError, throttlingError, unknownOperation } from './ivschat-shapes.js';
import { listen } from './listen.js';
import { ORGANIZATIONS_TARGET_PREFIX, OrganizationsService, organizationsError } from './organizations.js';
import { type QuotaConfig, QuotaManager, type QuotaOptions, resolveQuotaConfig } from './quota.js';
import { type ImportedFinding, SecurityHubService, securityHubError } from './securityhub.js';
import { type PublishedMessage, SnsService, type Subscription, snsError, type Topic } from './sns.js';
import { Stats, type StatsSnapshot } from './stats.js';
import { StsService, stsError } from './sts.js';

export interface LocalAwsOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Rooms (and logging configurations) to start with, or the path of a JSON file holding them
   * (an array of rooms, or `{ "rooms": [...], "loggingConfigurations": [...] }`).
   */
  seed?: SeedRoom[] | SeedData | string;
  /**
   * Accounts besides the default 000000000000 (which is always there, as the management account).
   * The accounts of seeded rooms are added too.
   */
  accounts?: (string | AccountSeed)[];
  quotas?: QuotaOptions;
  /** Added before every AWS request is processed. Default 0. */
  latencyMs?: number;
  faults?: FaultOptions;
  /** Called with one line per AWS request (CLI --verbose). */
  log?: (line: string) => void;
  /**
   * Called, before the answer is sent, with the CloudTrail event (as EventBridge delivers it) of
   * every IVS Chat write call: CreateRoom, UpdateRoom, DeleteRoom, TagResource, UntagResource and the
   * logging-configuration writes; a failed call's event carries `errorCode` and `errorMessage`.
   * An exception it throws is logged and does not affect the call.
   */
  onChangeEvent?: (event: IvschatChangeEvent) => void;
}

export interface LocalAws {
  /** e.g. http://127.0.0.1:45678 — pass as `endpoint` to the SDK clients. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
  /**
   * Adds rooms directly (no HTTP, no quotas, no validation). `region` applies to rooms without their
   * own; a room's `accountId` (default 000000000000) becomes a known account.
   */
  seedRooms(region: string | undefined, rooms: SeedRoom[]): RoomDocument[];
  /** Current rooms (of one region and/or account, or all), GetRoom shape plus where they live, newest first. */
  rooms(region?: string, accountId?: string): (RoomDocument & { region: string; accountId: string })[];
  /** The accounts Organizations ListAccounts lists (and AssumeRole may enter), sorted by id. */
  accounts(): AccountInfo[];
  /** Adds accounts, or changes the name, email or status of known ones. */
  addAccounts(accounts: (string | AccountSeed)[]): AccountInfo[];
  /** Deletes a room behind the API's back. */
  removeRoom(arn: string): boolean;
  /** Deletes every room, or only those of one region and/or account. */
  clearRooms(region?: string, accountId?: string): void;
  /**
   * Adds logging configurations directly, in any state (CREATE_FAILED, DELETING, ...); a seed with
   * the id of an existing one replaces it. No HTTP, no quotas; the seeds themselves are checked.
   */
  seedLoggingConfigurations(
    region: string | undefined,
    configs: SeedLoggingConfiguration[],
  ): LoggingConfigurationDocument[];
  /** Current logging configurations (of one region and/or account, or all), sorted by ARN. */
  loggingConfigurations(
    region?: string,
    accountId?: string,
  ): (LoggingConfigurationDocument & { region: string; accountId: string })[];
  /** Deletes a logging configuration behind the API's back (rooms keep naming it). */
  removeLoggingConfiguration(arn: string): boolean;
  clearLoggingConfigurations(region?: string, accountId?: string): void;
  /** Findings Security Hub imported (optionally of one region and/or account), latest version of each. */
  securityHubFindings(region?: string, accountId?: string): ImportedFinding[];
  clearSecurityHubFindings(): void;
  /** Events EventBridge accepted (optionally of one region and/or account), oldest first. */
  events(region?: string, accountId?: string): PutEvent[];
  clearEvents(): void;
  /** Everything published to SNS (optionally of one region), oldest first. */
  published(region?: string): PublishedMessage[];
  clearPublished(): void;
  topics(region?: string): Topic[];
  subscriptions(region?: string): Subscription[];
  /** Creates an SNS topic directly; returns its ARN. */
  createTopic(region: string, name: string): string;
  /** Counters by region over all accounts, or of one account. */
  stats(accountId?: string): StatsSnapshot;
  resetStats(): void;
  /** Replaces all fault settings ({} = no faults). */
  setFaults(faults: FaultOptions): void;
  faults(): FaultOptions;
  /** Merges into the current quota settings and refills all buckets. */
  setQuotas(quotas: QuotaOptions): void;
  quotas(): QuotaConfig;
  setLatency(ms: number): void;
}

type Service = FaultService;

/** What a seed file holds. */
export interface SeedData {
  rooms?: SeedRoom[];
  loggingConfigurations?: SeedLoggingConfiguration[];
}

function seedData(parsed: unknown, where: string): Required<SeedData> {
  if (Array.isArray(parsed)) return { rooms: parsed as SeedRoom[], loggingConfigurations: [] };
  const data = parsed as SeedData | null;
  const rooms = data?.rooms ?? [];
  const loggingConfigurations = data?.loggingConfigurations ?? [];
  if (!data || typeof data !== 'object' || !Array.isArray(rooms) || !Array.isArray(loggingConfigurations)) {
    throw new Error(
      `${where}: expected a JSON array of rooms or { "rooms": [...], "loggingConfigurations": [...] }`,
    );
  }
  return { rooms, loggingConfigurations };
}

/** A seed file's rooms and logging configurations. */
export async function loadSeed(path: string): Promise<Required<SeedData>> {
  return seedData(JSON.parse(await readFile(path, 'utf8')), path);
}

/** A seed file's rooms. */
export async function loadSeedFile(path: string): Promise<SeedRoom[]> {
  return (await loadSeed(path)).rooms;
}

function throttled(service: Service, limit: number | undefined, resourceId: string): LocalResponse {
  if (service === 'ivschat') {
    // Limit is an integer in the model; a scaled fractional rate is rounded for the answer only.
    return throttlingError(Math.max(1, Math.round(limit ?? 1)), resourceId);
  }
  if (service === 'sns') return snsError(429, 'Throttled', 'Rate exceeded');
  if (service === 'organizations')
    return organizationsError(400, 'TooManyRequestsException', 'Rate exceeded');
  if (service === 'securityhub') return securityHubError(429, 'LimitExceededException', 'Rate exceeded');
  if (service === 'events') return eventsError(400, 'ThrottlingException', 'Rate exceeded');
  return stsError(400, 'Throttling', 'Rate exceeded');
}

/** What each service answers a call its caller's policies do not allow. */
function accessDenied(service: Service, caller: Caller, operation: string): LocalResponse {
  const message = `User: ${caller.arn} is not authorized to perform: ${service}:${operation} because no session policy allows the ${service}:${operation} action`;
  if (service === 'ivschat') return ivschatError(403, 'AccessDeniedException', { message });
  if (service === 'sns') return snsError(403, 'AuthorizationError', message);
  if (service === 'organizations') return organizationsError(400, 'AccessDeniedException', message);
  if (service === 'securityhub') return securityHubError(403, 'AccessDeniedException', message);
  if (service === 'events') return eventsError(400, 'AccessDeniedException', message);
  return stsError(403, 'AccessDenied', message);
}

function serverError(service: Service): LocalResponse {
  const message = 'Internal server error (injected by local-aws)';
  if (service === 'ivschat') return ivschatError(500, 'InternalServerException', { message });
  if (service === 'sns') return snsError(500, 'InternalError', message, 'Receiver');
  if (service === 'organizations') return organizationsError(500, 'ServiceException', message);
  if (service === 'securityhub') return securityHubError(500, 'InternalException', message);
  if (service === 'events') return eventsError(500, 'InternalException', message);
  return stsError(500, 'InternalFailure', message);
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

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const faults = new Faults(options.faults ?? {});
  const quotas = new QuotaManager(resolveQuotaConfig(options.quotas));
  const stats = new Stats();
  const accountStats = new Map<string, Stats>();
  const accounts = new Accounts(options.accounts ?? []);
  const ivschat = new IvschatService(faults);
  const sns = new SnsService();
  const sts = new StsService(accounts, faults);
  const organizations = new OrganizationsService(accounts);
  const securityHub = new SecurityHubService();
  const eventBridge = new EventBridgeService();
  let latencyMs = options.latencyMs ?? 0;
  const log = options.log;

  /** Seeded resources' accounts become known accounts (ListAccounts, AssumeRole). */
  function addAccountsOf(arns: string[]): void {
    const ids = new Set(arns.map((arn) => arn.split(':')[4] as string));
    accounts.add([...ids].filter((id) => !accounts.get(id)));
  }

  function seedRooms(region: string | undefined, rooms: SeedRoom[]): RoomDocument[] {
    const docs = ivschat.seed(region, rooms);
    addAccountsOf(docs.map((d) => d.arn));
    return docs;
  }

  function seedLoggingConfigurations(
    region: string | undefined,
    configs: SeedLoggingConfiguration[],
  ): LoggingConfigurationDocument[] {
    const docs = ivschat.logging.seed(region, configs);
    addAccountsOf(docs.map((d) => d.arn));
    return docs;
  }

  if (options.seed !== undefined) {
    const data =
      typeof options.seed === 'string' ? await loadSeed(options.seed) : seedData(options.seed, 'seed');
    seedLoggingConfigurations(undefined, data.loggingConfigurations);
    seedRooms(undefined, data.rooms);
  }

  function statsOf(accountId: string): Stats {
    let s = accountStats.get(accountId);
    if (!s) {
      s = new Stats();
      accountStats.set(accountId, s);
    }
    return s;
  }

  /** Access denied → quota → injected 5xx → the service itself; counting all along (in total and per account). */
  function pipeline(
    service: Service,
    caller: Caller,
    region: string,
    operation: string,
    run: () => LocalResponse,
    resourceId: string = caller.accountId,
  ): LocalResponse {
    const counters = [stats, statsOf(caller.accountId)];
    const count = (f: (s: Stats) => void) => {
      for (const s of counters) f(s);
    };
    count((s) => s.call(region, operation));
    // GetCallerIdentity needs no permission, in AWS as here.
    const identity = service === 'sts' && operation === 'GetCallerIdentity';
    if (caller.sessionPolicy && !identity && !caller.sessionPolicy.allows(`${service}:${operation}`)) {
      count((s) => s.error(region, operation));
      return accessDenied(service, caller, operation);
    }
    if (service === 'ivschat' && faults.accessDenied(region, caller.accountId, operation)) {
      count((s) => s.error(region, operation));
      return ivschatError(403, 'AccessDeniedException', {
        message: `User: ${caller.arn} is not authorized to perform: ivschat:${operation} (local-aws fault: access denied for ${caller.accountId} in ${region})`,
      });
    }
    if (!quotas.admit(caller.accountId, region, operation)) {
      count((s) => s.throttled(region, operation));
      return throttled(service, quotas.rateFor(operation), resourceId);
    }
    count((s) => s.admitted(region, operation));
    if (faults.serverError(service, operation)) {
      count((s) => s.error(region, operation));
      return serverError(service);
    }
    const response = run();
    if (response.status >= 400) count((s) => s.error(region, operation));
    return response;
  }

  async function handleAws(req: IncomingMessage, url: URL): Promise<LocalResponse> {
    const method = req.method ?? 'GET';
    const scope = parseSigV4Scope(req.headers.authorization);
    const caller = accounts.caller(scope.accessKeyId);
    const body = await readBody(req);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));

    const target = String(req.headers['x-amz-target'] ?? '');
    if (scope.service === 'organizations' || target.startsWith(ORGANIZATIONS_TARGET_PREFIX)) {
      const operation = target.startsWith(ORGANIZATIONS_TARGET_PREFIX)
        ? target.slice(ORGANIZATIONS_TARGET_PREFIX.length)
        : undefined;
      log?.(`${scope.region} organizations ${operation ?? 'Unknown'} as ${caller.accountId}`);
      return pipeline('organizations', caller, scope.region, operation ?? 'Unknown', () =>
        organizations.handle(operation, body, caller),
      );
    }
    // Every JSON 1.1 service is routed here, before the unknown-target answer below.
    if (target.startsWith(EVENTS_TARGET_PREFIX)) {
      const operation = target.slice(EVENTS_TARGET_PREFIX.length);
      log?.(`${scope.region} events ${operation} as ${caller.accountId}`);
      return pipeline('events', caller, scope.region, operation, () =>
        eventBridge.handle({
          operation,
          accountId: caller.accountId,
          region: scope.region,
          body,
          failEntry: () => faults.failEntry(),
        }),
      );
    }
    if (target !== '') {
      return organizationsError(
        400,
        'UnknownOperationException',
        `No service here answers X-Amz-Target ${target}`,
      );
    }

    const isForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (scope.service !== 'ivschat' && (isForm || scope.service === 'sns' || scope.service === 'sts')) {
      const params = new URLSearchParams(body);
      const action = params.get('Action') ?? 'Unknown';
      const service: Service =
        scope.service === 'sts' || action === 'GetCallerIdentity' || action === 'AssumeRole' ? 'sts' : 'sns';
      log?.(`${scope.region} ${service} ${action} as ${caller.accountId}`);
      return pipeline(service, caller, scope.region, action, () =>
        service === 'sts' ? sts.handle(params, caller) : sns.handle(scope.region, params),
      );
    }

    if (scope.service === 'securityhub' || url.pathname === '/findings/import') {
      if (method !== 'POST' || url.pathname !== '/findings/import') {
        return securityHubError(
          404,
          'ResourceNotFoundException',
          `No Security Hub operation at ${method} ${url.pathname}`,
        );
      }
      log?.(`${scope.region} securityhub BatchImportFindings as ${caller.accountId}`);
      return pipeline('securityhub', caller, scope.region, 'BatchImportFindings', () =>
        securityHub.handle({
          accountId: caller.accountId,
          region: scope.region,
          body,
          disabled: faults.securityHubDisabled(caller.accountId),
          failEntry: () => faults.failFinding(),
        }),
      );
    }

    const route = routeIvschat(method, url.pathname);
    if (!route) return unknownOperation(method, url.pathname);
    log?.(`${scope.region} ivschat ${route.operation} as ${caller.accountId}`);
    const response = pipeline(
      'ivschat',
      caller,
      scope.region,
      route.operation,
      () =>
        ivschat.handle({
          ...route,
          accountId: caller.accountId,
          region: scope.region,
          body,
          query: url.searchParams,
        }),
      throttledResourceId(route.resourceArn, body) ?? caller.accountId,
    );
    const { operation } = route;
    if (!options.onChangeEvent || !isIvschatWrite(operation)) return response;
    // The answer and the CloudTrail record share a request id, as on AWS.
    const id = requestId();
    try {
      options.onChangeEvent(
        changeEvent({
          operation,
          caller,
          accessKeyId: scope.accessKeyId,
          region: scope.region,
          body,
          query: url.searchParams,
          sourceIp: req.socket.remoteAddress,
          userAgent: req.headers['user-agent'],
          response,
          requestId: id,
          at: new Date(),
          resourceArn: route.resourceArn,
        }),
      );
    } catch (err) {
      log?.(`onChangeEvent failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { ...response, headers: { ...response.headers, 'x-amzn-requestid': id } };
  }

  async function handleAdmin(req: IncomingMessage, url: URL): Promise<LocalResponse> {
    const method = req.method ?? 'GET';
    const region = url.searchParams.get('region') ?? undefined;
    const accountId = url.searchParams.get('accountId') ?? undefined;
    const path = url.pathname.replace(/\/+$/, '');
    const readJson = async (): Promise<unknown> => {
      const text = await readBody(req);
      return text.trim() === '' ? {} : JSON.parse(text);
    };
    switch (`${method} ${path}`) {
      case 'GET /_local/health':
        return json(200, { ok: true });
      case 'GET /_local/stats':
        return json(200, accountId ? (accountStats.get(accountId)?.snapshot() ?? {}) : stats.snapshot());
      case 'POST /_local/stats/reset':
      case 'DELETE /_local/stats':
        stats.reset();
        accountStats.clear();
        return json(200, { ok: true });
      case 'GET /_local/sns/published': {
        const topicArn = url.searchParams.get('topicArn');
        return json(
          200,
          sns.published(region).filter((m) => !topicArn || m.topicArn === topicArn),
        );
      }
      case 'DELETE /_local/sns/published':
        sns.clearPublished();
        return json(200, { ok: true });
      case 'GET /_local/securityhub/findings':
        return json(200, securityHub.list(region, accountId));
      case 'DELETE /_local/securityhub/findings':
        securityHub.clear();
        return json(200, { ok: true });
      case 'GET /_local/events':
        return json(200, eventBridge.list(region, accountId));
      case 'DELETE /_local/events':
        eventBridge.clear();
        return json(200, { ok: true });
      case 'GET /_local/sns/topics':
        return json(200, sns.listTopics(region));
      case 'GET /_local/sns/subscriptions':
        return json(200, sns.subscriptions(region));
      case 'GET /_local/rooms':
        return json(200, ivschat.rooms(region, accountId));
      case 'POST /_local/rooms': {
        const body = await readJson();
        const rooms = Array.isArray(body) ? body : (body as { rooms?: unknown }).rooms;
        if (!Array.isArray(rooms))
          return json(400, { message: 'expected an array of rooms or { "rooms": [...] }' });
        const seeds = (rooms as SeedRoom[]).map((r) => (accountId && !r.accountId ? { ...r, accountId } : r));
        return json(200, seedRooms(region, seeds));
      }
      case 'DELETE /_local/rooms':
        ivschat.clear(region, accountId);
        return json(200, { ok: true });
      case 'GET /_local/logging-configurations':
        return json(200, ivschat.logging.list(region, accountId));
      case 'POST /_local/logging-configurations': {
        const body = await readJson();
        const configs = Array.isArray(body) ? body : (body as SeedData).loggingConfigurations;
        if (!Array.isArray(configs)) {
          return json(400, {
            message: 'expected an array of logging configurations or { "loggingConfigurations": [...] }',
          });
        }
        const seeds = (configs as SeedLoggingConfiguration[]).map((c) =>
          accountId && !c.accountId ? { ...c, accountId } : c,
        );
        try {
          return json(200, seedLoggingConfigurations(region, seeds));
        } catch (err) {
          return json(400, { message: err instanceof Error ? err.message : String(err) });
        }
      }
      case 'DELETE /_local/logging-configurations':
        ivschat.logging.clear(region, accountId);
        return json(200, { ok: true });
      case 'GET /_local/accounts':
        return json(200, accounts.list());
      case 'POST /_local/accounts':
      case 'PUT /_local/accounts': {
        const body = await readJson();
        if (!Array.isArray(body))
          return json(400, { message: 'expected an array of account ids or { "id": ... } objects' });
        try {
          return json(200, accounts.add(body as (string | AccountSeed)[]));
        } catch (err) {
          return json(400, { message: err instanceof Error ? err.message : String(err) });
        }
      }
      case 'GET /_local/faults':
        return json(200, faults.current);
      case 'PUT /_local/faults':
      case 'POST /_local/faults':
        faults.set((await readJson()) as FaultOptions);
        return json(200, faults.current);
      case 'GET /_local/quotas':
        return json(200, quotas.current);
      case 'PUT /_local/quotas':
      case 'POST /_local/quotas':
        quotas.configure((await readJson()) as QuotaOptions);
        return json(200, quotas.current);
      case 'PUT /_local/latency':
      case 'POST /_local/latency': {
        const { ms } = (await readJson()) as { ms?: unknown };
        if (typeof ms !== 'number' || ms < 0)
          return json(400, { message: 'expected { "ms": <number ≥ 0> }' });
        latencyMs = ms;
        return json(200, { ms });
      }
      default:
        return json(404, { message: `unknown admin endpoint ${method} ${path}` });
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://local-aws');
      const response = url.pathname.startsWith('/_local/')
        ? await handleAdmin(req, url)
        : await handleAws(req, url);
      send(res, response);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log?.(`internal error: ${message}`);
      if (!res.headersSent) send(res, json(500, { message: `local-aws internal error: ${message}` }));
      else res.destroy();
    }
  }

  const server = createServer((req, res) => {
    void onRequest(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  return {
    endpoint: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    seedRooms,
    rooms: (region, accountId) => ivschat.rooms(region, accountId),
    accounts: () => accounts.list(),
    addAccounts: (seeds) => accounts.add(seeds),
    removeRoom: (arn) => ivschat.removeRoom(arn),
    clearRooms: (region, accountId) => ivschat.clear(region, accountId),
    seedLoggingConfigurations,
    loggingConfigurations: (region, accountId) => ivschat.logging.list(region, accountId),
    removeLoggingConfiguration: (arn) => ivschat.logging.remove(arn),
    clearLoggingConfigurations: (region, accountId) => ivschat.logging.clear(region, accountId),
    securityHubFindings: (region, accountId) => securityHub.list(region, accountId),
    clearSecurityHubFindings: () => securityHub.clear(),
    events: (region, accountId) => eventBridge.list(region, accountId),
    clearEvents: () => eventBridge.clear(),
    published: (region) => sns.published(region),
    clearPublished: () => sns.clearPublished(),
    topics: (region) => sns.listTopics(region),
    subscriptions: (region) => sns.subscriptions(region),
    createTopic: (region, name) => sns.createTopicDirect(region, name),
    stats: (accountId) => (accountId ? (accountStats.get(accountId)?.snapshot() ?? {}) : stats.snapshot()),
    resetStats: () => {
      stats.reset();
      accountStats.clear();
    },
    setFaults: (f) => faults.set(f),
    faults: () => faults.current,
    setQuotas: (q) => quotas.configure(q),
    quotas: () => quotas.current,
    setLatency: (ms) => {
      latencyMs = ms;
    },
  };
}
