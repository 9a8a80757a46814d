import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GzipJsonArray } from '../../lambda/state/chunks.js';
import { RunListingStore } from '../../lambda/state/run-listing.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';

const NOW = new Date('2026-11-26T00:00:00.000Z');
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const arn = (i: number) => `arn:aws:ivschat:us-east-1:111122223333:room/r${String(i).padStart(11, '0')}`;

function summaries(count: number): GzipJsonArray {
  const rooms = new GzipJsonArray();
  for (let i = 0; i < count; i++) rooms.push({ arn: arn(i), name: `room-${i}`, tags: { owner: 'team' } });
  return rooms;
}

describe('RunListingStore', () => {
  it('has no progress for a target whose listing was never kept', async () => {
    const store = new RunListingStore(dynamo.client, dynamo.tableName, 'run-none', 0);
    expect(await store.progress()).toBeUndefined();
  });

  it('refuses progress and a queue it did not write, naming the run and the target', async () => {
    const store = new RunListingStore(dynamo.client, dynamo.tableName, 'run-forged', 2, { now: () => NOW });
    const saved = await store.save({ rooms: summaries(3), queue: [arn(0), arn(1)] }, undefined);
    const meta = (fields: Record<string, { N: string } | { S: string }>) =>
      dynamo.client.send(
        new PutItemCommand({
          TableName: dynamo.tableName,
          Item: { pk: { S: 'RUN#run-forged' }, sk: { S: 'LISTING#000002#META' }, ...fields },
        }),
      );
    await meta({ generation: { N: '1' }, listed: { N: '3' }, queued: { N: '2' }, fetched: { S: 'lots' } });
    await expect(store.progress()).rejects.toThrow(
      /run run-forged: the progress of target 2 is not one this auditor wrote/,
    );
    await meta({ generation: { N: '1' }, listed: { N: '3' }, queued: { N: '2' }, fetched: { N: '5' } });
    await expect(store.progress()).rejects.toThrow(/is not one this auditor wrote/);

    const other = new RunListingStore(dynamo.client, dynamo.tableName, 'run-forged-queue', 0, {
      now: () => NOW,
    });
    const forged = await other.save({ rooms: summaries(1), queue: [42 as unknown as string] }, undefined);
    await expect(other.queue(forged)).rejects.toThrow(
      'run run-forged-queue: the queue of target 0 is not a list of room ARNs this auditor wrote',
    );
    expect(await store.rooms(saved)).toHaveLength(3);
  });

  it('reads back the rooms, the token and the queue it kept, and moves the queue on', async () => {
    const store = new RunListingStore(dynamo.client, dynamo.tableName, 'run-1', 3, { now: () => NOW });
    const queue = Array.from({ length: 20_000 }, (_, i) => arn(i));
    const saved = await store.save({ rooms: summaries(20_000), nextToken: 'tok', queue }, undefined);
    expect(saved).toEqual({ generation: 1, listed: 20_000, nextToken: 'tok', queued: 20_000, fetched: 0 });

    const progress = await store.progress();
    expect(progress).toEqual(saved);
    const rooms = await store.rooms(saved);
    expect(rooms).toHaveLength(20_000);
    expect(rooms[19_999]).toEqual({ arn: arn(19_999), name: 'room-19999', tags: { owner: 'team' } });

    const moved = await store.advance(saved, 12_000);
    expect(await store.progress()).toEqual(moved);
    expect(await store.queue(moved)).toEqual(queue.slice(12_000));
  });

  it('replaces the listing with a new generation, the earlier one left to the TTL', async () => {
    const store = new RunListingStore(dynamo.client, dynamo.tableName, 'run-2', 0, { now: () => NOW });
    const first = await store.save({ rooms: summaries(300), nextToken: 'a', queue: [arn(1)] }, undefined);
    const second = await store.save({ rooms: summaries(120), queue: [arn(2), arn(3)] }, first);
    expect(second).toEqual({ generation: 2, listed: 120, queued: 2, fetched: 0 });
    expect(await store.progress()).toEqual(second);
    expect(await store.rooms(second)).toHaveLength(120);
    expect(await store.queue(second)).toEqual([arn(2), arn(3)]);

    // Every item carries the run's TTL (7 days).
    const out = await dynamo.client.send(
      new QueryCommand({
        TableName: dynamo.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'RUN#run-2' } },
      }),
    );
    const expiries = new Set((out.Items ?? []).map((i) => i.expiresAt?.N));
    expect([...expiries]).toEqual([String(NOW.getTime() / 1000 + 7 * 86_400)]);
  });
});
