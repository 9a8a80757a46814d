/**
 * The deployed stack's audit trail: one item per change, skip or undo in the state table, per target.
 *
 * Keys: `pk = TRAIL#<account>#<region>`, `sk = <time ISO>#<changeId>`, so one Query returns a target's
 * entries in time order and `read(time)` reads only the recent ones. Each item carries `expiresAt`
 * (the table's TTL): a trail is evidence for audits and reviews, kept a little over a year, not forever.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TrailWriteError } from '../core/errors.js';
import type { Target } from '../core/types.js';
import { reading, writing } from '../state/table-errors.js';
import type { Trail, TrailEntry } from './trail.js';

export const TRAIL_RETAIN_DAYS = 400;

/** How far back a run looks for writes no delivered alert listed (runs whose alert failed). */
export const UNREPORTED_DAYS = 7;

/** The start of the unreported window of a run that started at `startedAt`. */
export const unreportedSince = (startedAt: string): string =>
  new Date(Date.parse(startedAt) - UNREPORTED_DAYS * 86_400_000).toISOString();

export const trailPk = (accountId: string, region: string) => `TRAIL#${accountId}#${region}`;

export class TableTrail implements Trail {
  private readonly doc: DynamoDBDocumentClient;
  private readonly pk: string;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly target: Target,
    private readonly retainDays = TRAIL_RETAIN_DAYS,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.pk = trailPk(target.accountId, target.region);
  }

  async append(entry: TrailEntry): Promise<void> {
    const { accountId, region } = this.target;
    if (entry.accountId !== accountId || entry.region !== region) {
      throw new TrailWriteError(
        `state table ${this.tableName}: change ${entry.changeId} is of ${entry.accountId}/${entry.region}, not of this trail's target ${accountId}/${region}`,
      );
    }
    const expiresAt = Math.floor(Date.parse(entry.time) / 1000) + this.retainDays * 86_400;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...entry, pk: this.pk, sk: `${entry.time}#${entry.changeId}`, expiresAt },
        }),
      );
    } catch (cause) {
      // The change may be made already: whoever reads the log must learn it is not recorded, and of which room.
      throw new TrailWriteError(
        `state table ${this.tableName}: cannot record ${entry.outcome} change ${entry.changeId} of ${entry.roomArn} (${(cause as Error).name}: ${(cause as Error).message}); nothing more is changed`,
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
      await writing(this.tableName, () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: this.pk, sk: `${entry.time}#${entry.changeId}` },
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
    return reading(this.tableName, async () => {
      const entries: { entry: TrailEntry; reported: boolean }[] = [];
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          KeyConditionExpression: from ? 'pk = :pk AND sk >= :from' : 'pk = :pk',
          ExpressionAttributeValues: from ? { ':pk': this.pk, ':from': from } : { ':pk': this.pk },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const { pk: _pk, sk: _sk, expiresAt: _ttl, reported, ...entry } = item;
          entries.push({ entry: entry as TrailEntry, reported: reported === true });
        }
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
