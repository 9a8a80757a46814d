import {
  CreateRoomCommand,
  type CreateRoomCommandInput,
  DeleteRoomCommand,
  GetRoomCommand,
  ListRoomsCommand,
  type ListRoomsCommandInput,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRoomCommand,
  ValidationException,
} from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { ivschat, rejection } from './helpers.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ port: 0, quotas: { enabled: false } });
});
afterAll(async () => {
  await aws.close();
});
beforeEach(() => {
  aws.clearRooms();
  aws.resetStats();
  aws.setFaults({});
});

describe('IVS Chat rooms', () => {
  it('ListRooms with maxResults 2 over 7 rooms returns all 7 exactly once, sorted by updateTime desc', async () => {
    const times = [3, 6, 1, 7, 2, 5, 4].map((d) => `2025-01-0${d}T10:00:00.000Z`);
    aws.seedRooms(
      'us-east-1',
      times.map((t, i) => ({ name: `room-${i}`, createTime: '2024-12-01T00:00:00Z', updateTime: t })),
    );
    const client = ivschat(aws);
    const seen: { arn?: string; updateTime?: Date }[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListRoomsCommand({ maxResults: 2, nextToken }));
      expect(page.rooms?.length).toBeLessThanOrEqual(2);
      seen.push(...(page.rooms ?? []));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(7);
    expect(new Set(seen.map((r) => r.arn)).size).toBe(7);
    const updateTimes = seen.map((r) => r.updateTime?.toISOString());
    expect(updateTimes).toEqual([...times].sort().reverse());
  });

  it('ListRooms summaries carry no maximumMessageLength / maximumMessageRatePerSecond', async () => {
    aws.seedRooms('us-east-1', [{ name: 'a', maximumMessageLength: 100, tags: { owner: 'x' } }]);
    const { rooms } = await ivschat(aws).send(new ListRoomsCommand({}));
    expect(rooms?.[0]).toMatchObject({
      name: 'a',
      tags: { owner: 'x' },
      loggingConfigurationIdentifiers: [],
    });
    expect(rooms?.[0]).not.toHaveProperty('maximumMessageLength');
    expect(rooms?.[0]).not.toHaveProperty('maximumMessageRatePerSecond');
  });

  it('ListRooms filters by name, review handler uri and logging configuration', async () => {
    const uri = 'arn:aws:lambda:us-east-1:123456789012:function:review';
    const logging = 'arn:aws:ivschat:us-east-1:000000000000:logging-configuration/abc123';
    aws.seedRooms('us-east-1', [
      { name: 'a', messageReviewHandler: { uri, fallbackResult: 'DENY' } },
      { name: 'b', loggingConfigurationIdentifiers: [logging] },
      { name: 'c' },
    ]);
    const client = ivschat(aws);
    const names = async (input: ListRoomsCommandInput) =>
      ((await client.send(new ListRoomsCommand(input))).rooms ?? []).map((r) => r.name);
    expect(await names({ name: 'c' })).toEqual(['c']);
    expect(await names({ messageReviewHandlerUri: uri })).toEqual(['a']);
    expect(await names({ loggingConfigurationIdentifier: logging })).toEqual(['b']);
  });

  it('GetRoom on an unknown ARN raises ResourceNotFoundException (404)', async () => {
    const err = await rejection(
      ivschat(aws).send(
        new GetRoomCommand({ identifier: 'arn:aws:ivschat:us-east-1:000000000000:room/nope12345678' }),
      ),
    );
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect(err.$metadata).toMatchObject({ httpStatusCode: 404 });
    expect(aws.stats()['us-east-1']?.GetRoom).toMatchObject({ calls: 1, errors: 1, throttled: 0 });
  });

  it('CreateRoom with maximumMessageLength 501 raises ValidationException with reason and fieldList', async () => {
    const err = await rejection(ivschat(aws).send(new CreateRoomCommand({ maximumMessageLength: 501 })));
    expect(err).toBeInstanceOf(ValidationException);
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
    const v = err as unknown as ValidationException;
    expect(v.reason).toBe('FIELD_VALIDATION_FAILED');
    expect(v.fieldList?.[0]?.name).toBe('maximumMessageLength');
  });

  it.each([
    [{ name: 'bad name!' }],
    [{ maximumMessageRatePerSecond: 0 }],
    [{ maximumMessageRatePerSecond: 101 }],
    [
      {
        messageReviewHandler: {
          uri: 'arn:aws:lambda:us-east-1:123456789012:function:f',
          fallbackResult: 'MAYBE',
        },
      },
    ],
    [{ loggingConfigurationIdentifiers: ['not-an-arn'] }],
    [{ tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }],
  ])('CreateRoom rejects %j', async (input) => {
    const err = await rejection(ivschat(aws).send(new CreateRoomCommand(input as CreateRoomCommandInput)));
    expect(err).toBeInstanceOf(ValidationException);
  });

  it('CreateRoom applies defaults; UpdateRoom bumps updateTime; tags; DeleteRoom', async () => {
    const client = ivschat(aws, { region: 'us-west-2' });
    const created = await client.send(
      new CreateRoomCommand({
        name: 'support-chat',
        messageReviewHandler: { uri: 'arn:aws:lambda:us-west-2:123456789012:function:review' },
        tags: { owner: 'team-a' },
      }),
    );
    expect(created.arn).toMatch(/^arn:aws:ivschat:us-west-2:000000000000:room\/[a-zA-Z0-9]{12}$/);
    expect(created).toMatchObject({
      maximumMessageLength: 500,
      maximumMessageRatePerSecond: 10,
      messageReviewHandler: { fallbackResult: 'ALLOW' },
    });
    const arn = created.arn as string;

    await new Promise((r) => setTimeout(r, 5));
    const updated = await client.send(new UpdateRoomCommand({ identifier: arn, maximumMessageLength: 200 }));
    expect(updated.maximumMessageLength).toBe(200);
    expect(updated.updateTime?.getTime()).toBeGreaterThan(
      created.updateTime?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(updated.createTime).toEqual(created.createTime);

    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'prod' } }));
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['owner'] }));
    const { tags } = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(tags).toEqual({ env: 'prod' });

    const del = await client.send(new DeleteRoomCommand({ identifier: arn }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expect(client.send(new GetRoomCommand({ identifier: arn }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('regions are isolated: each region its own rooms', async () => {
    const east = ivschat(aws, { region: 'us-east-1' });
    const eu = ivschat(aws, { region: 'eu-west-1' });
    const room = await eu.send(new CreateRoomCommand({ name: 'eu-only' }));
    expect(room.arn).toContain(':eu-west-1:');
    expect((await east.send(new ListRoomsCommand({}))).rooms).toEqual([]);
    expect((await eu.send(new ListRoomsCommand({}))).rooms?.map((r) => r.name)).toEqual(['eu-only']);
    await expect(east.send(new GetRoomCommand({ identifier: room.arn }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect(aws.rooms('eu-west-1')).toHaveLength(1);
    expect(aws.rooms('us-east-1')).toHaveLength(0);
  });
});
