import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomDocument } from '../../lambda/core/types.js';
import { type RoomSnapshot, RoomSnapshotStore } from '../../lambda/state/room-snapshot.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';

const PROD = '111111111111';
const STAGE = '222222222222';
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

/** `count` rooms whose random tags gzip cannot shrink much (~1 KB each). */
function rooms(accountId: string, region: string, count: number): RoomDocument[] {
  return Array.from({ length: count }, (_, i) => ({
    arn: `arn:aws:ivschat:${region}:${accountId}:room/r${i}`,
    id: `r${i}`,
    name: `room-${i}`,
    maximumMessageLength: 500,
    loggingConfigurationIdentifiers: [],
    loggingConfigurations: [],
    tags: { noise: randomBytes(400).toString('hex') },
  }));
}

async function chunkKeys(table: string, pk: string): Promise<string[]> {
  const keys: string[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const out = await dynamo.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ProjectionExpression: 'sk',
        ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
      }),
    );
    keys.push(...(out.Items ?? []).map((i) => String(i.sk?.S)));
    ExclusiveStartKey = out.LastEvaluatedKey as typeof ExclusiveStartKey;
  } while (ExclusiveStartKey);
  return keys;
}

/** A call's input as the middleware sees it: the document client's plain values, or marshalled ones. */
type Input = {
  Item?: Record<string, unknown>;
  ExpressionAttributeValues?: Record<string, unknown>;
};

/** A string attribute of a call's input, plain or marshalled (`{ S }`). */
const text = (value: unknown): string =>
  typeof value === 'string' ? value : String((value as { S?: unknown } | undefined)?.S ?? '');

/** A client of the local table that runs `before` ahead of each call it sends. */
function clientBefore(before: (input: Input) => Promise<void>): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      await before(args.input as Input);
      return next(args);
    },
    { step: 'initialize', name: 'testBefore' },
  );
  return client;
}

/** A client of the local table whose calls that `fails` picks are refused before they are sent. */
function clientFailing(fails: (input: Input) => boolean): DynamoDBClient {
  return clientBefore(async (input) => {
    if (fails(input)) throw new Error('injected failure');
  });
}

async function all(store: RoomSnapshotStore): Promise<RoomSnapshot[]> {
  const found: RoomSnapshot[] = [];
  for await (const s of store.list()) found.push(s);
  return found;
}

