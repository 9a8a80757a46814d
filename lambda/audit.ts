import { type AwsConnection, callerAccountId, ivschatClient } from './aws/clients.js';
import { inventoryRegion, toAuditError } from './aws/inventory.js';
import { type Limiter, RateLimiter } from './aws/rate-limit.js';
import { buildReport } from './core/report.js';
import type { AuditError, RegionInventory, Report, RoomDocument } from './core/types.js';
import type { CompiledPolicy } from './policy/compile.js';

export interface LiveAuditOptions {
  regions: string[];
  policies: readonly CompiledPolicy[];
  connection?: AwsConnection;
  /** Client-side calls per second per region and operation; undefined = no client-side budget. */
  apiBudgetTps?: number;
  concurrency?: number;
  now?: () => Date;
  shouldStop?: () => boolean;
  /** Per-region hook to reuse a cached document instead of calling GetRoom. */
  resolveFor?: (region: string) => ((summary: RoomDocument) => RoomDocument | undefined) | undefined;
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
      const budget = (): Limiter | undefined =>
        options.apiBudgetTps ? new RateLimiter(options.apiBudgetTps) : undefined;
      const listRooms = budget();
      const getRoom = budget();
      const resolve = options.resolveFor?.(region);
      try {
        return await inventoryRegion({
          region,
          accountId,
          client,
          limiters: { ...(listRooms ? { listRooms } : {}), ...(getRoom ? { getRoom } : {}) },
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
          ...(resolve ? { resolve } : {}),
        });
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
