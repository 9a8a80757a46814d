/**
 * The live inventory of one account: ListRooms/GetRoom per region within the API budget, the room
 * cache answering for unchanged rooms, each room evaluated on the one path (`RegionEvaluation`).
 */
import { Evaluator } from '../audit/evaluate.js';
import type { Hold, StoredState } from '../audit/lifecycle.js';
import { buildReport } from '../audit/report.js';
import { type AwsConnection, callerAccountId, cloudFormationClient, ivschatClient } from '../aws/clients.js';
import {
  getRoomConcurrency,
  type InventoryProgress,
  inventoryRegion,
  toAuditError,
} from '../aws/inventory.js';
import { listLoggingConfigurations } from '../aws/logging-configurations.js';
import { withApiBudget } from '../aws/rate-limit.js';
import { firstRegionOf, parseRoomArn } from '../core/arn.js';
import { type CachedRoom, cachedRoom, planFetches } from '../core/room-cache.js';
import type { AuditError, Finding, RegionInventory } from '../core/types.js';
import { policiesReadIacDrift } from '../iac/drift-policy.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { policiesNeedGetRoom, policiesNeedJoin } from '../policy/fields.js';
import type { RouteTable } from '../policy/routes.js';
import { SETTINGS } from '../settings/table.js';
import type { RoomCacheStore } from '../state/room-cache-store.js';
import type { RunListingStore } from '../state/run-listing.js';
import type { StackRoomsStore } from '../state/stack-rooms.js';
import { CacheWriter } from './cache-writer.js';
import { IacDriftJoin } from './iac-drift.js';
import { RegionEvaluation, type RoomCollector } from './room-evaluation.js';
import { KeptListing } from './run-listing.js';
import type { Identity, InventoryRun } from './source.js';

export interface LiveAuditOptions {
  regions: string[];
  policies: readonly CompiledPolicy[];
  /** The routes file, when there is one: findings carry their alert routes. */
  routes?: RouteTable | undefined;
  connection?: AwsConnection;
  /**
   * The audited account as the caller already asked (the pipeline asks first: the state is kept per
   * account); otherwise STS is asked here.
   */
  identity?: Identity;
  /** Client-side calls per second per region and operation; undefined = no client-side budget. */
  apiBudgetTps?: number;
  concurrency?: number;
  now?: () => Date;
  /** The run's one `now` (evaluation, room cache ages, report); default: `now()` at the start. */
  startedAt?: string;
  shouldStop?: () => boolean;
  /** Stops the run now (--timeout, Ctrl-C): calls in flight are abandoned; what was fetched is kept. */
  signal?: AbortSignal;
  /** How far each region got, after every ListRooms page and GetRoom (progress display). */
  onProgress?: (region: string, progress: InventoryProgress) => void;
  /** Last fetched room documents: unchanged rooms are not fetched again (incremental audit). */
  roomCache?: RoomCacheStore;
  /** With a room cache: re-fetch a room after this long even if unchanged. */
  fullRefreshHours?: number;
  /** Rooms with open findings per region: if the list misses one, GetRoom tells whether it is gone. */
  knownRooms?: (region: string) => Iterable<string>;
  /**
   * The stored state of a finding (the pipeline's loaded state): a finding found again shares its
   * text (room ARN, message) with the state instead of holding a copy of its own.
   */
  stored?: (fingerprint: string) => StoredState | undefined;
  /**
   * With `stored`: whether a finding found again may be counted instead of held (the pipeline's
   * HeldFindings; Report.unchangedOpen). Absent: every finding is held.
   */
  hold?: (finding: Finding, before: StoredState) => Hold;
  /** Receive every room as evaluated, cached rooms too (the room snapshot, the remediation candidates). */
  collectors?: readonly RoomCollector[];
  /**
   * The run's listing of the target, kept across invocations (the state machine's audit step; one
   * region): the rooms an earlier invocation listed are read from it instead of listed again, and the
   * listing is kept there when this invocation stops short.
   */
  listing?: RunListingStore;
  /**
   * Setting `iacDrift`: rooms a CloudFormation stack owns are compared with its template (the
   * built-in iac-drift policy must be among `policies`); `store` keeps each stack's translation
   * across runs while its last update holds.
   */
  iacDrift?: { store?: StackRoomsStore };
}

/** The account the credentials belong to (STS `GetCallerIdentity`), or the error that says why not. */
export async function identifyAccount(
  region: string,
  connection: AwsConnection = {},
  signal?: AbortSignal,
): Promise<Identity> {
  try {
    const accountId = await callerAccountId(region, connection, signal);
    if (accountId) return { accountId };
    return {
      error: {
        region,
        operation: 'GetCallerIdentity',
        code: 'NoAccount',
        message: 'no account in the answer',
      },
    };
  } catch (error) {
    return { error: toAuditError(region, 'GetCallerIdentity', error, signal) };
  }
}

