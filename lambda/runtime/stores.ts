/**
 * The state table's stores, built in one place: every mode asks this factory instead of passing the
 * DynamoDB client and the table name around. Each call builds a store the way its call site once did.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Target } from '../core/types.js';
import { TableTrail } from '../remediate/trail-table.js';
import { DynamoRoomCache } from '../state/dynamo-room-cache.js';
import { FullAuditDue } from '../state/full-audit-due.js';
import { RoomSnapshotStore } from '../state/room-snapshot.js';
import { RunStore, TargetHealth, TargetLocks } from '../state/run-store.js';
import { AccountStateStore, TargetStateStore } from '../state/target-store.js';

/** What the finding stores need of the configuration. */
export interface StoreSettings {
  regions: readonly string[];
  retainResolvedDays: number;
}

export class Stores {
  constructor(
    private readonly dynamo: DynamoDBClient,
    readonly tableName: string,
    private readonly settings: StoreSettings,
  ) {}

  /** One state-machine run: its plan, its targets and their outcomes. */
  run(runId: string): RunStore {
    return new RunStore(this.dynamo, this.tableName, runId);
  }

  locks(): TargetLocks {
    return new TargetLocks(this.dynamo, this.tableName);
  }

  health(): TargetHealth {
    return new TargetHealth(this.dynamo, this.tableName);
  }

  /** The finding state of one target. */
  targetState(target: Target): TargetStateStore {
    return new TargetStateStore(
      this.dynamo,
      this.tableName,
      target.accountId,
      target.region,
      this.settings.retainResolvedDays,
    );
  }

  /** The finding state of one account over every configured region (the single-account run). */
  accountState(accountId: string): AccountStateStore {
    return new AccountStateStore(
      this.dynamo,
      this.tableName,
      accountId,
      this.settings.regions,
      this.settings.retainResolvedDays,
    );
  }

  roomCache(): DynamoRoomCache {
    return new DynamoRoomCache(this.dynamo, this.tableName);
  }

  roomSnapshots(): RoomSnapshotStore {
    return new RoomSnapshotStore(this.dynamo, this.tableName);
  }

  /** The remediation trail of one target. */
  trail(target: Target): TableTrail {
    return new TableTrail(this.dynamo, this.tableName, target);
  }

  fullAuditDue(): FullAuditDue {
    return new FullAuditDue(this.dynamo, this.tableName);
  }
}
