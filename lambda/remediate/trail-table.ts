/**
 * The deployed stack's audit trail: one item per change, skip or undo in the state table, per target.
 *
 * Keys: `pk = TRAIL#<account>#<region>`, `sk = <time ISO>#<changeId>`, so one Query returns a target's
 * entries in time order and `since(time)` reads only the recent ones. Each item carries `expiresAt`
 * (the table's TTL): a trail is evidence for audits and reviews, kept a little over a year, not forever.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { TrailWriteError } from '../core/errors.js';
import { reading } from '../state/table-errors.js';
import type { Trail, TrailEntry } from './trail.js';

export const TRAIL_RETAIN_DAYS = 400;

export const trailPk = (accountId: string, region: string) => `TRAIL#${accountId}#${region}`;

export class TableTrail implements Trail {
  private readonly doc: DynamoDBDocumentClient;
  private readonly pk: string;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly target: { accountId: string; region: string },
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

  entries(): Promise<TrailEntry[]> {
    return this.query();
  }

  /** The entries recorded at or after `time` (ISO 8601), oldest first. */
  since(time: string): Promise<TrailEntry[]> {
    return this.query(time);
  }

  private query(from?: string): Promise<TrailEntry[]> {
    return reading(this.tableName, async () => {
      const entries: TrailEntry[] = [];
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
          const { pk: _pk, sk: _sk, expiresAt: _ttl, ...entry } = item;
          entries.push(entry as TrailEntry);
        }
      }
      return entries;
    });
  }
}
