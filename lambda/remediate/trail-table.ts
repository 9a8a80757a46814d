/**
 * The deployed stack's audit trail: one item per change, skip or undo in the state table, per target.
 *
 * Keys (keys.ts): `pk = TRAIL#<account>#<region>`, `sk = <time ISO>#<changeId>`, so one Query returns a target's
 * entries in time order and `read(time)` reads only the recent ones. Each item carries `expiresAt`
 * (the table's TTL): a trail is evidence for audits and reviews, kept a little over a year, not forever.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TrailWriteError } from '../core/errors.js';
import type { Target } from '../core/types.js';
import { expiresAfterDays, TTL_ATTRIBUTE, trailKeys } from '../state/keys.js';
import { TableClient } from '../state/table-client.js';
import type { Trail, TrailEntry } from './trail.js';

export const TRAIL_RETAIN_DAYS = 400;

/** How far back a run looks for writes no delivered alert listed (runs whose alert failed). */
export const UNREPORTED_DAYS = 7;

/** The start of the unreported window of a run that started at `startedAt`. */
export const unreportedSince = (startedAt: string): string =>
  new Date(Date.parse(startedAt) - UNREPORTED_DAYS * 86_400_000).toISOString();

export class TableTrail implements Trail {
  private readonly table: TableClient;
  private readonly pk: string;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    private readonly target: Target,
    private readonly retainDays = TRAIL_RETAIN_DAYS,
  ) {
    this.table = new TableClient(client, tableName);
    this.pk = trailKeys.pk(target);
  }

  async append(entry: TrailEntry): Promise<void> {
    const { accountId, region } = this.target;
    if (entry.accountId !== accountId || entry.region !== region) {
      throw new TrailWriteError(
        `state table ${this.table.name}: change ${entry.changeId} is of ${entry.accountId}/${entry.region}, not of this trail's target ${accountId}/${region}`,
      );
    }
    const expiry = expiresAfterDays(Date.parse(entry.time), this.retainDays);
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...entry, pk: this.pk, sk: trailKeys.sk(entry), [TTL_ATTRIBUTE]: expiry },
        }),
      );
    } catch (cause) {
      // The change may be made already: whoever reads the log must learn it is not recorded, and of which room.
      throw new TrailWriteError(
        `state table ${this.table.name}: cannot record ${entry.outcome} change ${entry.changeId} of ${entry.roomArn} (${(cause as Error).name}: ${(cause as Error).message}); nothing more is changed`,
        { cause },
      );
    }
  }

  async entries(): Promise<TrailEntry[]> {
    return (await this.query()).map(({ entry }) => entry);
  }

  /** The entries recorded at or after `time` (ISO 8601), oldest first, each with whether a delivered alert listed it. */
  read(time: string): Promise<{ entry: TrailEntry; reported: boolean }[]> {
    return this.query(time);
  }

  /** Marks the writes recorded at or after `time` as listed by a delivered alert; returns how many. */
  async markReported(time: string): Promise<number> {
    const items = (await this.query(time)).filter((i) => !i.reported && isWrite(i.entry));
    for (const { entry } of items) {
      await this.table.writing(() =>
        this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: { pk: this.pk, sk: trailKeys.sk(entry) },
            UpdateExpression: 'SET reported = :yes',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':yes': true },
          }),
        ),
      );
    }
    return items.length;
  }

  private query(from?: string): Promise<{ entry: TrailEntry; reported: boolean }[]> {
    return this.table.reading(async () => {
      const entries: { entry: TrailEntry; reported: boolean }[] = [];
      for await (const item of this.table.query({ pk: this.pk, ...(from ? { skFrom: from } : {}) })) {
        // The item is the entry as appended, plus its keys, its TTL and whether an alert listed it.
        const { pk: _pk, sk: _sk, [TTL_ATTRIBUTE]: _ttl, reported, ...entry } = item;
        entries.push({ entry: entry as unknown as TrailEntry, reported: reported === true });
      }
      return entries;
    });
  }
}

/** The writes among `items` that no delivered alert listed yet. */
export function unreportedWrites(items: readonly { entry: TrailEntry; reported: boolean }[]): TrailEntry[] {
  return items.filter((i) => !i.reported && isWrite(i.entry)).map(({ entry }) => entry);
}

/** A change the auditor made or tried to make (what people must hear of), not a skip or an undo. */
function isWrite(entry: TrailEntry): boolean {
  return entry.kind === 'fix' && entry.outcome !== 'skipped';
}
