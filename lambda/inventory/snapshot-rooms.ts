/**
 * The room snapshot as a collector of the inventory path: the documents of a complete audit, stored
 * for policy previews, and why a deployment's policies cannot leave one (`snapshotGap`).
 */
import type { RegionInventory } from '../core/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { policiesNeedGetRoom, policiesNeedJoin } from '../policy/fields.js';
import { GzipJsonArray } from '../state/chunks.js';
import type { RoomSnapshotStore } from '../state/room-snapshot.js';
import type { EvaluatedRoom, RoomCollector } from './room-evaluation.js';

/**
 * Why an audit under these policies cannot leave a room snapshot, or undefined when it can. The audit
 * fetches only what its policies read; a preview of other policies needs every field, so a snapshot
 * of partial documents would silently count too few findings.
 */
export function snapshotGap(policies: readonly CompiledPolicy[]): string | undefined {
  if (!policiesNeedGetRoom(policies)) {
    return 'no deployed policy reads a GetRoom-only field, so the audit does not fetch whole documents';
  }
  if (!policiesNeedJoin(policies, 'loggingConfigurations')) {
    return 'no deployed policy reads loggingConfigurations, so the audit does not list logging configurations';
  }
  return undefined;
}

/**
 * Collects the documents of one audit as evaluated (joined facts included, cached rooms too) and
 * stores those of every complete region as its snapshot. An incomplete region stores nothing: its
 * last complete snapshot stays.
 */
export class SnapshotCollector implements RoomCollector {
  // Held gzip'd as they arrive: 50,000 documents would otherwise add some 50 MB to the run's peak.
  private byRegion = new Map<string, GzipJsonArray>();

  collect({ region, doc }: EvaluatedRoom): void {
    let docs = this.byRegion.get(region);
    if (!docs) {
      docs = new GzipJsonArray();
      this.byRegion.set(region, docs);
    }
    docs.push(doc);
  }

  /** Writes the snapshots and lets the documents go; returns the regions written. */
  async write(
    store: RoomSnapshotStore,
    accountId: string,
    takenAt: string,
    inventories: readonly RegionInventory[],
  ): Promise<string[]> {
    const byRegion = this.byRegion;
    this.byRegion = new Map();
    const written: string[] = [];
    if (!accountId) return written;
    for (const inventory of inventories) {
      if (!inventory.complete) continue;
      await store.putGzipped(
        accountId,
        inventory.region,
        takenAt,
        byRegion.get(inventory.region) ?? new GzipJsonArray(),
      );
      byRegion.delete(inventory.region);
      written.push(inventory.region);
    }
    return written;
  }
}
