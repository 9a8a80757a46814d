import { CreateRoomCommand, GetRoomCommand, ThrottlingException } from '@aws-sdk/client-ivschat';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { ivschat } from './helpers.js';

let aws: LocalAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

async function concurrentGets(server: LocalAws, arn: string, n: number, region = 'us-east-1') {
  const client = ivschat(server, { region, maxAttempts: 1 });
  return Promise.allSettled(
    Array.from({ length: n }, () => client.send(new GetRoomCommand({ identifier: arn }))),
  );
}

describe('quotas', () => {
  it('20 concurrent GetRoom calls without SDK retries yield ThrottlingException 429, counted in stats', async () => {
    aws = await startLocalAws();
    const [room] = aws.seedRooms('us-east-1', [{ name: 'busy' }]);
    const results = await concurrentGets(aws, room?.arn as string, 20);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(ThrottlingException);
      expect(r.reason.$metadata.httpStatusCode).toBe(429);
    }
    const fulfilled = results.length - rejected.length;
    expect(fulfilled).toBeGreaterThanOrEqual(5); // burst = 5 TPS
    const stats = aws.stats()['us-east-1']?.GetRoom;
    expect(stats).toEqual({
      calls: 20,
      throttled: rejected.length,
      errors: 0,
      maxObservedTps: fulfilled,
    });
    aws.resetStats();
    expect(aws.stats()).toEqual({});
  });

  it('quotas are per region', async () => {
    aws = await startLocalAws();
    const [east] = aws.seedRooms('us-east-1', [{ name: 'a' }]);
    const [eu] = aws.seedRooms('eu-west-1', [{ name: 'b' }]);
    await concurrentGets(aws, east?.arn as string, 5, 'us-east-1');
    const euResults = await concurrentGets(aws, eu?.arn as string, 5, 'eu-west-1');
    expect(euResults.every((r) => r.status === 'fulfilled')).toBe(true);
  });

  it('quotas can be turned off, and scaled', async () => {
    aws = await startLocalAws({ quotas: { enabled: false } });
    const [room] = aws.seedRooms('us-east-1', [{ name: 'a' }]);
    const results = await concurrentGets(aws, room?.arn as string, 50);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);

    aws.setQuotas({ enabled: true, scale: 10 }); // GetRoom: 50 TPS, burst 50
    const scaled = await concurrentGets(aws, room?.arn as string, 150);
    const ok = scaled.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBeGreaterThanOrEqual(50);
    expect(ok).toBeLessThan(150); // refill during the burst may admit a few more than 50
    expect(aws.quotas().rates.GetRoom).toBe(5);
  });

  it('rates are configurable per operation; SDK standard retries ride out throttling', async () => {
    aws = await startLocalAws({ quotas: { rates: { CreateRoom: 1 }, scale: 20 } });
    const client = ivschat(aws); // default: standard retry, 3 attempts
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, (_, i) => client.send(new CreateRoomCommand({ name: `r${i}` }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(25);
    const stats = aws.stats()['us-east-1']?.CreateRoom;
    expect(stats?.throttled).toBeGreaterThan(0);
    expect(stats?.calls).toBe(25 + (stats?.throttled ?? 0));
  });

  it('seeding bypasses HTTP and quotas', async () => {
    aws = await startLocalAws();
    aws.seedRooms(
      'us-east-1',
      Array.from({ length: 1000 }, (_, i) => ({ name: `room-${i}` })),
    );
    expect(aws.rooms('us-east-1')).toHaveLength(1000);
    expect(aws.stats()).toEqual({});
  });
});
