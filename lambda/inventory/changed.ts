/**
 * The change path's inventory source: only the rooms a batch of change events names, for one target.
 * Every named room gets one GetRoom, whatever the event said (DeleteRoom included): the events are
 * hints, and only GetRoom's ResourceNotFoundException makes a room deleted (its findings resolve as
 * "room deleted"), exactly as in the scheduled inventory (`getRooms`). A written logging
 * configuration brings in the rooms that reference it (ListRooms filtered by it, their GetRoom-only
 * fields from the room cache when the room has not changed since). At most `maxRooms` rooms are
 * fetched, and no more than the invocation's time allows at the API budget: the rest is left to the
 * target's next full audit.
 */
import { type IvschatClient, paginateListRooms } from '@aws-sdk/client-ivschat';
import { Evaluator } from '../audit/evaluate.js';
import { buildReport } from '../audit/report.js';
import { type AwsConnection, ivschatClient } from '../aws/clients.js';
import { getRooms, toAuditError } from '../aws/inventory.js';
import { listLoggingConfigurations } from '../aws/logging-configurations.js';
import { limiterIntervalMs, withApiBudget } from '../aws/rate-limit.js';
import { toRoomDocument } from '../aws/room-document.js';
import { emptyInventory } from '../core/empty-inventory.js';
import { type CachedRoom, cachedRoom, planFetches } from '../core/room-cache.js';
import {
  type AuditError,
  FULL_AUDIT_DUE,
  type RegionInventory,
  type RoomDocument,
  type Target,
} from '../core/types.js';
import { policiesReadIacDrift } from '../iac/drift-policy.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { policiesNeedGetRoom, policiesNeedJoin } from '../policy/fields.js';
import type { RouteTable } from '../policy/routes.js';
import type { RoomCacheStore } from '../state/room-cache-store.js';
import { leaveDriftToSchedule } from './iac-drift.js';
import { evaluateRooms } from './room-evaluation.js';
import type { Identity, InventorySource } from './source.js';

/** The changes of one target (account × region) in a batch, coalesced. */
export interface TargetChanges extends Target {
  /**
   * Rooms written (deleted ones too), in first-seen order: one GetRoom each however many events;
   * GetRoom alone tells a deleted room (ResourceNotFoundException) from a live one.
   */
  rooms: string[];
  /** Logging configurations written: the rooms referencing them are checked again. */
  loggingConfigurations: string[];
  /** The SQS messages that carried these changes (retried together when the target fails). */
  messageIds: string[];
  /** Events coalesced into this target. */
  events: number;
}

export interface ChangedRoomsOptions {
  changes: TargetChanges;
  policies: readonly CompiledPolicy[];
  /** The routes file, when there is one: findings carry their alert routes. */
  routes?: RouteTable | undefined;
  /** The target's credentials (its member role, or the function's own for its own account). */
  connection: AwsConnection;
  /** The per-target API budget the scheduled audit uses; undefined = none. */
  apiBudgetTps?: number;
  /** Rooms fetched at most (`changeMaxRooms`). */
  maxRooms: number;
  /**
   * The time (ms) left for starting IVS Chat calls (the invocation's remaining time less its margin);
   * undefined = no deadline. Rooms it cannot fetch are left to the full audit, as in a storm.
   */
  timeLeftMs?: () => number;
  roomCache: RoomCacheStore;
  /** How old a cached document may be and still stand in for GetRoom. */
  fullRefreshHours: number;
  clock: () => Date;
}

/** What the source did, read by the batch after the audit. */
export interface ChangedRoomsStats {
  /** Changed rooms left to the full audit (storm): 0 when every one was audited. */
  leftOver: number;
  /** Rooms written (deleted ones included) or referencing a written configuration, before the cap. */
  rooms: number;
  /**
   * A call the changed rooms' verdict depends on failed (GetRoom other than room-not-found, the
   * logging configuration's ListRooms, ListLoggingConfigurations): the first such error.
   */
  failed?: AuditError;
}

