import { Readable } from 'node:stream';
import {
  AccessDeniedException,
  GetRoomCommand,
  IvschatClient,
  ListRoomsCommand,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-ivschat';
import { HttpResponse } from '@smithy/protocol-http';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type InventoryOptions, inventoryRegion } from '../../lambda/aws/inventory.js';
import { withApiBudget } from '../../lambda/aws/rate-limit.js';
import { ACCOUNT } from '../fixtures.js';

const arn = (id: string, region = 'us-east-1') => `arn:aws:ivschat:${region}:${ACCOUNT}:room/${id}`;
const summary = (id: string) => ({
  arn: arn(id),
  id,
  name: `room-${id}`,
  tags: {},
  loggingConfigurationIdentifiers: [],
});
const getRoomOutput = (id: string) => ({
  ...summary(id),
  maximumMessageLength: 500,
  maximumMessageRatePerSecond: 10,
  createTime: new Date('2026-01-01T00:00:00Z'),
  updateTime: new Date('2026-01-02T00:00:00Z'),
  $metadata: {},
});

const ivschat = mockClient(IvschatClient);

/** inventoryRegion in us-east-1 against the mocked client, with any other options. */
const mockedInventory = (options: Partial<InventoryOptions> = {}) =>
  inventoryRegion({ region: 'us-east-1', accountId: ACCOUNT, client: new IvschatClient({}), ...options });
afterEach(() => ivschat.reset());

describe('inventoryRegion', () => {
  it('reads every ListRooms page and fetches each room once', async () => {
    const pages: Record<string, { rooms: ReturnType<typeof summary>[]; nextToken?: string }> = {
      first: { rooms: [summary('A1'), summary('A2')], nextToken: 'p2' },
      p2: { rooms: [summary('A3')], nextToken: 'p3' },
      p3: { rooms: [summary('A4')] },
    };
    const requested: string[] = [];
    ivschat.on(ListRoomsCommand).callsFake(async (input) => {
      requested.push(`${input.nextToken ?? 'first'}/${input.maxResults}`);
      return pages[input.nextToken ?? 'first'];
    });
    ivschat
      .on(GetRoomCommand)
      .callsFake(async (input) => getRoomOutput(String(input.identifier).split('/')[1] ?? ''));

    const result = await mockedInventory();

    expect(result.complete).toBe(true);
    expect(result.calls).toEqual({ listRooms: 3, getRoom: 4 });
    expect(result.rooms.map((r) => r.id).sort()).toEqual(['A1', 'A2', 'A3', 'A4']);
    expect(requested).toEqual(['first/50', 'p2/50', 'p3/50']);
  });

  it('normalises the GetRoom output to the room document: ISO dates, no SDK metadata', async () => {
    ivschat.on(ListRoomsCommand).resolves({ rooms: [summary('A1')] });
    ivschat.on(GetRoomCommand).resolves(getRoomOutput('A1'));
    const { rooms } = await mockedInventory();
    expect(rooms[0]).toEqual({
      ...summary('A1'),
      maximumMessageLength: 500,
      maximumMessageRatePerSecond: 10,
      createTime: '2026-01-01T00:00:00.000Z',
      updateTime: '2026-01-02T00:00:00.000Z',
    });
  });

  it('skips and counts a room deleted between ListRooms and GetRoom, without an error', async () => {
    ivschat.on(ListRoomsCommand).resolves({ rooms: [summary('A1'), summary('Gone')] });
    ivschat.on(GetRoomCommand, { identifier: arn('A1') }).resolves(getRoomOutput('A1'));
    ivschat
      .on(GetRoomCommand, { identifier: arn('Gone') })
      .rejects(new ResourceNotFoundException({ message: 'room not found', $metadata: {} } as never));

    const result = await mockedInventory();

    expect(result).toMatchObject({ complete: true, errors: [], deleted: [arn('Gone')] });
    expect(result.rooms.map((r) => r.id)).toEqual(['A1']);
  });

  it('reports access denied as an error of the region instead of throwing', async () => {
    ivschat
      .on(ListRoomsCommand)
      .rejects(
        new AccessDeniedException({ message: 'not authorized to perform ivschat:ListRooms', $metadata: {} }),
      );
    const result = await inventoryRegion({
      region: 'eu-west-1',
      accountId: ACCOUNT,
      client: new IvschatClient({}),
    });
    expect(result.complete).toBe(false);
    expect(result.errors).toEqual([
      {
        region: 'eu-west-1',
        operation: 'ListRooms',
        code: 'AccessDeniedException',
        message: 'not authorized to perform ivschat:ListRooms',
      },
    ]);
  });

  it('records a room whose GetRoom keeps failing as an error naming the room, and audits the others', async () => {
    ivschat.on(ListRoomsCommand).resolves({ rooms: [summary('A1'), summary('Busy')] });
    ivschat.on(GetRoomCommand, { identifier: arn('A1') }).resolves(getRoomOutput('A1'));
    ivschat
      .on(GetRoomCommand, { identifier: arn('Busy') })
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} } as never));
    const result = await mockedInventory();
    expect(result.complete).toBe(false);
    expect(result.rooms.map((r) => r.id)).toEqual(['A1']);
    expect(result.errors).toEqual([
      expect.objectContaining({ roomArn: arn('Busy'), code: 'ThrottlingException' }),
    ]);
  });

  it('stops starting GetRoom calls when told to, listing the rooms not reached', async () => {
    ivschat.on(ListRoomsCommand).resolves({ rooms: ['A1', 'A2', 'A3'].map(summary) });
    ivschat
      .on(GetRoomCommand)
      .callsFake(async (input) => getRoomOutput(String(input.identifier).split('/')[1] ?? ''));
    let calls = 0;
    const result = await mockedInventory({
      concurrency: 1,
      shouldStop: () => calls++ >= 1,
    });
    expect(result.complete).toBe(false);
    expect(result.rooms).toHaveLength(1);
    expect(result.notReached).toEqual([arn('A2'), arn('A3')]);
  });

  it('uses a cached document instead of GetRoom when the resolver supplies one', async () => {
    ivschat.on(ListRoomsCommand).resolves({ rooms: [summary('A1'), summary('A2')] });
    ivschat
      .on(GetRoomCommand)
      .callsFake(async (input) => getRoomOutput(String(input.identifier).split('/')[1] ?? ''));
    const result = await mockedInventory({
      resolve: (s) => (s.id === 'A1' ? { ...s, maximumMessageLength: 100 } : undefined),
    });
    expect(result.calls.getRoom).toBe(1);
    expect(result.rooms.find((r) => r.id === 'A1')?.maximumMessageLength).toBe(100);
  });
});

