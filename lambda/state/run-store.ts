/**
 * The state of one org-scale run, and of each target across runs, in the state table. Step Functions
 * passes only target indexes between the steps (5,000 targets fit its 256 KiB payload cap as
 * indexes, not as objects); the targets, each target's outcome, the locks and the failure streaks
 * live here.
 *
 * Keys (one table, `pk`/`sk` strings, named in keys.ts):
 * - `RUN#<runId>`: `TARGET#<index 6>`, `PLAN`, `RESULT#<index 6>#<chunk 4>`; each with `expiresAt`
 *   (the table's TTL) so a run's items disappear on their own.
 * - `LOCK#<account>#<region>` / `LOCK`: which run audits the target, until when.
 * - `HEALTH#<account>#<region>` / `HEALTH`: consecutive failed runs of the target.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TargetError } from '../aws/targets.js';
import { AuditorError } from '../core/errors.js';
import type { Target } from '../core/types.js';
import type { WriteRequest } from './batch-write.js';
import { CHUNK_BYTES, decodeChunks, deleteChunksFrom, encodeChunks, putChunks } from './chunks.js';
import {
  expiresAfterDays,
  expiryOf,
  healthKey,
  type ItemKey,
  lockKey,
  MAX_RUN_TARGETS,
  runKeys,
  TTL_ATTRIBUTE,
} from './keys.js';
import { type Item, TableClient } from './table-client.js';

export interface PlannedTarget extends Target {
  assumeRole: boolean;
}

export interface InactiveAccount {
  accountId: string;
  status: string;
}

export interface PlanMeta {
  count: number;
  errors: TargetError[];
  /** The first `MAX_LISTED_INACTIVE` accounts the organization lists but not as ACTIVE, in its order. */
  inactiveAccounts: InactiveAccount[];
  /** All of them: an organization may hold thousands of closed accounts. */
  inactiveCount: number;
}

/** What a plan is told: every inactive account; the PLAN item keeps a count and the first few. */
export interface PlanInput {
  errors: readonly TargetError[];
  inactiveAccounts: readonly InactiveAccount[];
}

/**
 * Inactive accounts named in the PLAN item; the rest are counted. One item holds at most 400 KB, and
 * 20,000 closed accounts would take about 800 KB: listed whole, they failed every run.
 */
export const MAX_LISTED_INACTIVE = 20;

export const OUTCOME_CHUNK_BYTES = CHUNK_BYTES;

export interface RunStoreOptions {
  /** Days a run's items are kept (the table's TTL removes them). @default 7 */
  ttlDays?: number;
  now?: () => Date;
}

const plannedTarget = (item: Item): PlannedTarget => ({
  accountId: String(item.accountId),
  region: String(item.region),
  assumeRole: item.assumeRole === true,
});

