/**
 * What each CloudFormation stack declares for its rooms (iac/drift.ts `StackRooms`), kept per stack
 * version for the IaC drift check: GetTemplate is asked again only when DescribeStacks shows a newer
 * last update. The translated rooms are kept, not the template: a processed template may be 1 MB,
 * past DynamoDB's 400 KB item, while its rooms are a few hundred bytes each, and the translation is
 * fixed for a stack version (its template, deployed parameters and stack tags change only with an
 * update). Item `pk = IACSTACK#<account>#<region>`, `sk = <stack id>`, `{ lastUpdated, rooms,
 * expiresAt }`; a stack left unread for `STACK_ROOMS_DAYS` days expires and is simply read again.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Target } from '../core/types.js';
import type { StackRooms } from '../iac/drift.js';
import { expiresAfterDays, stackRoomsKey, TTL_ATTRIBUTE } from './keys.js';
import { TableClient } from './table-client.js';

/** How long an entry is kept after it was last written. */
export const STACK_ROOMS_DAYS = 30;
/** Entries larger than this are not kept (a stack of hundreds of rooms): the stack is read each run. */
export const STACK_ROOMS_MAX_CHARS = 300_000;

/** The kept translations of the stacks of each target. */
export interface StackRoomsStore {
  get(target: Target, stackId: string): Promise<StackRooms | undefined>;
  put(target: Target, stackId: string, rooms: StackRooms, now: Date): Promise<void>;
}

/** In memory: the CLI's runs and the tests. */
export class MemoryStackRooms implements StackRoomsStore {
  private readonly entries = new Map<string, StackRooms>();

  async get(target: Target, stackId: string): Promise<StackRooms | undefined> {
    return this.entries.get(keyOf(target, stackId));
  }

  async put(target: Target, stackId: string, rooms: StackRooms): Promise<void> {
    this.entries.set(keyOf(target, stackId), rooms);
  }
}

export class DynamoStackRooms implements StackRoomsStore {
  private readonly table: TableClient;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new TableClient(client, tableName);
  }

  async get(target: Target, stackId: string): Promise<StackRooms | undefined> {
    const item = await this.table.reading(() => this.table.get(stackRoomsKey(target, stackId)));
    if (!item || typeof item.rooms !== 'string') return undefined;
    try {
      return JSON.parse(item.rooms) as StackRooms;
    } catch {
      return undefined; // unreadable: read the stack again
    }
  }

  async put(target: Target, stackId: string, rooms: StackRooms, now: Date): Promise<void> {
    const text = JSON.stringify(rooms);
    if (text.length > STACK_ROOMS_MAX_CHARS) return;
    await this.table.writing(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...stackRoomsKey(target, stackId),
            lastUpdated: rooms.lastUpdated,
            rooms: text,
            [TTL_ATTRIBUTE]: expiresAfterDays(now.getTime(), STACK_ROOMS_DAYS),
          },
        }),
      ),
    );
  }
}

function keyOf(target: Target, stackId: string): string {
  return `${target.accountId}\n${target.region}\n${stackId}`;
}
