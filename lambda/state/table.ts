/**
 * The state table of one deployment, and every store that keeps its state there. An invocation
 * builds one `StateTable` and asks it for the stores it needs (`table.runStore(runId)`), instead of
 * passing the client and table name to each constructor. Keys and the TTL attribute: keys.ts; the
 * query helper and error wording: table-client.ts. The remediation trail keeps its items here too
 * (remediate/trail-table.ts, built from `table.client` and `table.name`): remediate/ sits above
 * state/, so this file cannot name it.
 */
import type { Target } from '../core/types.js';
import { DynamoRoomCache } from './dynamo-room-cache.js';
import { FullAuditDue } from './full-audit-due.js';
import { RoomSnapshotStore } from './room-snapshot.js';
import { RunListingStore } from './run-listing.js';
import { RunStore, type RunStoreOptions, TargetHealth, TargetLocks } from './run-store.js';
import { DynamoStackRooms } from './stack-rooms.js';
import { TableClient } from './table-client.js';
import { AccountStateStore, LegacyAccounts, TargetStateStore } from './target-store.js';

export class StateTable extends TableClient {
  /** The items of one org-scale run. */
  runStore(runId: string, options?: RunStoreOptions): RunStore {
    return new RunStore(this.client, this.name, runId, options);
  }

  /** One target's listing, kept across the invocations of one run. */
  runListing(runId: string, index: number, options?: RunStoreOptions): RunListingStore {
    return new RunListingStore(this.client, this.name, runId, index, options);
  }

  /** Which run audits each target. */
  targetLocks(): TargetLocks {
    return new TargetLocks(this.client, this.name);
  }

  /** Each target's consecutive failed runs. */
  targetHealth(): TargetHealth {
    return new TargetHealth(this.client, this.name);
  }

  /** The findings of one account × region; resolved ones kept `retainResolvedDays` (default 30). */
  targetState(target: Target, retainResolvedDays?: number): TargetStateStore {
    return new TargetStateStore(this.client, this.name, target.accountId, target.region, retainResolvedDays);
  }

  /**
   * The finding stores of many targets (a run's): they ask once per account whether any findings
   * are left under the pre-region key to migrate (LegacyAccounts), not once per target.
   */
  targetStates(retainResolvedDays?: number): (target: Target) => TargetStateStore {
    const legacy = new LegacyAccounts(this.client, this.name);
    return (target) =>
      new TargetStateStore(
        this.client,
        this.name,
        target.accountId,
        target.region,
        retainResolvedDays,
        legacy,
      );
  }

  /** The findings of one account across `regions`. */
  accountState(
    accountId: string,
    regions: readonly string[],
    retainResolvedDays?: number,
  ): AccountStateStore {
    return new AccountStateStore(this.client, this.name, accountId, regions, retainResolvedDays);
  }

  /** The last fetched room documents of each target. */
  roomCache(): DynamoRoomCache {
    return new DynamoRoomCache(this.client, this.name);
  }

  /** The room documents the last complete audit of each target saw. */
  roomSnapshots(): RoomSnapshotStore {
    return new RoomSnapshotStore(this.client, this.name);
  }

  /** What each CloudFormation stack declares for its rooms, per stack version (IaC drift). */
  stackRooms(): DynamoStackRooms {
    return new DynamoStackRooms(this.client, this.name);
  }

  /** The marks of targets whose full audit is due. */
  fullAuditDue(): FullAuditDue {
    return new FullAuditDue(this.client, this.name);
  }
}