/** The items of one run. Reads are strongly consistent: each step reads what an earlier one just wrote. */
export class RunStore {
  private readonly table: TableClient;
  private readonly ttlDays: number;
  private readonly now: () => Date;
  private readonly pk: string;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    private readonly runId: string,
    options: RunStoreOptions = {},
  ) {
    this.table = new TableClient(client, tableName);
    this.ttlDays = options.ttlDays ?? 7;
    this.now = options.now ?? (() => new Date());
    this.pk = runKeys.pk(runId);
  }

  private expiry(): number {
    return expiresAfterDays(this.now().getTime(), this.ttlDays);
  }

  /**
   * Stores the targets, then the PLAN item: a run whose PLAN exists has all its targets. Planning again
   * under the same run id (a retried Plan step) overwrites them.
   */
  async putPlan(targets: readonly PlannedTarget[], meta: PlanInput): Promise<PlanMeta> {
    if (targets.length > MAX_RUN_TARGETS) {
      throw new AuditorError(
        `run ${this.runId} plans ${targets.length} targets; at most ${MAX_RUN_TARGETS} fit`,
      );
    }
    const pk = this.pk;
    const expiry = this.expiry();
    function* requests(): Generator<WriteRequest> {
      for (const [index, { accountId, region, assumeRole }] of targets.entries()) {
        const Item = {
          pk,
          sk: runKeys.target(index),
          accountId,
          region,
          assumeRole,
          [TTL_ATTRIBUTE]: expiry,
        };
        yield { PutRequest: { Item } };
      }
    }
    const plan: PlanMeta = {
      count: targets.length,
      errors: meta.errors.map((e) => ({ ...e })),
      inactiveAccounts: meta.inactiveAccounts
        .slice(0, MAX_LISTED_INACTIVE)
        .map(({ accountId, status }) => ({ accountId, status })),
      inactiveCount: meta.inactiveAccounts.length,
    };
    await this.table.writing(async () => {
      await this.table.batchWrite(requests());
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { pk, sk: runKeys.plan, ...plan, [TTL_ATTRIBUTE]: expiry },
        }),
      );
    });
    return plan;
  }

  async getPlan(): Promise<PlanMeta> {
    const item = await this.get(runKeys.plan);
    if (!item) throw new AuditorError(`run ${this.runId} has no plan in state table ${this.table.name}`);
    const inactive = (item.inactiveAccounts ?? []) as InactiveAccount[];
    return {
      count: Number(item.count),
      errors: (item.errors ?? []) as TargetError[],
      inactiveAccounts: inactive.slice(0, MAX_LISTED_INACTIVE),
      // A plan stored before the count listed every inactive account.
      inactiveCount: Number(item.inactiveCount ?? inactive.length),
    };
  }

  async getTarget(index: number): Promise<PlannedTarget> {
    this.checkIndex(index);
    const item = await this.get(runKeys.target(index));
    if (!item) {
      throw new AuditorError(`run ${this.runId} has no target ${index} in state table ${this.table.name}`);
    }
    return plannedTarget(item);
  }

  /** Every planned target in index order: one paginated Query, not a read per target. */
  async *targets(): AsyncIterable<[number, PlannedTarget]> {
    for await (const item of this.query(runKeys.targetPrefix)) {
      yield [runKeys.targetIndex(String(item.sk)), plannedTarget(item)];
    }
  }

  /**
   * Stores a target's outcome as gzip'd JSON in chunks (an outcome can list 100,000 findings, far more
   * than one item holds). Writing again replaces the earlier outcome; chunks past the new end are
   * deleted so a shorter outcome never reads back with a stale tail.
   */
  async putOutcome(index: number, outcome: unknown): Promise<void> {
    this.checkIndex(index);
    const chunks = await encodeChunks(outcome, `run ${this.runId}: the outcome of target ${index}`);
    const target = { table: this.table, pk: this.pk, prefix: runKeys.result(index) };
    await putChunks({ ...target, chunks, attributes: { [TTL_ATTRIBUTE]: this.expiry() } });
    await deleteChunksFrom(target, chunks.length, this.query(target.prefix, 'sk'));
  }

  /**
   * Every stored outcome in index order, reassembled from its chunks. Pages are read as they are
   * consumed, so only one outcome's chunks are held at a time.
   */
  async *outcomes(): AsyncIterable<{ index: number; outcome: unknown }> {
    let current: { index: number; total: number; parts: Uint8Array[] } | undefined;
    for await (const item of this.query(runKeys.resultPrefix)) {
      const position = runKeys.resultPosition(String(item.sk));
      if (!position) continue;
      const { index, chunk } = position;
      if (current && current.index !== index) {
        yield { index: current.index, outcome: await this.assemble(current) };
        current = undefined;
      }
      current ??= { index, total: Number(item.chunks), parts: [] };
      if (chunk !== current.parts.length) {
        throw new AuditorError(
          `run ${this.runId}: the outcome of target ${index} misses chunk ${current.parts.length}`,
        );
      }
      current.parts.push(item.data as Uint8Array);
    }
    if (current) yield { index: current.index, outcome: await this.assemble(current) };
  }

  private assemble({ index, total, parts }: { index: number; total: number; parts: Uint8Array[] }) {
    return decodeChunks(parts, total, `run ${this.runId}: the outcome of target ${index}`);
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= MAX_RUN_TARGETS) {
      throw new AuditorError(
        `run ${this.runId}: target index ${index} is not a whole number from 0 to ${MAX_RUN_TARGETS - 1}`,
      );
    }
  }

  private get(sk: string): Promise<Item | undefined> {
    return this.table.reading(() => this.table.get({ pk: this.pk, sk }));
  }

  private query(skPrefix: string, projection?: string): AsyncGenerator<Item> {
    return this.table.query({
      pk: this.pk,
      skPrefix,
      consistent: true,
      ...(projection ? { projection } : {}),
    });
  }
}