/** Parallel GetRoom calls in flight; the API budget sets the rate. */
const CONCURRENCY = 4;

export function changedRooms(options: ChangedRoomsOptions): InventorySource & { stats: ChangedRoomsStats } {
  const { changes } = options;
  const stats: ChangedRoomsStats = { leftOver: 0, rooms: 0 };
  return {
    stats,
    // The account is the event's (recipientAccountId), and the credentials are that account's.
    identify: async (): Promise<Identity> => ({ accountId: changes.accountId }),
    async audit({ startedAt }) {
      const { accountId, region } = changes;
      const client = ivschatClient(region, options.connection);
      if (options.apiBudgetTps) withApiBudget(client, options.apiBudgetTps);
      const inventory: RegionInventory = { ...emptyInventory(accountId, region), fetched: [] };
      try {
        const { docs, upserts, timedOut } = await fetchChangedRooms(
          options,
          client,
          inventory,
          stats,
          startedAt,
        );
        await evaluateChangedRooms(options, client, inventory, docs, startedAt);
        if (stats.leftOver > 0) {
          inventory.errors.push(leftToFullAudit(options, stats, timedOut));
          inventory.complete = false;
        }
        stats.failed = inventory.errors.find((e) => NEEDED.has(e.operation));
        await options.roomCache.saveRooms(accountId, region, upserts, inventory.deleted);
      } finally {
        client.destroy();
      }
      const report = buildReport({
        startedAt,
        finishedAt: options.clock().toISOString(),
        inventories: [inventory],
        policies: options.policies,
      });
      return { report, inventories: [inventory] };
    },
  };
}

/**
 * The documents of the changed rooms, within the cap and the time left: the cache's where current,
 * else GetRoom's. Rooms beyond either are `notReached`, counted in `stats.leftOver`.
 */
async function fetchChangedRooms(
  options: ChangedRoomsOptions,
  client: IvschatClient,
  inventory: RegionInventory,
  stats: ChangedRoomsStats,
  startedAt: string,
): Promise<{ docs: RoomDocument[]; upserts: CachedRoom[]; timedOut: number }> {
  const { changes } = options;
  // Rooms named by the events go first: a storm's cap keeps the rooms someone wrote to.
  const wanted = new Map<string, RoomDocument | undefined>();
  for (const arn of changes.rooms) wanted.set(arn, undefined);
  if (changes.loggingConfigurations.length > 0) {
    await addReferencingRooms(options, client, inventory, wanted, startedAt);
  }
  stats.rooms = wanted.size;
  const toAudit = [...wanted].slice(0, options.maxRooms);
  for (const [arn] of [...wanted].slice(options.maxRooms)) inventory.notReached.push(arn);
  stats.leftOver = inventory.notReached.length;

  const docs: RoomDocument[] = [];
  const upserts: CachedRoom[] = [];
  const toFetch = toAudit.filter(([, known]) => !known).map(([arn]) => arn);
  for (const [, known] of toAudit) if (known) docs.push(known);
  // Never start more GetRoom calls than the time left allows at the budget's pace.
  const affordable = affordableCalls(options);
  for (const arn of toFetch.splice(affordable)) inventory.notReached.push(arn);
  await getRooms({
    client,
    arns: toFetch,
    inventory,
    concurrency: CONCURRENCY,
    shouldStop: () => (options.timeLeftMs?.() ?? 1) <= 0,
    onRoom: (doc, arn) => {
      inventory.fetched?.push(arn);
      docs.push(doc);
      upserts.push(cachedRoom(doc, startedAt));
    },
  });
  const timedOut = inventory.notReached.length - stats.leftOver;
  stats.leftOver = inventory.notReached.length;
  inventory.listed = docs.map((d) => d.arn);
  inventory.audited = [...inventory.listed];
  return { docs, upserts, timedOut };
}

