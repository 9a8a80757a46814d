/**
 * The state table's stores for one deployment: the state table (`state/table.ts`, which names every
 * key and builds every store) bound to the configuration its finding stores need, plus the
 * remediation trail (remediate/ sits above state/, so the table cannot build it). Every mode asks
 * this instead of passing the DynamoDB client and the table name around.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Target } from '../core/types.js';
import { TableTrail } from '../remediate/trail-table.js';
import type { DynamoRoomCache } from '../state/dynamo-room-cache.js';
import type { FullAuditDue } from '../state/full-audit-due.js';
import type { RoomSnapshotStore } from '../state/room-snapshot.js';
import type { RunListingStore } from '../state/run-listing.js';
import type { RunStore, TargetHealth, TargetLocks } from '../state/run-store.js';
import type { StackRoomsStore } from '../state/stack-rooms.js';
import { StateTable } from '../state/table.js';
import type { AccountStateStore, TargetStateStore } from '../state/target-store.js';

/** What the finding stores need of the configuration. */
export interface StoreSettings {
  regions: readonly string[];
  retainResolvedDays: number;
}

export class Stores {
  readonly table: StateTable;

  constructor(
    dynamo: DynamoDBClient,
    readonly tableName: string,
    private readonly settings: StoreSettings,
  ) {
    this.table = new StateTable(dynamo, tableName);
  }

  /** One state-machine run: its plan, its targets and their outcomes. */
  run(runId: string): RunStore {
    return this.table.runStore(runId);
  }

  /** One target's listing in one run, kept across its invocations. */
  runListing(runId: string, index: number): RunListingStore {
    return this.table.runListing(runId, index);
  }

  locks(): TargetLocks {
    return this.table.targetLocks();
  }

  health(): TargetHealth {
    return this.table.targetHealth();
  }

  /** The finding state of one target. */
  targetState(target: Target): TargetStateStore {
    return this.table.targetState(target, this.settings.retainResolvedDays);
  }

  /** The finding state of many targets (a run's), asking once per account about legacy items. */
  targetStates(): (target: Target) => TargetStateStore {
    return this.table.targetStates(this.settings.retainResolvedDays);
  }

  /** The finding state of one account over every configured region (the single-account run). */
  accountState(accountId: string): AccountStateStore {
    return this.table.accountState(accountId, this.settings.regions, this.settings.retainResolvedDays);
  }

  /** What each CloudFormation stack declares for its rooms, per stack version (setting `iacDrift`). */
  stackRooms(): StackRoomsStore {
    return this.table.stackRooms();
  }

  roomCache(): DynamoRoomCache {
    return this.table.roomCache();
  }

  roomSnapshots(): RoomSnapshotStore {
    return this.table.roomSnapshots();
  }

  /** The remediation trail of one target. */
  trail(target: Target): TableTrail {
    return new TableTrail(this.table.client, this.tableName, target);
  }

  fullAuditDue(): FullAuditDue {
    return this.table.fullAuditDue();
  }
}