/**
 * How long a lock must still hold for `releaseAll` to delete it without a condition: far longer than
 * the batch takes, with room for the clocks of two functions to differ.
 */
export const RELEASE_MARGIN_MS = 3_600_000;

/**
 * One run at a time per target: two overlapping runs (a slow run and the next scheduled one) would
 * otherwise both reconcile the same findings and alert twice. A lock expires by itself, so a run that
 * died holding it blocks the target only until `until`.
 */
export class TargetLocks {
  private readonly table: TableClient;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new TableClient(client, tableName);
  }

  /** Conditional put on LOCK#<account>#<region>: succeeds when absent, expired, or already held by runId. */
  async acquire(
    t: Target,
    runId: string,
    until: Date,
    now: Date,
  ): Promise<{ ok: true } | { ok: false; heldBy: string; until: string }> {
    const key = lockKey(t);
    // The table's TTL (whole seconds) doubles as the lock's expiry: rounding up keeps the lock at least
    // until `until`.
    const item = { ...key, runId, until: until.toISOString(), [TTL_ATTRIBUTE]: expiryOf(until) };
    // A lock released between the refused put and the read of its holder is simply tried again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const put = await this.table.conditionally(() =>
        this.table.doc.send(
          new PutCommand({
            TableName: this.table.name,
            Item: item,
            ConditionExpression: `attribute_not_exists(pk) OR ${TTL_ATTRIBUTE} <= :now OR runId = :runId`,
            ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000), ':runId': runId },
          }),
        ),
      );
      if (put) return { ok: true };
      const held = await this.table.reading(() => this.table.get(key));
      if (held) return { ok: false, heldBy: String(held.runId), until: String(held.until) };
    }
    throw new AuditorError(
      `cannot lock ${t.accountId}/${t.region} in state table ${this.table.name}: the lock kept changing`,
    );
  }

  /**
   * Releases the locks `runId` holds among `targets` (the aggregate step: every target of the run)
   * in batches: a consistent BatchGetItem per 100 locks, then a BatchWriteItem per 25 deletions,
   * rather than a conditional DeleteItem each (1,000 targets: ~50 round trips, not 1,000).
   * BatchWriteItem takes no condition, so a lock is deleted that way only when the read shows this
   * run holding it with at least RELEASE_MARGIN_MS left: until it expires no other run can take it
   * (`acquire` takes only an absent or expired lock, or its holder's own), so the item deleted is the
   * one read. A lock with less left is released as `release` does; a lock another run holds, or none,
   * is left alone (the conditional delete would not have landed).
   */
  async releaseAll(targets: readonly Target[], runId: string, now: Date): Promise<void> {
    const held = await this.table.reading(() => this.table.batchGet(distinct(targets.map(lockKey))));
    const mine = held.filter((item) => item.runId === runId);
    const lasting = (item: Item) => Number(item[TTL_ATTRIBUTE]) * 1000 - now.getTime() >= RELEASE_MARGIN_MS;
    const deletions = mine
      .filter(lasting)
      .map((item): WriteRequest => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
    await this.table.writing(() => this.table.batchWrite(deletions));
    for (const item of mine.filter((i) => !lasting(i))) {
      await this.releaseKey({ pk: String(item.pk), sk: String(item.sk) }, runId);
    }
  }

  /** Releases the lock if runId holds it; a lock taken over by another run (or gone) is left alone. */
  async release(t: Target, runId: string): Promise<void> {
    await this.releaseKey(lockKey(t), runId);
  }

  private async releaseKey(Key: ItemKey, runId: string): Promise<void> {
    await this.table.conditionally(() =>
      this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key,
          ConditionExpression: 'runId = :runId',
          ExpressionAttributeValues: { ':runId': runId },
        }),
      ),
    );
  }
}

