import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StringInterner } from '../core/intern.js';
import type { CachedRoom } from '../core/room-cache.js';
import { roomCacheKeys } from './keys.js';
import type { RoomCacheStore } from './room-cache-store.js';
import { TableClient } from './table-client.js';
import { translated } from './table-errors.js';

/** Room documents in the state table: `pk = ROOM#<account>#<region>`, `sk = <room arn>` (keys.ts). */
export class DynamoRoomCache implements RoomCacheStore {
  private readonly table: TableClient;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new TableClient(client, tableName);
  }

  async loadRooms(accountId: string, region: string): Promise<Map<string, CachedRoom>> {
    const rooms = new Map<string, CachedRoom>();
    // One copy of each ARN and of each run's fetchedAt, however many rooms: 50,000 entries are loaded.
    const times = new StringInterner(1_000);
    const source = `room cache from ${this.table.name}`;
    await translated(`read ${source}`, async () => {
      for await (const item of this.table.query({ pk: roomCacheKeys.pk({ accountId, region }), source })) {
        const arn = String(item.sk);
        const doc = JSON.parse(String(item.doc)) as CachedRoom['doc'];
        doc.arn = arn;
        const fetchedAt = times.intern(String(item.fetchedAt));
        rooms.set(
          arn,
          item.updateTime
            ? { arn, updateTime: String(item.updateTime), fetchedAt, doc }
            : { arn, fetchedAt, doc },
        );
      }
    });
    return rooms;
  }

  async saveRooms(
    accountId: string,
    region: string,
    upserts: readonly CachedRoom[],
    removals: readonly string[],
  ): Promise<void> {
    const key = roomCacheKeys.pk({ accountId, region });
    // Built batch by batch as they are written: a first audit upserts every room.
    function* requests() {
      // The document is stored as a JSON string: its shape is the API's, not ours to map.
      for (const r of upserts) {
        const Item = {
          pk: key,
          sk: r.arn,
          updateTime: r.updateTime,
          fetchedAt: r.fetchedAt,
          doc: JSON.stringify(r.doc),
        };
        yield { PutRequest: { Item } };
      }
      for (const arn of removals) yield { DeleteRequest: { Key: { pk: key, sk: arn } } };
    }
    await translated(`write room cache to ${this.table.name}`, () => this.table.batchWrite(requests()));
  }
}
