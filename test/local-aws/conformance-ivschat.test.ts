/**
 * Conformance: rooms, tags and error shapes as the ivschat 2020-07-14 service model defines them,
 * driven with the real @aws-sdk/client-ivschat.
 */
import {
  CreateRoomCommand,
  GetRoomCommand,
  type IvschatClient,
  ListRoomsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  type TagResourceCommandInput,
  ThrottlingException,
  UpdateRoomCommand,
  ValidationException,
} from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { ivschat, rejection } from './helpers.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ quotas: { enabled: false } });
});
afterAll(async () => {
  await aws.close();
});
beforeEach(() => {
  aws.clearRooms();
  aws.setQuotas({ enabled: false, scale: 1 });
});

const loggingArn = (i: number) =>
  `arn:aws:ivschat:us-east-1:000000000000:logging-configuration/Log${i}abcdefgh`;
const fields = (err: unknown) => ((err as ValidationException).fieldList ?? []).map((f) => f.name);

describe('loggingConfigurationIdentifiers: at most 3 (LoggingConfigurationIdentifierList max)', () => {
  it('CreateRoom accepts 3 and refuses 4 with ValidationException naming the field', async () => {
    const client = ivschat(aws);
    const three = await client.send(
      new CreateRoomCommand({ loggingConfigurationIdentifiers: [1, 2, 3].map(loggingArn) }),
    );
    expect(three.loggingConfigurationIdentifiers).toHaveLength(3);
    const err = await rejection(
      client.send(new CreateRoomCommand({ loggingConfigurationIdentifiers: [1, 2, 3, 4].map(loggingArn) })),
    );
    expect(err).toBeInstanceOf(ValidationException);
    expect(fields(err)).toEqual(['loggingConfigurationIdentifiers']);
    expect(err.message).toContain('Member must have length less than or equal to 3');
  });

  it('UpdateRoom refuses 4 and leaves the room as it was', async () => {
    const client = ivschat(aws);
    const room = await client.send(
      new CreateRoomCommand({ loggingConfigurationIdentifiers: [loggingArn(1)] }),
    );
    const err = await rejection(
      client.send(
        new UpdateRoomCommand({
          identifier: room.arn,
          loggingConfigurationIdentifiers: [1, 2, 3, 4].map(loggingArn),
        }),
      ),
    );
    expect(err).toBeInstanceOf(ValidationException);
    expect(fields(err)).toEqual(['loggingConfigurationIdentifiers']);
    expect(
      (await client.send(new GetRoomCommand({ identifier: room.arn }))).loggingConfigurationIdentifiers,
    ).toEqual([loggingArn(1)]);
  });

  it('accepts a logging configuration id with a hyphen, as the model pattern [a-zA-Z0-9-]+ allows', async () => {
    const arn = 'arn:aws:ivschat:us-east-1:000000000000:logging-configuration/abc-123';
    const room = await ivschat(aws).send(new CreateRoomCommand({ loggingConfigurationIdentifiers: [arn] }));
    expect(room.loggingConfigurationIdentifiers).toEqual([arn]);
  });
});