/** Consecutive failed runs per target, for the "target keeps failing" alarm. */
export class TargetHealth {
  private readonly table: TableClient;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new TableClient(client, tableName);
  }

  /**
   * Records this run's result for the target; returns consecutive failed runs (0 after a success).
   * Recording the same run again (a retried aggregate step) changes nothing and returns the count.
   */
  async record(
    t: Target,
    result: { ok: true } | { ok: false; reason: string },
    runId: string,
    at: Date = new Date(),
  ): Promise<number> {
    const Key = healthKey(t);
    // `lastRunAt` lets `ivschat-audit doctor` tell a recent outcome from a stale one.
    const lastRunAt = at.toISOString();
    const update = result.ok
      ? {
          UpdateExpression:
            'SET consecutiveFailures = :zero, lastRunId = :runId, lastRunAt = :at REMOVE lastError',
          ExpressionAttributeValues: { ':zero': 0, ':runId': runId, ':at': lastRunAt },
        }
      : {
          UpdateExpression:
            'SET consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one, lastError = :reason, lastRunId = :runId, lastRunAt = :at',
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':reason': result.reason,
            ':runId': runId,
            ':at': lastRunAt,
          },
        };
    const updated = await this.table.conditionally(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key,
          ...update,
          ConditionExpression: 'attribute_not_exists(lastRunId) OR lastRunId <> :runId',
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (updated) return Number(updated.Attributes?.consecutiveFailures ?? 0);
    const item = await this.table.reading(() => this.table.get(Key));
    return Number(item?.consecutiveFailures ?? 0);
  }

  /**
   * Records a success for each of `targets`, as `record` does, in batches: a consistent BatchGetItem
   * per 100 targets and a BatchWriteItem per 25, rather than an UpdateItem each (1,000 targets: ~50
   * round trips, not 1,000). A success needs nothing of the stored item but whether this run already
   * recorded it (then it is left as it is: a retried step changes nothing), and leaves the item
   * holding exactly what the put writes (no failures, this run and when, no error), so a whole put is
   * the same item. Only another run's result for the same target can land between the read and the
   * put (a run that cannot enter a target records its failure without taking the lock): the item
   * ends as one of the two orders `record` allows.
   */
  async recordSucceeded(targets: readonly Target[], runId: string, at: Date = new Date()): Promise<void> {
    const keys = distinct(targets.map(healthKey));
    const stored = await this.table.reading(() => this.table.batchGet(keys));
    const recorded = new Set(stored.filter((i) => i.lastRunId === runId).map((i) => String(i.pk)));
    const lastRunAt = at.toISOString();
    function* puts(): Generator<WriteRequest> {
      for (const key of keys) {
        if (recorded.has(key.pk)) continue;
        yield { PutRequest: { Item: { ...key, consecutiveFailures: 0, lastRunId: runId, lastRunAt } } };
      }
    }
    await this.table.writing(() => this.table.batchWrite(puts()));
  }
}

/** Each key once: a batch naming one key twice is refused whole. */
function distinct(keys: readonly ItemKey[]): ItemKey[] {
  return [...new Map(keys.map((k) => [`${k.pk}\n${k.sk}`, k])).values()];
}
