import {
  AccessDeniedException,
  GetRoomCommand,
  InternalServerException,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
  ResourceNotFoundException,
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
  aws.resetStats();
  aws.setFaults({});
  aws.setLatency(0);
});

describe('fault injection', () => {
  it('access denied for a region: AccessDeniedException 403 there, other regions unaffected', async () => {
    aws.seedRooms('us-east-1', [{ name: 'a' }]);
    aws.seedRooms('eu-west-1', [{ name: 'b' }]);
    aws.setFaults({ accessDeniedRegions: ['eu-west-1'] });
    const err = await rejection(ivschat(aws, { region: 'eu-west-1' }).send(new ListRoomsCommand({})));
    expect(err).toBeInstanceOf(AccessDeniedException);
    expect(err.$metadata).toMatchObject({ httpStatusCode: 403, attempts: 1 });
    const east = await ivschat(aws, { region: 'us-east-1' }).send(new ListRoomsCommand({}));
    expect(east.rooms?.map((r) => r.name)).toEqual(['a']);
    expect(aws.stats()['eu-west-1']?.ListRooms).toMatchObject({ calls: 1, errors: 1 });
  });

  it('access denied for an operation: only that operation answers AccessDeniedException 403', async () => {
    aws.seedRooms('us-east-1', [{ name: 'a' }]);
    aws.setFaults({ accessDeniedOperations: ['ListLoggingConfigurations'] });
    const client = ivschat(aws);
    const err = await rejection(client.send(new ListLoggingConfigurationsCommand({})));
    expect(err).toBeInstanceOf(AccessDeniedException);
    expect(err.message).toContain('ivschat:ListLoggingConfigurations');
    expect((await client.send(new ListRoomsCommand({}))).rooms?.map((r) => r.name)).toEqual(['a']);
  });

  it('vanishing rooms: listed by ListRooms, but GetRoom answers ResourceNotFoundException', async () => {
    const [gone, kept] = aws.seedRooms('us-east-1', [{ name: 'gone' }, { name: 'kept' }]);
    aws.setFaults({ vanishingRooms: [gone?.arn as string] });
    const client = ivschat(aws);
    const listed = (await client.send(new ListRoomsCommand({}))).rooms ?? [];
    expect(listed.map((r) => r.name).sort()).toEqual(['gone', 'kept']);
    await expect(client.send(new GetRoomCommand({ identifier: gone?.arn }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect((await client.send(new GetRoomCommand({ identifier: kept?.arn }))).name).toBe('kept');
  });

  it('deleteAfterListing: the room really goes once a ListRooms page has listed it (by name)', async () => {
    aws.seedRooms('us-east-1', [{ name: 'ephemeral' }, { name: 'stays' }]);
    aws.setFaults({ deleteAfterListing: ['ephemeral'] });
    const client = ivschat(aws);
    const first = (await client.send(new ListRoomsCommand({}))).rooms ?? [];
    const ephemeral = first.find((r) => r.name === 'ephemeral');
    expect(ephemeral).toBeDefined();
    await expect(client.send(new GetRoomCommand({ identifier: ephemeral?.arn }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect(((await client.send(new ListRoomsCommand({}))).rooms ?? []).map((r) => r.name)).toEqual(['stays']);
  });

  it('removeRoom deletes behind the API, e.g. between List and Get', async () => {
    const [room] = aws.seedRooms('us-east-1', [{ name: 'x' }]);
    expect(aws.removeRoom(room?.arn as string)).toBe(true);
    await expect(ivschat(aws).send(new GetRoomCommand({ identifier: room?.arn }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('injected 5xx (count-based) is retried by the SDK standard retry and eventually succeeds', async () => {
    const [room] = aws.seedRooms('us-east-1', [{ name: 'flaky' }]);
    aws.setFaults({ failNext: 2 });
    const res = await ivschat(aws).send(new GetRoomCommand({ identifier: room?.arn }));
    expect(res.name).toBe('flaky');
    expect(res.$metadata.attempts).toBe(3);
    expect(aws.stats()['us-east-1']?.GetRoom).toMatchObject({ calls: 3, errors: 2 });
  });

  it('without retries the injected 5xx surfaces as InternalServerException 500', async () => {
    const [room] = aws.seedRooms('us-east-1', [{ name: 'flaky' }]);
    aws.setFaults({ failNext: 1, serverErrorOperations: ['GetRoom'] });
    await ivschat(aws).send(new ListRoomsCommand({})); // not a GetRoom: unaffected
    const err = await rejection(
      ivschat(aws, { maxAttempts: 1 }).send(new GetRoomCommand({ identifier: room?.arn })),
    );
    expect(err).toBeInstanceOf(InternalServerException);
    expect(err.$metadata).toMatchObject({ httpStatusCode: 500 });
    expect(err.$fault).toBe('server');
  });

  it('a seeded 5xx rate is deterministic', async () => {
    const [room] = aws.seedRooms('us-east-1', [{ name: 'r' }]);
    const client = ivschat(aws, { maxAttempts: 1 });
    const run = async () => {
      aws.setFaults({ serverErrorRate: 0.5, seed: 42 });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 20; i++) {
        outcomes.push(
          await client.send(new GetRoomCommand({ identifier: room?.arn })).then(
            () => true,
            () => false,
          ),
        );
      }
      return outcomes;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a.filter((ok) => !ok).length).toBeGreaterThan(0);
    expect(a.filter((ok) => ok).length).toBeGreaterThan(0);
  });

  it('latency is added to every request', async () => {
    const [room] = aws.seedRooms('us-east-1', [{ name: 'slow' }]);
    aws.setLatency(60);
    const t0 = performance.now();
    await ivschat(aws).send(new GetRoomCommand({ identifier: room?.arn }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });
});