describe("room ids with '-' (RoomIdentifier pattern [a-zA-Z0-9-]+)", () => {
  const dashed = 'arn:aws:ivschat:us-east-1:000000000000:room/ab-cd-ef-1234';

  it('GetRoom, UpdateRoom and ListTagsForResource all find a room whose id holds a hyphen', async () => {
    aws.seedRooms('us-east-1', [{ arn: dashed, name: 'dashed', tags: { team: 'a' } }]);
    const client = ivschat(aws);
    expect(await client.send(new GetRoomCommand({ identifier: dashed }))).toMatchObject({
      id: 'ab-cd-ef-1234',
      name: 'dashed',
    });
    await client.send(new UpdateRoomCommand({ identifier: dashed, maximumMessageLength: 100 }));
    expect((await client.send(new ListTagsForResourceCommand({ resourceArn: dashed }))).tags).toEqual({
      team: 'a',
    });
  });

  it('answers ResourceNotFoundException, not ValidationException, from GetRoom and ListTagsForResource alike for a missing one', async () => {
    const client = ivschat(aws);
    const get = await rejection(client.send(new GetRoomCommand({ identifier: dashed })));
    const tags = await rejection(client.send(new ListTagsForResourceCommand({ resourceArn: dashed })));
    expect(get).toBeInstanceOf(ResourceNotFoundException);
    expect(tags).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('UpdateRoom validation', () => {
  it('lists every invalid field together, the identifier included', async () => {
    const err = await rejection(
      ivschat(aws).send(
        new UpdateRoomCommand({
          identifier: 'not-an-arn',
          name: 'bad name!',
          maximumMessageLength: 0,
          maximumMessageRatePerSecond: 101,
        }),
      ),
    );
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as unknown as ValidationException).reason).toBe('FIELD_VALIDATION_FAILED');
    expect(fields(err)).toEqual([
      'identifier',
      'name',
      'maximumMessageLength',
      'maximumMessageRatePerSecond',
    ]);
    expect(err.message).toMatch(/^4 validation errors detected: /);
  });
});

describe('error shapes', () => {
  it('ResourceNotFoundException carries the bare room id and resourceType ROOM', async () => {
    const err = await rejection(
      ivschat(aws).send(
        new GetRoomCommand({ identifier: 'arn:aws:ivschat:us-east-1:000000000000:room/Gone00000000' }),
      ),
    );
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect(err).toMatchObject({ resourceId: 'Gone00000000', resourceType: 'ROOM' });
    expect(err.$metadata).toMatchObject({ httpStatusCode: 404 });
  });

  it('ThrottlingException carries limit, resourceId and resourceType', async () => {
    const [room] = aws.seedRooms('us-east-1', [{ id: 'Throttle0001' }]);
    // Scale 0.2: GetRoom and ListRooms at 1 TPS with a one-token bucket, so the second call is throttled.
    aws.setQuotas({ enabled: true, scale: 0.2 });
    const client = ivschat(aws, { maxAttempts: 1 });
    await client.send(new GetRoomCommand({ identifier: room?.arn }));
    const err = await rejection(client.send(new GetRoomCommand({ identifier: room?.arn })));
    expect(err).toBeInstanceOf(ThrottlingException);
    expect(err).toMatchObject({ limit: 1, resourceId: 'Throttle0001', resourceType: 'ROOM' });
    expect(err.$metadata).toMatchObject({ httpStatusCode: 429 });

    // ListRooms names no resource: the caller's account stands in.
    await client.send(new ListRoomsCommand({}));
    const list = await rejection(client.send(new ListRoomsCommand({})));
    expect(list).toMatchObject({
      name: 'ThrottlingException',
      resourceId: '000000000000',
      resourceType: 'ROOM',
    });
  });

  it('an unknown operation answers ValidationException with reason UNKNOWN_OPERATION (400)', async () => {
    const client = ivschat(aws);
    // The real SDK, its request re-pointed at a path no operation has.
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { path: string }).path = '/ListChatRoomz';
        return next(args);
      },
      { step: 'build', name: 'unknownPath' },
    );
    const err = await rejection(client.send(new ListRoomsCommand({})));
    expect(err).toBeInstanceOf(ValidationException);
    expect(err).toMatchObject({ reason: 'UNKNOWN_OPERATION' });
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(err.message).toContain('/ListChatRoomz');
  });

  it('a known path with the wrong method is an unknown operation too', async () => {
    const res = await fetch(`${aws.endpoint}/ListRooms`, { method: 'GET' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(await res.json()).toMatchObject({ reason: 'UNKNOWN_OPERATION' });
  });
});

describe('TagResource', () => {
  async function room(client: IvschatClient): Promise<string> {
    return (await client.send(new CreateRoomCommand({ tags: { owner: 'a' } }))).arn as string;
  }

  it('accepts tags: {} (the model Tags map has min 0) and changes nothing', async () => {
    const client = ivschat(aws);
    const arn = await room(client);
    const res = await client.send(new TagResourceCommand({ resourceArn: arn, tags: {} }));
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({
      owner: 'a',
    });
  });

  it('refuses a missing tags member (required) naming it', async () => {
    const client = ivschat(aws);
    const arn = await room(client);
    const err = await rejection(
      client.send(new TagResourceCommand({ resourceArn: arn } as unknown as TagResourceCommandInput)),
    );
    expect(err).toBeInstanceOf(ValidationException);
    expect(fields(err)).toEqual(['tags']);
  });

  it.each(['aws:owner', 'AWS:cost-center'])(
    'refuses the reserved key %s (TagResource and CreateRoom)',
    async (key) => {
      const client = ivschat(aws);
      const arn = await room(client);
      for (const send of [
        () => client.send(new TagResourceCommand({ resourceArn: arn, tags: { [key]: 'x' } })),
        () => client.send(new CreateRoomCommand({ tags: { [key]: 'x' } })),
      ]) {
        const err = await rejection(send());
        expect(err).toBeInstanceOf(ValidationException);
        expect(fields(err)).toEqual(['tags.key']);
        expect(err.message).toContain(key);
      }
      expect((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({
        owner: 'a',
      });
    },
  );
});
