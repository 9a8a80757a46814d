import {
  GetLoggingConfigurationCommand,
  GetRoomCommand,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-ivschat';
import { CreateTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LocalAws,
  loadSeed,
  loadSeedFile,
  type StatsSnapshot,
  startLocalAws,
} from '../../local-aws/index.js';
import { ivschat, sns } from './helpers.js';

const SEED_FILE = new URL('../../local-aws/seed-rooms.json', import.meta.url).pathname;

let aws: LocalAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

describe('seed-rooms.json', () => {
  it('holds ~20 rooms in us-east-1 and eu-west-1, compliant and not, with one hostile tag value', async () => {
    const rooms = await loadSeedFile(SEED_FILE);
    expect(rooms.length).toBeGreaterThanOrEqual(18);
    expect(new Set(rooms.map((r) => r.region))).toEqual(new Set(['us-east-1', 'eu-west-1']));
    const compliant = rooms.filter(
      (r) =>
        (r.maximumMessageLength ?? 500) <= 200 &&
        (r.maximumMessageRatePerSecond ?? 10) <= 10 &&
        r.messageReviewHandler?.fallbackResult === 'DENY' &&
        (r.loggingConfigurationIdentifiers?.length ?? 0) > 0 &&
        !!r.tags?.owner,
    );
    expect(compliant.length).toBeGreaterThan(3);
    expect(compliant.length).toBeLessThan(rooms.length - 3);
    expect(rooms.some((r) => Object.values(r.tags ?? {}).some((v) => v.includes('<!channel>')))).toBe(true);
  });

  it('starts seeded from the file; the SDK lists every seeded room with stable ARNs', async () => {
    aws = await startLocalAws({ seed: SEED_FILE, quotas: { enabled: false } });
    const seeded = await loadSeedFile(SEED_FILE);
    for (const region of ['us-east-1', 'eu-west-1']) {
      const client = ivschat(aws, { region });
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListRoomsCommand({ maxResults: 5, nextToken }));
        arns.push(...(page.rooms ?? []).map((r) => r.arn as string));
        nextToken = page.nextToken;
      } while (nextToken);
      const expected = seeded
        .filter((r) => r.region === region)
        .map((r) => `arn:aws:ivschat:${region}:000000000000:room/${r.id}`);
      expect(arns.sort()).toEqual(expected.sort());
      const first = await client.send(new GetRoomCommand({ identifier: arns[0] }));
      expect(first.arn).toBe(arns[0]);
    }
  });
});