describe('inventoryRegion: rooms the list did not show', () => {
  it('audits a known room the list missed (updated while the pages were read) instead of calling it deleted', async () => {
    ivschat.on(ListRoomsCommand).resolves({ rooms: [summary('A1')] });
    ivschat
      .on(GetRoomCommand)
      .callsFake(async (input) => getRoomOutput(String(input.identifier).split('/')[1] ?? ''));
    const result = await mockedInventory({
      knownArns: [arn('A1'), arn('Moved')],
    });
    expect(result.deleted).toEqual([]);
    expect(result.rooms.map((r) => r.id).sort()).toEqual(['A1', 'Moved']);
  });

  it('confirms a known room gone when GetRoom answers ResourceNotFound', async () => {
    ivschat.on(ListRoomsCommand).resolves({ rooms: [summary('A1')] });
    ivschat.on(GetRoomCommand, { identifier: arn('A1') }).resolves(getRoomOutput('A1'));
    ivschat
      .on(GetRoomCommand, { identifier: arn('Gone') })
      .rejects(new ResourceNotFoundException({ message: 'room not found', $metadata: {} } as never));
    const result = await mockedInventory({
      knownArns: [arn('Gone')],
    });
    expect(result).toMatchObject({ complete: true, deleted: [arn('Gone')] });
  });

  it('stops listing at the deadline, says so, and checks no unlisted rooms', async () => {
    ivschat
      .on(ListRoomsCommand)
      .resolvesOnce({ rooms: [summary('A1')], nextToken: 'p2' })
      .resolvesOnce({ rooms: [summary('A2')] });
    ivschat
      .on(GetRoomCommand)
      .callsFake(async (input) => getRoomOutput(String(input.identifier).split('/')[1] ?? ''));
    const result = await mockedInventory({
      knownArns: [arn('Elsewhere')],
      shouldStop: () => true,
    });
    expect(result.complete).toBe(false);
    expect(result.calls.listRooms).toBe(1);
    expect(result.errors).toEqual([
      expect.objectContaining({ operation: 'ListRooms', code: 'DeadlineReached' }),
    ]);
    expect(result.deleted).toEqual([]);
  });

  it('audits a room that two pages both returned once', async () => {
    ivschat
      .on(ListRoomsCommand)
      .resolvesOnce({ rooms: [summary('A1')], nextToken: 'p2' })
      .resolvesOnce({ rooms: [summary('A1'), summary('A2')] });
    ivschat
      .on(GetRoomCommand)
      .callsFake(async (input) => getRoomOutput(String(input.identifier).split('/')[1] ?? ''));
    const result = await mockedInventory();
    expect(result.rooms.map((r) => r.id).sort()).toEqual(['A1', 'A2']);
  });
});

