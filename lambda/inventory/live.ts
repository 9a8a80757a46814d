/** The live account as the pipeline's inventory source (`liveInventory`), over `auditAccount`. */
import { roomsWithFindings } from '../audit/lifecycle.js';
import { stopReason } from '../aws/inventory.js';
import { firstRegionOf } from '../core/arn.js';
import { auditAccount, identifyAccount, type LiveAuditOptions } from './live-audit.js';
import type { InventorySource } from './source.js';

/** What the live source needs: the audit options the pipeline does not fill in itself. */
export type LiveInventoryOptions = Omit<
  LiveAuditOptions,
  'identity' | 'knownRooms' | 'stored' | 'startedAt' | 'now'
> & {
  /** Reads the run's finishing time; the start is the pipeline's `now`. */
  clock?: () => Date;
};

/**
 * The live account: STS for the account, then ListRooms/GetRoom per region. Rooms with open
 * findings in the state are checked even when the list misses them. A run its `signal` stopped
 * (--timeout, Ctrl-C) reports why, and the pipeline then delivers and records nothing.
 */
export function liveInventory(options: LiveInventoryOptions): InventorySource {
  const firstRegion = firstRegionOf(options.regions);
  return {
    identify: () => identifyAccount(firstRegion, options.connection ?? {}, options.signal),
    async audit({ identity, previous, startedAt }) {
      const known = roomsWithFindings(previous);
      const { clock, ...rest } = options;
      const run = await auditAccount({
        ...rest,
        ...(identity ? { identity } : {}),
        ...(clock ? { now: clock } : {}),
        startedAt,
        knownRooms: (region) => known.get(region) ?? [],
        stored: (fingerprint) => previous.get(fingerprint),
      });
      const stopped = run.report.complete ? undefined : stopReason(options.signal)?.message;
      return stopped ? { ...run, stopped } : run;
    },
  };
}
