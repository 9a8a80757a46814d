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
/**
 * Entries larger than this, in UTF-8 bytes as DynamoDB counts its 400 KB item, are not kept (a stack
 * of hundreds of rooms): the stack is read each run.
 */
export const STACK_ROOMS_MAX_BYTES = 300_000;

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
    let value: unknown;
    try {
      value = JSON.parse(item.rooms);
    } catch {
      return undefined; // unreadable: read the stack again
    }
    // A value read back from the table is checked before use: any other shape is read again.
    return isStackRooms(value) ? value : undefined;
  }

  async put(target: Target, stackId: string, rooms: StackRooms, now: Date): Promise<void> {
    const text = JSON.stringify(rooms);
    if (Buffer.byteLength(text, 'utf8') > STACK_ROOMS_MAX_BYTES) return;
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

/** The shape `put` writes: strings where it writes strings, each room an object of its three parts. */
export function isStackRooms(value: unknown): value is StackRooms {
  if (!isRecord(value)) return false;
  if (typeof value.lastUpdated !== 'string' || typeof value.stackName !== 'string') return false;
  if (value.stackStatus !== undefined && typeof value.stackStatus !== 'string') return false;
  if (!isRecord(value.tags) || !Object.values(value.tags).every((v) => typeof v === 'string')) return false;
  if (!isRecord(value.rooms)) return false;
  return Object.values(value.rooms).every(
    (room) =>
      isRecord(room) &&
      isRecord(room.document) &&
      isRecord(room.unresolved) &&
      Object.values(room.unresolved).every((v) => typeof v === 'string') &&
      Array.isArray(room.properties) &&
      room.properties.every((p) => typeof p === 'string'),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function keyOf(target: Target, stackId: string): string {
  return `${target.accountId}\n${target.region}\n${stackId}`;
}