describe('inventoryRegion with the real SDK retry', () => {
  it('rides out throttling: a 429 ThrottlingException is retried and then succeeds', async () => {
    ivschat.restore();
    const responses = [
      json(200, { rooms: [summary('A1')] }),
      json(429, { message: 'Rate exceeded' }, 'ThrottlingException'),
      json(429, { message: 'Rate exceeded' }, 'ThrottlingException'),
      json(200, { ...summary('A1'), maximumMessageLength: 300 }),
    ];
    const seen: string[] = [];
    const client = fakeHttpClient(responses, seen);
    const result = await inventoryRegion({ region: 'us-east-1', accountId: ACCOUNT, client });
    expect(seen).toEqual(['/ListRooms', '/GetRoom', '/GetRoom', '/GetRoom']);
    expect(result).toMatchObject({ complete: true, errors: [] });
    expect(result.rooms[0]?.maximumMessageLength).toBe(300);
    ivschat.restore();
  });

  it('spaces calls per operation within the API budget, retries included', async () => {
    ivschat.restore();
    const responses = [
      json(200, { rooms: [summary('A1')], nextToken: 'p2' }),
      json(200, { rooms: [summary('A2')] }),
      json(429, { message: 'Rate exceeded' }, 'ThrottlingException'),
      json(200, getRoomJson('A1')),
      json(200, getRoomJson('A2')),
    ];
    const waits: number[] = [];
    let clock = 0;
    const client = withApiBudget(fakeHttpClient(responses), 2, {
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    const result = await inventoryRegion({ region: 'us-east-1', accountId: ACCOUNT, client, concurrency: 1 });
    expect(result).toMatchObject({ complete: true, calls: { listRooms: 2, getRoom: 2 } });
    // ListRooms: 2 calls, one wait. GetRoom: 3 attempts (one retried), two waits of (1000 + 50 ms jitter allowance) / 2.
    expect(waits.filter((w) => w >= 500)).toHaveLength(3);
    expect(Math.min(...waits.filter((w) => w >= 500))).toBeCloseTo(525, 0);
  });
});

function getRoomJson(id: string) {
  return { ...summary(id), maximumMessageLength: 300, maximumMessageRatePerSecond: 10 };
}

function fakeHttpClient(responses: (() => HttpResponse)[], seen: string[] = []) {
  return new IvschatClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    retryMode: 'standard',
    maxAttempts: 4,
    requestHandler: {
      handle: async (request: { path: string }) => {
        seen.push(request.path);
        const next = responses.shift();
        if (!next) throw new Error('no more responses');
        return { response: next() };
      },
    },
  });
}

function json(status: number, body: unknown, errorType?: string) {
  return () =>
    new HttpResponse({
      statusCode: status,
      headers: {
        'content-type': 'application/json',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    });
}