describe('seed-rooms.json logging configurations', () => {
  it('seeds an ACTIVE and a CREATE_FAILED configuration, and a room naming one that does not exist', async () => {
    aws = await startLocalAws({ seed: SEED_FILE, quotas: { enabled: false } });
    const { rooms, loggingConfigurations } = await loadSeed(SEED_FILE);
    const client = ivschat(aws, { region: 'us-east-1' });
    const listed = (await client.send(new ListLoggingConfigurationsCommand({}))).loggingConfigurations ?? [];
    expect(new Set(listed.map((c) => c.state))).toEqual(new Set(['ACTIVE', 'CREATE_FAILED']));
    expect(aws.loggingConfigurations()).toHaveLength(loggingConfigurations.length);

    const failed = listed.find((c) => c.state === 'CREATE_FAILED');
    const shopping = rooms.find((r) => r.loggingConfigurationIdentifiers?.includes(failed?.arn as string));
    expect(shopping?.name).toBe('shopping-live');

    // Every identifier a seeded room names resolves, but one: beta-feedback's (deleted).
    const known = new Set(aws.loggingConfigurations().map((c) => c.arn));
    const dangling = rooms.flatMap((r) =>
      (r.loggingConfigurationIdentifiers ?? [])
        .filter((id) => !known.has(id))
        .map((id) => ({ room: r.name, id })),
    );
    expect(dangling.map((d) => d.room)).toEqual(['beta-feedback']);
    const eu = ivschat(aws, { region: 'eu-west-1' });
    await expect(
      eu.send(new GetLoggingConfigurationCommand({ identifier: dangling[0]?.id })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('admin logging-configuration endpoints', () => {
  it('POST seeds any state into an account and region, GET lists, DELETE clears one region only', async () => {
    aws = await startLocalAws();
    const base = `${aws.endpoint}/_local/logging-configurations`;
    const post = (query: string, body: unknown) =>
      fetch(`${base}${query}`, { method: 'POST', body: JSON.stringify(body) });
    const dest = { s3: { bucketName: 'logs' } };
    expect(
      (
        await post('?region=eu-west-1&accountId=111111111111', [
          { state: 'UPDATE_FAILED', destinationConfiguration: dest },
        ])
      ).status,
    ).toBe(200);
    expect((await post('?region=us-east-1', [{ destinationConfiguration: dest }])).status).toBe(200);
    const listed = (await (await fetch(`${base}?accountId=111111111111`)).json()) as {
      arn: string;
      state: string;
    }[];
    expect(listed).toMatchObject([{ state: 'UPDATE_FAILED' }]);
    expect(listed[0]?.arn).toContain(':eu-west-1:111111111111:');
    expect(aws.accounts().map((a) => a.id)).toContain('111111111111');

    const bad = await post('', [{ state: 'BROKEN', destinationConfiguration: dest }]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/state must be one of .*got BROKEN/);
    const twoDestinations = await post('', [
      { destinationConfiguration: { ...dest, firehose: { deliveryStreamName: 'x' } } },
    ]);
    expect(twoDestinations.status).toBe(400);

    await fetch(`${base}?region=eu-west-1`, { method: 'DELETE' });
    expect(aws.loggingConfigurations().map((c) => c.arn.split(':')[3])).toEqual(['us-east-1']);
  });
});

describe('admin HTTP endpoints (/_local/...)', () => {
  it('stats, reset, faults, rooms, published and quotas over HTTP', async () => {
    aws = await startLocalAws();
    const base = `${aws.endpoint}/_local`;
    const post = (path: string, body: unknown, method = 'POST') =>
      fetch(`${base}${path}`, {
        method,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });

    expect((await post('/rooms?region=eu-west-1', [{ name: 'from-http' }])).status).toBe(200);
    const rooms = (await (await fetch(`${base}/rooms?region=eu-west-1`)).json()) as {
      arn: string;
      name: string;
    }[];
    expect(rooms.map((r) => r.name)).toEqual(['from-http']);

    const client = ivschat(aws, { region: 'eu-west-1', maxAttempts: 1 });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => client.send(new GetRoomCommand({ identifier: rooms[0]?.arn }))),
    );
    expect(results.some((r) => r.status === 'rejected' && r.reason instanceof ThrottlingException)).toBe(
      true,
    );
    const stats = (await (await fetch(`${base}/stats`)).json()) as StatsSnapshot;
    expect(stats['eu-west-1']?.GetRoom?.calls).toBe(8);
    expect(stats['eu-west-1']?.GetRoom?.throttled).toBeGreaterThan(0);
    expect(stats['eu-west-1']?.GetRoom?.maxObservedTps).toBe(
      8 - (stats['eu-west-1']?.GetRoom?.throttled ?? 0),
    );
    expect((await post('/stats/reset', {})).status).toBe(200);
    expect(aws.stats()).toEqual({});

    await post('/faults', { accessDeniedRegions: ['eu-west-1'] }, 'PUT');
    expect(aws.faults().accessDeniedRegions).toEqual(['eu-west-1']);
    await post('/faults', {}, 'PUT');

    await post('/quotas', { enabled: false }, 'PUT');
    expect(aws.quotas().enabled).toBe(false);

    const topic = await sns(aws, { region: 'eu-west-1' }).send(new CreateTopicCommand({ Name: 'alerts' }));
    await sns(aws, { region: 'eu-west-1' }).send(
      new PublishCommand({ TopicArn: topic.TopicArn, Message: 'hello' }),
    );
    const published = (await (await fetch(`${base}/sns/published?region=eu-west-1`)).json()) as unknown[];
    expect(published).toMatchObject([{ message: 'hello', topicArn: topic.TopicArn, region: 'eu-west-1' }]);
    expect(
      (await fetch(`${base}/sns/published?region=us-east-1`).then((r) => r.json())) as unknown[],
    ).toEqual([]);
    await fetch(`${base}/sns/published`, { method: 'DELETE' });
    expect(aws.published()).toEqual([]);
  });
});

describe('DELETE /_local/rooms', () => {
  it('with ?region=X clears only that region (and with accountId only that account there)', async () => {
    aws = await startLocalAws();
    aws.seedRooms(undefined, [
      { name: 'east', region: 'us-east-1' },
      { name: 'west', region: 'eu-west-1' },
      { name: 'member-west', region: 'eu-west-1', accountId: '111111111111' },
    ]);
    await fetch(`${aws.endpoint}/_local/rooms?region=eu-west-1&accountId=111111111111`, { method: 'DELETE' });
    expect(
      aws
        .rooms()
        .map((r) => r.name)
        .sort(),
    ).toEqual(['east', 'west']);
    await fetch(`${aws.endpoint}/_local/rooms?region=eu-west-1`, { method: 'DELETE' });
    expect(aws.rooms().map((r) => r.name)).toEqual(['east']);
    await fetch(`${aws.endpoint}/_local/rooms`, { method: 'DELETE' });
    expect(aws.rooms()).toEqual([]);
  });
});
