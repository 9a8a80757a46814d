/**
 * The admin endpoints under /_local/ (see local-aws/README.md): read and reset what the emulator
 * holds and counted, seed resources, and change its faults, quotas and latency while it runs.
 */
import type { IncomingMessage } from 'node:http';
import type { AccountSeed } from './accounts.js';
import type { Emulator } from './emulator.js';
import type { FaultOptions } from './faults.js';
import { json, type LocalResponse, readBody } from './http.js';
import type { SeedRoom } from './ivschat.js';
import type { SeedLoggingConfiguration } from './ivschat-logging.js';
import type { QuotaOptions } from './quota.js';
import type { SeedData } from './seed.js';

/** One admin request: its `region` and `accountId` query parameters, and its body read as JSON on demand. */
interface AdminRequest {
  url: URL;
  region: string | undefined;
  accountId: string | undefined;
  readJson(): Promise<unknown>;
}

type Endpoint = (emulator: Emulator, request: AdminRequest) => LocalResponse | Promise<LocalResponse>;

const ok = () => json(200, { ok: true });

/** Each endpoint under the `METHOD path` keys it answers (several where either verb is accepted). */
const ENDPOINTS: [keys: string[], endpoint: Endpoint][] = [
  [['GET /_local/health'], () => ok()],
  [['GET /_local/stats'], (emulator, { accountId }) => json(200, emulator.stats(accountId))],
  [
    ['POST /_local/stats/reset', 'DELETE /_local/stats'],
    (emulator) => {
      emulator.resetStats();
      return ok();
    },
  ],
  [
    ['GET /_local/sns/published'],
    (emulator, { url, region }) => {
      const topicArn = url.searchParams.get('topicArn');
      return json(
        200,
        emulator.sns.published(region).filter((m) => !topicArn || m.topicArn === topicArn),
      );
    },
  ],
  [
    ['DELETE /_local/sns/published'],
    (emulator) => {
      emulator.sns.clearPublished();
      return ok();
    },
  ],
  [
    ['GET /_local/securityhub/findings'],
    (emulator, { region, accountId }) => json(200, emulator.securityHub.list(region, accountId)),
  ],
  [
    ['DELETE /_local/securityhub/findings'],
    (emulator) => {
      emulator.securityHub.clear();
      return ok();
    },
  ],
  [
    ['GET /_local/events'],
    (emulator, { region, accountId }) => json(200, emulator.eventBridge.list(region, accountId)),
  ],
  [
    ['DELETE /_local/events'],
    (emulator) => {
      emulator.eventBridge.clear();
      return ok();
    },
  ],
  [['GET /_local/sns/topics'], (emulator, { region }) => json(200, emulator.sns.listTopics(region))],
  [
    ['GET /_local/sns/subscriptions'],
    (emulator, { region }) => json(200, emulator.sns.subscriptions(region)),
  ],
  [
    ['GET /_local/rooms'],
    (emulator, { region, accountId }) => json(200, emulator.ivschat.rooms(region, accountId)),
  ],
  [['POST /_local/rooms'], seedRooms],
  [
    ['DELETE /_local/rooms'],
    (emulator, { region, accountId }) => {
      emulator.ivschat.clear(region, accountId);
      return ok();
    },
  ],
  [
    ['GET /_local/logging-configurations'],
    (emulator, { region, accountId }) => json(200, emulator.ivschat.logging.list(region, accountId)),
  ],
  [['POST /_local/logging-configurations'], seedLoggingConfigurations],
  [
    ['DELETE /_local/logging-configurations'],
    (emulator, { region, accountId }) => {
      emulator.ivschat.logging.clear(region, accountId);
      return ok();
    },
  ],
  [['GET /_local/accounts'], (emulator) => json(200, emulator.accounts.list())],
  [['POST /_local/accounts', 'PUT /_local/accounts'], addAccounts],
  [['GET /_local/faults'], (emulator) => json(200, emulator.faults.current)],
  [
    ['PUT /_local/faults', 'POST /_local/faults'],
    async (emulator, { readJson }) => {
      emulator.faults.set((await readJson()) as FaultOptions);
      return json(200, emulator.faults.current);
    },
  ],
  [['GET /_local/quotas'], (emulator) => json(200, emulator.quotas.current)],
  [
    ['PUT /_local/quotas', 'POST /_local/quotas'],
    async (emulator, { readJson }) => {
      emulator.quotas.configure((await readJson()) as QuotaOptions);
      return json(200, emulator.quotas.current);
    },
  ],
  [['PUT /_local/latency', 'POST /_local/latency'], setLatency],
];

const BY_KEY = new Map(ENDPOINTS.flatMap(([keys, endpoint]) => keys.map((key) => [key, endpoint] as const)));

export async function handleAdmin(
  emulator: Emulator,
  req: IncomingMessage,
  url: URL,
): Promise<LocalResponse> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  const endpoint = BY_KEY.get(`${method} ${path}`);
  if (!endpoint) return json(404, { message: `unknown admin endpoint ${method} ${path}` });
  return endpoint(emulator, {
    url,
    region: url.searchParams.get('region') ?? undefined,
    accountId: url.searchParams.get('accountId') ?? undefined,
    readJson: async () => {
      const text = await readBody(req);
      return text.trim() === '' ? {} : JSON.parse(text);
    },
  });
}

async function seedRooms(
  emulator: Emulator,
  { region, accountId, readJson }: AdminRequest,
): Promise<LocalResponse> {
  const body = await readJson();
  const rooms = Array.isArray(body) ? body : (body as { rooms?: unknown }).rooms;
  if (!Array.isArray(rooms))
    return json(400, { message: 'expected an array of rooms or { "rooms": [...] }' });
  const seeds = (rooms as SeedRoom[]).map((r) => (accountId && !r.accountId ? { ...r, accountId } : r));
  return json(200, emulator.seedRooms(region, seeds));
}

async function seedLoggingConfigurations(
  emulator: Emulator,
  { region, accountId, readJson }: AdminRequest,
): Promise<LocalResponse> {
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
    return json(200, emulator.seedLoggingConfigurations(region, seeds));
  } catch (err) {
    return json(400, { message: err instanceof Error ? err.message : String(err) });
  }
}

async function addAccounts(emulator: Emulator, { readJson }: AdminRequest): Promise<LocalResponse> {
  const body = await readJson();
  if (!Array.isArray(body))
    return json(400, { message: 'expected an array of account ids or { "id": ... } objects' });
  try {
    return json(200, emulator.accounts.add(body as (string | AccountSeed)[]));
  } catch (err) {
    return json(400, { message: err instanceof Error ? err.message : String(err) });
  }
}

async function setLatency(emulator: Emulator, { readJson }: AdminRequest): Promise<LocalResponse> {
  const { ms } = (await readJson()) as { ms?: unknown };
  if (typeof ms !== 'number' || ms < 0) return json(400, { message: 'expected { "ms": <number ≥ 0> }' });
  emulator.latencyMs = ms;
  return json(200, { ms });
}
