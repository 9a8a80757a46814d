/**
 * Targets whose full audit is due: the change path saw more changed rooms in one batch than it may
 * audit (`changeMaxRooms`, a storm such as a deploy touching every room) and left the rest to the
 * scheduled audit. Item `pk = FULLAUDIT#<account>#<region>`, `sk = DUE`, `{ since, rooms, expiresAt }`.
 * The next complete scheduled audit of the target clears it; `expiresAt` (the table's TTL) removes a
 * mark nothing cleared, as every schedule audits the whole target anyway.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Target } from '../core/types.js';
import { expiresAfterDays, fullAuditDueKey, TTL_ATTRIBUTE } from './keys.js';
import { TableClient } from './table-client.js';

/** How long a mark lives when no complete audit clears it. */
export const FULL_AUDIT_DUE_DAYS = 7;

export interface FullAuditDueMark {
  /** When the first storm not yet covered by a complete audit was seen (ISO 8601). */
  since: string;
  /** Rooms left unaudited by the change path since then (summed over storms). */
  rooms: number;
}

export class FullAuditDue {
  private readonly table: TableClient;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new TableClient(client, tableName);
  }

  /** Records that `rooms` changed rooms of the target were left to its next full audit. */
  async mark(target: Target, rooms: number, now: Date): Promise<void> {
    const expiry = expiresAfterDays(now.getTime(), FULL_AUDIT_DUE_DAYS);
    await this.table.writing(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: fullAuditDueKey(target),
          // The earliest storm is kept: an audit that started before it does not cover it.
          UpdateExpression: `SET since = if_not_exists(since, :now), ${TTL_ATTRIBUTE} = :exp ADD rooms :rooms`,
          ExpressionAttributeValues: { ':now': now.toISOString(), ':exp': expiry, ':rooms': rooms },
        }),
      ),
    );
  }

  async get(target: Target): Promise<FullAuditDueMark | undefined> {
    const item = await this.table.reading(() => this.table.get(fullAuditDueKey(target)));
    return item ? { since: String(item.since), rooms: Number(item.rooms) } : undefined;
  }

  /**
   * Clears the mark after a complete audit of the target that started at `auditStartedAt`; a mark
   * set after that start (a storm during the audit) stays for the next one. True when cleared.
   */
  async clear(target: Target, auditStartedAt: string): Promise<boolean> {
    const cleared = await this.table.conditionally(async () => {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: fullAuditDueKey(target),
          ConditionExpression: 'attribute_exists(pk) AND since <= :started',
          ExpressionAttributeValues: { ':started': auditStartedAt },
        }),
      );
      return true;
    });
    return cleared ?? false;
  }
}