describe('RoomSnapshotStore', () => {
  it('round-trips the snapshots of several targets, listed by account then region', async () => {
    const table = await dynamo.createStateTable('snapshot-list');
    const store = new RoomSnapshotStore(dynamo.client, table);
    const prodEu = rooms(PROD, 'eu-west-1', 3);
    const prodUs = rooms(PROD, 'us-east-1', 2);

    await store.put(STAGE, 'us-east-1', '2026-11-26T02:00:00.000Z', []);
    await store.put(PROD, 'us-east-1', '2026-11-26T01:00:00.000Z', prodUs);
    await store.put(PROD, 'eu-west-1', '2026-11-26T01:00:00.000Z', prodEu);

    expect(await all(store)).toEqual([
      { accountId: PROD, region: 'eu-west-1', takenAt: '2026-11-26T01:00:00.000Z', rooms: prodEu },
      { accountId: PROD, region: 'us-east-1', takenAt: '2026-11-26T01:00:00.000Z', rooms: prodUs },
      { accountId: STAGE, region: 'us-east-1', takenAt: '2026-11-26T02:00:00.000Z', rooms: [] },
    ]);
    expect(await store.get(STAGE, 'eu-west-1')).toBeUndefined();
  });

  it('splits 3,000 rooms into several chunks and replaces them with a shorter snapshot, leaving no stale chunk', async () => {
    const table = await dynamo.createStateTable('snapshot-chunks');
    const store = new RoomSnapshotStore(dynamo.client, table);
    const big = rooms(PROD, 'us-east-1', 3_000);

    await store.put(PROD, 'us-east-1', '2026-11-26T01:00:00.000Z', big);
    const keys = await chunkKeys(table, `SNAPSHOT#${PROD}#us-east-1`);
    expect(keys.filter((k) => k.startsWith('CHUNK#')).length).toBeGreaterThanOrEqual(3);
    expect(keys).toContain('META');
    expect((await store.get(PROD, 'us-east-1'))?.rooms).toEqual(big);

    const small = big.slice(0, 2);
    await store.put(PROD, 'us-east-1', '2026-11-26T02:00:00.000Z', small);
    // One chunk, of the new write's generation: the longer snapshot's chunks are all gone.
    expect(await chunkKeys(table, `SNAPSHOT#${PROD}#us-east-1`)).toEqual([
      expect.stringMatching(/^CHUNK#2026-11-26T02:00:00\.000Z\.[0-9a-f]{8}#0000$/),
      'META',
    ]);
    expect(await store.get(PROD, 'us-east-1')).toEqual({
      accountId: PROD,
      region: 'us-east-1',
      takenAt: '2026-11-26T02:00:00.000Z',
      rooms: small,
    });
  });

  it('refuses a snapshot whose chunks belong to another audit than its META (one being replaced)', async () => {
    const table = await dynamo.createStateTable('snapshot-torn');
    const store = new RoomSnapshotStore(dynamo.client, table);
    await store.put(PROD, 'us-east-1', '2026-11-26T01:00:00.000Z', rooms(PROD, 'us-east-1', 2));
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: `SNAPSHOT#${PROD}#us-east-1` },
          sk: { S: 'META' },
          takenAt: { S: '2026-11-26T03:00:00.000Z' },
          rooms: { N: '2' },
          chunks: { N: '1' },
        },
      }),
    );

    await expect(store.get(PROD, 'us-east-1')).rejects.toThrow(
      `the room snapshot of ${PROD}/us-east-1 in state table ${table} is incomplete: an audit is probably replacing it`,
    );
  });

  it('keeps the previous snapshot readable when a write fails before its META', async () => {
    const table = await dynamo.createStateTable('snapshot-failed-write');
    const store = new RoomSnapshotStore(dynamo.client, table);
    const before = rooms(PROD, 'us-east-1', 3_000);
    await store.put(PROD, 'us-east-1', '2026-11-26T01:00:00.000Z', before);

    const failing = clientFailing((input) => text(input.Item?.sk) === 'META');
    const next = rooms(PROD, 'us-east-1', 3_000);
    await expect(
      new RoomSnapshotStore(failing, table).put(PROD, 'us-east-1', '2026-11-26T02:00:00.000Z', next),
    ).rejects.toThrow(/injected/);

    expect(await store.get(PROD, 'us-east-1')).toMatchObject({
      takenAt: '2026-11-26T01:00:00.000Z',
      rooms: before,
    });
    // The next complete write cleans up the failed one's chunks too.
    await store.put(PROD, 'us-east-1', '2026-11-26T03:00:00.000Z', next.slice(0, 1));
    expect((await chunkKeys(table, `SNAPSHOT#${PROD}#us-east-1`)).length).toBe(2);
  });

  it('gives a reader the new snapshot whole when a write replaces it between META and the chunks', async () => {
    const table = await dynamo.createStateTable('snapshot-race');
    const writer = new RoomSnapshotStore(dynamo.client, table);
    const old = rooms(PROD, 'us-east-1', 3_000);
    const fresh = rooms(PROD, 'us-east-1', 10);
    await writer.put(PROD, 'us-east-1', '2026-11-26T01:00:00.000Z', old);
    let replaced = false;
    const reading = clientBefore(async (input) => {
      // The reader's first chunk query: the whole replacement (chunks, META, deletion) lands first.
      if (!replaced && text(input.ExpressionAttributeValues?.[':prefix']).startsWith('CHUNK#')) {
        replaced = true;
        await writer.put(PROD, 'us-east-1', '2026-11-26T02:00:00.000Z', fresh);
      }
    });

    const read = await new RoomSnapshotStore(reading, table).get(PROD, 'us-east-1');

    expect(replaced).toBe(true);
    expect(read).toMatchObject({ takenAt: '2026-11-26T02:00:00.000Z', rooms: fresh });
  });

  it("never lets an older audit that finishes late replace a newer audit's snapshot", async () => {
    const table = await dynamo.createStateTable('snapshot-late');
    const store = new RoomSnapshotStore(dynamo.client, table);
    const newer = rooms(PROD, 'us-east-1', 2);
    await store.put(PROD, 'us-east-1', '2026-11-26T02:00:00.000Z', newer);

    await store.put(PROD, 'us-east-1', '2026-11-26T01:00:00.000Z', rooms(PROD, 'us-east-1', 5));

    expect(await store.get(PROD, 'us-east-1')).toMatchObject({
      takenAt: '2026-11-26T02:00:00.000Z',
      rooms: newer,
    });
    expect((await chunkKeys(table, `SNAPSHOT#${PROD}#us-east-1`)).length).toBe(2);
  });

  it("keeps a newer audit's chunks that an older audit finds written but not yet switched to", async () => {
    const table = await dynamo.createStateTable('snapshot-interleaved');
    const older = new RoomSnapshotStore(dynamo.client, table);
    const olderRooms = rooms(PROD, 'us-east-1', 5);
    const newerRooms = rooms(PROD, 'us-east-1', 3);
    let interleaved = false;
    // The newer write has put its chunks; just before its META, the older write runs whole.
    const newerClient = clientBefore(async (input) => {
      if (!interleaved && text(input.Item?.sk) === 'META') {
        interleaved = true;
        await older.put(PROD, 'us-east-1', '2026-11-26T01:00:00.000Z', olderRooms);
      }
    });

    await new RoomSnapshotStore(newerClient, table).put(
      PROD,
      'us-east-1',
      '2026-11-26T02:00:00.000Z',
      newerRooms,
    );

    expect(interleaved).toBe(true);
    expect(await older.get(PROD, 'us-east-1')).toMatchObject({
      takenAt: '2026-11-26T02:00:00.000Z',
      rooms: newerRooms,
    });
    // The newer generation's one chunk and META: the older write's chunk is gone.
    expect(await chunkKeys(table, `SNAPSHOT#${PROD}#us-east-1`)).toEqual([
      expect.stringMatching(/^CHUNK#2026-11-26T02:00:00\.000Z\.[0-9a-f]{8}#0000$/),
      'META',
    ]);
  });

  it('reads a snapshot stored before generations, and the next write replaces it', async () => {
    const table = await dynamo.createStateTable('snapshot-legacy');
    const store = new RoomSnapshotStore(dynamo.client, table);
    const legacy = rooms(PROD, 'us-east-1', 2);
    const pk = { S: `SNAPSHOT#${PROD}#us-east-1` };
    const data = gzipSync(JSON.stringify(legacy));
    await dynamo.client.send(
      new PutItemCommand({ TableName: table, Item: { pk, sk: { S: 'CHUNK#0000' }, data: { B: data } } }),
    );
    const meta = { takenAt: { S: '2026-11-25T00:00:00.000Z' }, rooms: { N: '2' }, chunks: { N: '1' } };
    await dynamo.client.send(
      new PutItemCommand({ TableName: table, Item: { pk, sk: { S: 'META' }, ...meta } }),
    );

    expect((await store.get(PROD, 'us-east-1'))?.rooms).toEqual(legacy);

    await store.put(PROD, 'us-east-1', '2026-11-26T01:00:00.000Z', []);
    expect(await chunkKeys(table, `SNAPSHOT#${PROD}#us-east-1`)).not.toContain('CHUNK#0000');
    expect((await store.get(PROD, 'us-east-1'))?.rooms).toEqual([]);
  });

  it('lets a snapshot not replaced for 30 days expire, and reads it as absent once expired', async () => {
    const table = await dynamo.createStateTable('snapshot-expiry');
    const written = new Date('2026-11-01T00:00:00.000Z');
    const writer = new RoomSnapshotStore(dynamo.client, table, () => written);
    await writer.put(PROD, 'us-east-1', written.toISOString(), rooms(PROD, 'us-east-1', 2));
    const expiresAt = written.getTime() / 1000 + 30 * 86_400;
    const items = await dynamo.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `SNAPSHOT#${PROD}#us-east-1` } },
      }),
    );
    expect(items.Items?.map((i) => Number(i.expiresAt?.N))).toEqual([expiresAt, expiresAt]);

    const at = (iso: string) => new RoomSnapshotStore(dynamo.client, table, () => new Date(iso));
    expect((await at('2026-11-30T23:59:59.000Z').get(PROD, 'us-east-1'))?.rooms).toHaveLength(2);
    expect(await at('2026-12-01T00:00:00.000Z').get(PROD, 'us-east-1')).toBeUndefined();
    expect(await all(at('2026-12-01T00:00:00.000Z'))).toEqual([]);
  });

  it('refuses a snapshot missing one of its chunks', async () => {
    const table = await dynamo.createStateTable('snapshot-missing');
    const store = new RoomSnapshotStore(dynamo.client, table);
    await store.put(PROD, 'us-east-1', '2026-11-26T01:00:00.000Z', rooms(PROD, 'us-east-1', 3_000));
    const keys = await chunkKeys(table, `SNAPSHOT#${PROD}#us-east-1`);
    const second = keys.find((k) => k.endsWith('#0001')) as string;
    await dynamo.client.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { pk: { S: `SNAPSHOT#${PROD}#us-east-1` }, sk: { S: second } },
      }),
    );

    await expect(all(store)).rejects.toThrow(/is incomplete/);
  });

  it('names the table when it cannot be read', async () => {
    const store = new RoomSnapshotStore(dynamo.client, 'no-such-table');
    await expect(all(store)).rejects.toThrow(/^cannot read state table no-such-table: /);
  });
});
