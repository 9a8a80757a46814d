import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { AuditorError } from '../core/errors.js';
import { StringInterner } from '../core/intern.js';
import type { CachedRoom } from '../core/room-cache.js';
import { batchWrite } from './batch-write.js';
import type { RoomCacheStore } from './room-cache-store.js';

/** Room documents in the state table: `pk = ROOM#<account>#<region>`, `sk = <room arn>`. */
export class DynamoRoomCache implements RoomCacheStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async loadRooms(accountId: string, region: string): Promise<Map<string, CachedRoom>> {
    const rooms = new Map<string, CachedRoom>();
    // One copy of each ARN and of each run's fetchedAt, however many rooms: 50,000 entries are loaded.
    const times = new StringInterner(1_000);
    try {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk(accountId, region) },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
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
      }
    } catch (cause) {
      throw new AuditorError(`cannot read room cache from ${this.tableName}: ${(cause as Error).message}`, {
        cause,
      });
    }
    return rooms;
  }

  async saveRooms(
    accountId: string,
    region: string,
    upserts: readonly CachedRoom[],
    removals: readonly string[],
  ): Promise<void> {
    const key = pk(accountId, region);
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
    try {
      await batchWrite(this.doc, this.tableName, requests());
    } catch (cause) {
      throw new AuditorError(`cannot write room cache to ${this.tableName}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
}

function pk(accountId: string, region: string): string {
  return `ROOM#${accountId}#${region}`;
}
