import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackRooms } from '../../lambda/iac/drift.js';
import { DynamoStackRooms, STACK_ROOMS_MAX_BYTES } from '../../lambda/state/stack-rooms.js';
import { TableClient } from '../../lambda/state/table-client.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';

const TARGET = { accountId: '123456789012', region: 'us-east-1' };
const STACK_ID =
  'arn:aws:cloudformation:us-east-1:123456789012:stack/Chat/6b2c0f50-0000-4000-8000-000000000001';
const ROOMS: StackRooms = {
  lastUpdated: '2026-12-01T00:00:00.000Z',
  stackName: 'Chat',
  tags: { team: 'video' },
  rooms: {
    Lobby: {
      document: { arn: 'cloudformation:Chat/Lobby', maximumMessageLength: 500 },
      unresolved: {},
      properties: [],
    },
  },
};
let dynamo: LocalDynamo;
let tables = 0;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo?.close());

describe('DynamoStackRooms (IACSTACK# items)', () => {
  it('keeps a stack translation per target and stack id, with a TTL, and reads it back', async () => {
    const name = await dynamo.createStateTable(`stacks-${++tables}`);
    const store = new DynamoStackRooms(dynamo.client, name);
    expect(await store.get(TARGET, STACK_ID)).toBeUndefined();
    await store.put(TARGET, STACK_ID, ROOMS, new Date('2026-12-06T00:00:00Z'));
    expect(await store.get(TARGET, STACK_ID)).toEqual(ROOMS);
    expect(await store.get({ ...TARGET, region: 'eu-west-1' }, STACK_ID)).toBeUndefined();
    const item = await new TableClient(dynamo.client, name).doc.send(
      new GetCommand({
        TableName: name,
        Key: { pk: `IACSTACK#${TARGET.accountId}#${TARGET.region}`, sk: STACK_ID },
      }),
    );
    expect(item.Item).toMatchObject({ lastUpdated: ROOMS.lastUpdated, expiresAt: expect.any(Number) });
  });

  it('does not keep a translation past its size limit (the stack is read again instead)', async () => {
    const name = await dynamo.createStateTable(`stacks-${++tables}`);
    const store = new DynamoStackRooms(dynamo.client, name);
    const huge = { ...ROOMS, tags: { big: 'x'.repeat(STACK_ROOMS_MAX_BYTES) } };
    await store.put(TARGET, STACK_ID, huge, new Date());
    expect(await store.get(TARGET, STACK_ID)).toBeUndefined();
  });

  it('counts the size limit in UTF-8 bytes, as DynamoDB does', async () => {
    const name = await dynamo.createStateTable(`stacks-${++tables}`);
    const store = new DynamoStackRooms(dynamo.client, name);
    // Fewer characters than the limit, but two bytes each: past it.
    const wide = { ...ROOMS, tags: { big: 'é'.repeat(STACK_ROOMS_MAX_BYTES / 2 + 1) } };
    await store.put(TARGET, STACK_ID, wide, new Date());
    expect(await store.get(TARGET, STACK_ID)).toBeUndefined();
  });

  it('treats an entry of any other shape as absent, never a value to use', async () => {
    const name = await dynamo.createStateTable(`stacks-${++tables}`);
    const store = new DynamoStackRooms(dynamo.client, name);
    const table = new TableClient(dynamo.client, name);
    const key = { pk: `IACSTACK#${TARGET.accountId}#${TARGET.region}`, sk: STACK_ID };
    const corrupt = [
      { lastUpdated: ROOMS.lastUpdated, stackName: 'Chat' },
      { ...ROOMS, rooms: null },
      { ...ROOMS, rooms: { Lobby: null } },
      { ...ROOMS, rooms: { Lobby: { document: {}, unresolved: {}, properties: 'Name' } } },
      { ...ROOMS, lastUpdated: 1 },
      { ...ROOMS, tags: [] },
      { ...ROOMS, stackStatus: {} },
      [],
      null,
      'text',
    ];
    for (const value of corrupt) {
      await table.doc.send(
        new PutCommand({
          TableName: name,
          Item: { ...key, lastUpdated: ROOMS.lastUpdated, rooms: JSON.stringify(value) },
        }),
      );
      expect(await store.get(TARGET, STACK_ID), JSON.stringify(value)).toBeUndefined();
    }
  });
});
