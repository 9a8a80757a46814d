import { type AwsConnection, callerAccountId, ivschatClient } from './aws/clients.js';
import { inventoryRegion, toAuditError } from './aws/inventory.js';
import { withApiBudget } from './aws/rate-limit.js';
import { buildReport } from './core/report.js';
import { cacheChanges, planFetches } from './core/room-cache.js';
import type { AuditError, RegionInventory, Report } from './core/types.js';
import type { CompiledPolicy } from './policy/compile.js';
import { policiesNeedGetRoom } from './policy/fields.js';
import type { RoomCacheStore } from './state/room-cache-store.js';

export interface LiveAuditOptions {
  regions: string[];
  policies: readonly CompiledPolicy[];
  connection?: AwsConnection;
  /** Client-side calls per second per region and operation; undefined = no client-side budget. */
  apiBudgetTps?: number;
  concurrency?: number;
  now?: () => Date;
  shouldStop?: () => boolean;
  /** Last fetched room documents: unchanged rooms are not fetched again (incremental audit). */
  roomCache?: RoomCacheStore;
  /** With a room cache: re-fetch a room after this long even if unchanged. */
  fullRefreshHours?: number;
}

export interface AuditRun {
  report: Report;
  inventories: RegionInventory[];
}

/** Audits the regions of the calling account: regions in parallel, each within its own API budget. */
export async function auditAccount(options: LiveAuditOptions): Promise<AuditRun> {
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const connection = options.connection ?? {};
  const firstRegion = options.regions[0] ?? 'us-east-1';
  let accountId = '';
  const identityErrors: AuditError[] = [];
  try {
    accountId = await callerAccountId(firstRegion, connection);
  } catch (error) {
    // Room ARNs still carry the account id; the report says why the target has none.
    identityErrors.push(toAuditError(firstRegion, 'GetCallerIdentity', error));
  }
  const inventories = await Promise.all(
    options.regions.map(async (region) => {
      const client = ivschatClient(region, connection);
      if (options.apiBudgetTps) withApiBudget(client, options.apiBudgetTps);
      try {
        const cache = options.roomCache ? await options.roomCache.loadRooms(accountId, region) : new Map();
        const plan = planFetches(cache, {
          now: startedAt,
          fullRefreshHours: options.fullRefreshHours ?? 24,
          needGetRoom: policiesNeedGetRoom(options.policies),
        });
        const inventory = await inventoryRegion({
          region,
          accountId,
          client,
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
          resolve: plan.resolve,
          priority: plan.priority,
        });
        if (options.roomCache) {
          const listComplete = !inventory.errors.some((e) => e.operation === 'ListRooms');
          const { upserts, removals } = cacheChanges(
            inventory.fetched ?? [],
            listComplete ? inventory.listed : undefined,
            cache,
            startedAt,
          );
          await options.roomCache.saveRooms(accountId, region, upserts, removals);
        }
        return inventory;
      } finally {
        client.destroy();
      }
    }),
  );
  if (identityErrors.length > 0 && inventories[0]) inventories[0].errors.unshift(...identityErrors);
  const report = buildReport({
    startedAt,
    finishedAt: now().toISOString(),
    inventories,
    policies: options.policies,
  });
  return { report, inventories };
}
