import { Evaluator } from '../audit/evaluate.js';
import { buildReport, noteNotEvaluated } from '../audit/report.js';
import { type AwsConnection, callerAccountId, ivschatClient } from '../aws/clients.js';
import { type InventoryProgress, inventoryRegion, toAuditError } from '../aws/inventory.js';
import { listLoggingConfigurations } from '../aws/logging-configurations.js';
import { withApiBudget } from '../aws/rate-limit.js';
import { appendAll } from '../core/append.js';
import { parseRoomArn } from '../core/arn.js';
import { type CachedRoom, cachedRoom, planFetches } from '../core/room-cache.js';
import { joinLoggingConfigurations } from '../core/room-facts.js';
import type { AuditError, Finding, RegionInventory, Report, RoomDocument } from '../core/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { policiesNeedGetRoom, policiesNeedJoin } from '../policy/fields.js';
import { SETTINGS } from '../settings/table.js';
import type { RoomCacheStore } from '../state/room-cache-store.js';

export interface LiveAuditOptions {
  regions: string[];
  policies: readonly CompiledPolicy[];
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
   * Every room document as evaluated (joined facts included, derived ones not), cached rooms too: a
   * caller keeps them (the room snapshot). Fields no policy reads may be absent (see policiesNeedGetRoom).
   */
  onDocument?: (region: string, doc: RoomDocument) => void;
}

/** Who the credentials belong to, or why that is not known (the error goes into the report). */
export type Identity =
  | { accountId: string; error?: undefined }
  | { accountId?: undefined; error: AuditError };

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

export interface AuditRun {
  report: Report;
  inventories: RegionInventory[];
}

/** Audits the regions of one account: regions in parallel, each within its own API budget. */
export async function auditAccount(options: LiveAuditOptions): Promise<AuditRun> {
  const now = options.now ?? (() => new Date());
  const startedAt = options.startedAt ?? now().toISOString();
  const connection = options.connection ?? {};
  const regions = [...new Set(options.regions)];
  const firstRegion = regions[0] ?? 'us-east-1';
  const identity = options.identity ?? (await identifyAccount(firstRegion, connection, options.signal));
  const accountId = identity.accountId ?? '';
  // Without the account the audit goes on (room ARNs carry the account id) but counts as
  // incomplete, and the room cache is not used: its keys would be wrong.
  const identityErrors: AuditError[] = identity.error ? [identity.error] : [];
  const roomCache = accountId ? options.roomCache : undefined;
  const needGetRoom = policiesNeedGetRoom(options.policies);
  const needLogging = policiesNeedJoin(options.policies, 'loggingConfigurations');
  const evaluator = new Evaluator(options.policies);

  const inventories = await Promise.all(
    regions.map(async (region) => {
      const client = ivschatClient(region, connection);
      if (options.apiBudgetTps) withApiBudget(client, options.apiBudgetTps);
      try {
        const cache: Map<string, CachedRoom> = roomCache
          ? await roomCache.loadRooms(accountId, region)
          : new Map();
        const plan = planFetches(cache, {
          now: startedAt,
          fullRefreshHours: options.fullRefreshHours ?? SETTINGS.fullRefreshHours.default,
          needGetRoom,
        });
        // One listing per target, joined into every room (cached ones too) before evaluation; a
        // failed listing leaves the rooms without the facts, so the policies reading them are skipped.
        const logging = needLogging
          ? await listLoggingConfigurations(client, region, options.signal)
          : undefined;
        // Rooms are evaluated as they arrive, so no run holds every room document at once.
        const evaluation = { findings: [] as Finding[], errors: [] as AuditError[] };
        const skipped: Pick<RegionInventory, 'notEvaluated'> = {};
        const ctx = { now: startedAt, accountId, region };
        // Cache entries are cut down as documents arrive, so the full documents are never all held.
        const upserts: CachedRoom[] = [];
        const inventory = await inventoryRegion({
          region,
          accountId,
          client,
          onRoom: (doc) => {
            const room = logging?.configurations
              ? joinLoggingConfigurations(doc, logging.configurations)
              : doc;
            options.onDocument?.(region, room);
            const result = evaluator.evaluate(room, ctx);
            appendAll(evaluation.findings, result.findings);
            appendAll(evaluation.errors, result.errors);
            noteNotEvaluated(skipped, doc.arn, result.notEvaluated);
          },
          ...(roomCache
            ? { onFetched: (doc: RoomDocument) => upserts.push(cachedRoom(doc, startedAt)) }
            : {}),
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onProgress
            ? { onProgress: (p: InventoryProgress) => options.onProgress?.(region, p) }
            : {}),
          resolve: plan.resolve,
          priority: plan.priority,
          knownArns: new Set([...cache.keys(), ...(options.knownRooms?.(region) ?? [])]),
        });
        inventory.evaluation = evaluation;
        if (skipped.notEvaluated) inventory.notEvaluated = skipped.notEvaluated;
        if (logging) inventory.calls.listLoggingConfigurations = logging.calls;
        if (logging?.error) {
          // After the room errors: a ListRooms refusal is the more basic one to read first.
          inventory.errors.push(logging.error);
          inventory.complete = false;
          inventory.factsMissingReason = `${logging.error.operation} failed (${logging.error.code}: ${logging.error.message})`;
        }
        if (!inventory.accountId) inventory.accountId = accountFromArns(inventory) ?? '';
        if (roomCache) {
          const removals = inventory.deleted.filter((arn) => cache.has(arn));
          await roomCache.saveRooms(accountId, region, upserts, removals);
        }
        return inventory;
      } finally {
        client.destroy();
      }
    }),
  );
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

function accountFromArns(inventory: RegionInventory): string | undefined {
  for (const arn of inventory.listed) {
    const account = parseRoomArn(arn)?.accountId;
    if (account) return account;
  }
  return undefined;
}