/** Audits the regions of one account: regions in parallel, each within its own API budget. */
export async function auditAccount(options: LiveAuditOptions): Promise<InventoryRun> {
  const now = options.now ?? (() => new Date());
  const startedAt = options.startedAt ?? now().toISOString();
  const connection = options.connection ?? {};
  const regions = [...new Set(options.regions)];
  const firstRegion = firstRegionOf(regions);
  const identity = options.identity ?? (await identifyAccount(firstRegion, connection, options.signal));
  const accountId = identity.accountId ?? '';
  // Without the account the audit goes on (room ARNs carry the account id) but counts as
  // incomplete, and the room cache is not used: its keys would be wrong.
  const identityErrors: AuditError[] = identity.error ? [identity.error] : [];
  const run: AccountRun = {
    options,
    accountId,
    startedAt,
    connection,
    roomCache: accountId ? options.roomCache : undefined,
    evaluator: new Evaluator(options.policies, { routes: options.routes }),
  };
  const inventories = await Promise.all(regions.map((region) => auditRegion(run, region)));
  if (identityErrors.length > 0 && inventories[0]) {
    inventories[0].errors.unshift(...identityErrors);
    inventories[0].complete = false;
  }
  const report = buildReport({
    startedAt,
    finishedAt: now().toISOString(),
    inventories,
    policies: options.policies,
  });
  return { report, inventories };
}

/** What every region of one account's audit shares. */
interface AccountRun {
  options: LiveAuditOptions;
  accountId: string;
  startedAt: string;
  connection: AwsConnection;
  roomCache: RoomCacheStore | undefined;
  /** One evaluator for the run: its per-policy memos serve every room of every region. */
  evaluator: Evaluator;
}

/** One region: the room cache, the logging configurations, then every room listed, each evaluated. */
async function auditRegion(run: AccountRun, region: string): Promise<RegionInventory> {
  const { options, accountId, startedAt, roomCache } = run;
  const client = ivschatClient(region, run.connection);
  if (options.apiBudgetTps) withApiBudget(client, options.apiBudgetTps);
  const cfn =
    options.iacDrift && accountId && policiesReadIacDrift(options.policies)
      ? cloudFormationClient(region, run.connection)
      : undefined;
  // CloudFormation's quotas are its own, but the budget's rule holds for it too: nothing unbudgeted.
  if (cfn && options.apiBudgetTps) withApiBudget(cfn, options.apiBudgetTps);
  try {
    const cache: Map<string, CachedRoom> = roomCache
      ? await roomCache.loadRooms(accountId, region)
      : new Map();
    const kept = options.listing ? await KeptListing.load(options.listing) : undefined;
    const plan = planFetches(cache, {
      now: startedAt,
      fullRefreshHours: options.fullRefreshHours ?? SETTINGS.fullRefreshHours.default,
      // The drift check compares GetRoom's fields (the length, the rate) whatever the policies read.
      needGetRoom: policiesNeedGetRoom(options.policies) || cfn !== undefined,
    });
    // One listing per target, joined into every room (cached ones too) before evaluation; a
    // failed listing leaves the rooms without the facts, so the policies reading them are skipped.
    const logging = policiesNeedJoin(options.policies, 'loggingConfigurations')
      ? await listLoggingConfigurations(client, region, options.signal)
      : undefined;
    const evaluation = new RegionEvaluation(
      { accountId, region },
      {
        evaluator: run.evaluator,
        now: startedAt,
        configurations: logging?.configurations,
        ...(options.collectors ? { collectors: options.collectors } : {}),
        ...(options.stored ? { stored: options.stored } : {}),
        ...(options.hold ? { hold: options.hold } : {}),
      },
    );
    const drift =
      cfn && options.iacDrift
        ? new IacDriftJoin({
            client: cfn,
            target: { accountId, region },
            store: options.iacDrift.store,
            now: new Date(startedAt),
            signal: options.signal,
          })
        : undefined;
    // Cache entries are cut down as documents arrive, so the full documents are never all held, and
    // written as they accumulate.
    const writer = roomCache ? new CacheWriter(roomCache, { accountId, region }) : undefined;
    const inventory = await inventoryRegion({
      region,
      accountId,
      client,
      onRoom: (doc, fetched) => {
        // A room claiming a stack waits for its stack's template, read once per stack after the listing.
        if (!drift?.hold(doc)) evaluation.add(doc);
        if (fetched) writer?.add(cachedRoom(doc, startedAt));
      },
      concurrency: options.concurrency ?? getRoomConcurrency(options.apiBudgetTps),
      ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress
        ? { onProgress: (p: InventoryProgress) => options.onProgress?.(region, p) }
        : {}),
      resolve: plan.resolve,
      priority: plan.priority,
      knownArns: new Set([...cache.keys(), ...(options.knownRooms?.(region) ?? [])]),
      ...kept?.hooks(),
    });
    if (drift) {
      for (const doc of await drift.join()) evaluation.add(doc);
      inventory.calls.describeStacks = drift.calls.describeStacks;
      inventory.calls.getTemplate = drift.calls.getTemplate;
    }
    evaluation.writeTo(inventory);
    drift?.writeTo(inventory);
    if (logging) inventory.calls.listLoggingConfigurations = logging.calls;
    if (logging?.error) {
      // After the room errors: a ListRooms refusal is the more basic one to read first.
      inventory.errors.push(logging.error);
      inventory.complete = false;
      inventory.factsMissingReason = `${logging.error.operation} failed (${logging.error.code}: ${logging.error.message})`;
    }
    if (!inventory.accountId) inventory.accountId = accountFromArns(inventory) ?? '';
    await writer?.flush(inventory.deleted.filter((arn) => cache.has(arn)));
    // After the room cache: the rooms fetched so far must be there before the queue moves past them.
    await kept?.keepIfShort(inventory);
    return inventory;
  } finally {
    client.destroy();
    cfn?.destroy();
  }
}

function accountFromArns(inventory: RegionInventory): string | undefined {
  for (const arn of inventory.listed) {
    const account = parseRoomArn(arn)?.accountId;
    if (account) return account;
  }
  return undefined;
}