/** The target's logging configurations (when some policy reads them), then each room on the one path. */
async function evaluateChangedRooms(
  options: ChangedRoomsOptions,
  client: IvschatClient,
  inventory: RegionInventory,
  docs: readonly RoomDocument[],
  startedAt: string,
): Promise<void> {
  const logging =
    docs.length > 0 && policiesNeedJoin(options.policies, 'loggingConfigurations')
      ? await listLoggingConfigurations(client, inventory.region)
      : undefined;
  if (logging) inventory.calls.listLoggingConfigurations = logging.calls;
  if (logging?.error) {
    inventory.errors.push(logging.error);
    inventory.complete = false;
    inventory.factsMissingReason = `${logging.error.operation} failed (${logging.error.code}: ${logging.error.message})`;
  }
  evaluateRooms(inventory, docs, {
    evaluator: new Evaluator(options.policies, { routes: options.routes }),
    now: startedAt,
    configurations: logging?.configurations,
  });
  if (policiesReadIacDrift(options.policies)) leaveDriftToSchedule(inventory, docs);
}

/** The report error that marks the target's full audit due for the changed rooms left over. */
function leftToFullAudit(
  options: ChangedRoomsOptions,
  stats: ChangedRoomsStats,
  timedOut: number,
): AuditError {
  const why =
    timedOut > 0
      ? `the invocation's time allowed only ${stats.rooms - stats.leftOver} of them`
      : `more than the ${options.maxRooms} the change path audits at once`;
  return {
    region: options.changes.region,
    operation: 'ChangeBatch',
    code: FULL_AUDIT_DUE,
    message: `${stats.rooms} rooms of ${options.changes.accountId} changed in one batch, ${why}: ${stats.leftOver} are left to the next scheduled audit, marked due`,
  };
}

/** Calls without which a changed room is not (fully) audited, so the change would be lost. */
const NEEDED = new Set(['GetRoom', 'ListRooms', 'ListLoggingConfigurations']);

/**
 * The rooms referencing each written logging configuration (ListRooms filtered by it). A room whose
 * cached document is current is evaluated from the cache and its listing; the others need GetRoom.
 */
async function addReferencingRooms(
  options: ChangedRoomsOptions,
  client: IvschatClient,
  inventory: RegionInventory,
  wanted: Map<string, RoomDocument | undefined>,
  startedAt: string,
): Promise<void> {
  const { accountId, region } = options.changes;
  const cache = await options.roomCache.loadRooms(accountId, region);
  const plan = planFetches(cache, {
    now: startedAt,
    fullRefreshHours: options.fullRefreshHours,
    needGetRoom: policiesNeedGetRoom(options.policies),
  });
  for (const identifier of options.changes.loggingConfigurations) {
    try {
      const pages = paginateListRooms(
        { client, pageSize: 50 },
        { loggingConfigurationIdentifier: identifier },
      );
      for await (const page of pages) {
        inventory.calls.listRooms++;
        for (const summary of page.rooms ?? []) {
          if (!summary.arn || wanted.get(summary.arn) !== undefined) continue;
          // A room written in this batch is fetched anyway; otherwise the cache may answer.
          wanted.set(
            summary.arn,
            wanted.has(summary.arn) ? undefined : plan.resolve(toRoomDocument(summary)),
          );
        }
      }
    } catch (error) {
      // Its rooms stay as they were (findings neither raised nor resolved); the schedule checks them.
      inventory.errors.push(toAuditError(region, 'ListRooms', error));
      inventory.complete = false;
    }
  }
}

/**
 * GetRoom calls the time left allows at the budget's pace (the limiter spaces calls a little over
 * 1/tps apart); unlimited without a deadline or a budget.
 */
function affordableCalls(options: ChangedRoomsOptions): number {
  if (!options.timeLeftMs || !options.apiBudgetTps) return Number.POSITIVE_INFINITY;
  const intervalMs = limiterIntervalMs(options.apiBudgetTps);
  return Math.max(0, Math.floor(options.timeLeftMs() / intervalMs));
}
