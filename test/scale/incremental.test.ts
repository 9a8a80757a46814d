import { GetRoomCommand, IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withApiBudget } from '../../lambda/aws/rate-limit.js';
import { auditAccount } from '../../lambda/inventory/live-audit.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { MemoryRoomCache } from '../../lambda/state/memory-room-cache.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';

const policies = loadPolicyDir().policies;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let aws: LocalAws;

beforeAll(async () => {
  // Quotas scaled ×10 (50 TPS) together with the budget, so the tests stay short.
  aws = await startLocalAws({ quotas: { enabled: true, scale: 10 } });
});
afterAll(() => aws.close());
beforeEach(() => {
  aws.clearRooms();
  aws.resetStats();
});

function seed(region: string, count: number) {
  return aws.seedRooms(
    region,
    Array.from({ length: count }, (_, i) => ({ name: `room-${i}`, maximumMessageLength: i % 2 ? 500 : 200 })),
  );
}

const ops = (region = 'us-east-1') => aws.stats()[region] ?? {};

describe('RateLimiter against the emulator', () => {
  it('never exceeds its budget under 50 concurrent callers (emulator counters)', async () => {
    const [room] = seed('us-east-1', 1);
    const client = withApiBudget(
      new IvschatClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }),
      20,
    );
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let i = 0; i < 2; i++) await client.send(new GetRoomCommand({ identifier: room?.arn }));
      }),
    );
    const getRoom = ops().GetRoom;
    expect(getRoom?.calls).toBe(100);
    expect(getRoom?.throttled).toBe(0);
    expect(getRoom?.maxObservedTps).toBeLessThanOrEqual(20);
    client.destroy();
  });
});

describe('incremental audits', () => {
  it('needs no GetRoom for unchanged rooms on the second run, and ⌈N/50⌉ ListRooms', async () => {
    seed('us-east-1', 120);
    const roomCache = new MemoryRoomCache();
    const first = await auditAccount({
      regions: ['us-east-1'],
      policies,
      connection: { endpoint: aws.endpoint },
      apiBudgetTps: 40,
      roomCache,
    });
    expect(first.report).toMatchObject({ complete: true, roomsAudited: 120 });
    aws.resetStats();

    const second = await auditAccount({
      regions: ['us-east-1'],
      policies,
      connection: { endpoint: aws.endpoint },
      apiBudgetTps: 40,
      roomCache,
    });
    expect(second.report).toMatchObject({ complete: true, roomsAudited: 120 });
    // The cache keeps only what GetRoom adds; merged with this run's summaries it reads the same.
    const said = (run: typeof first) =>
      run.report.findings.map((f) => `${f.fingerprint} ${f.message}`).sort();
    expect(said(second)).toEqual(said(first));
    expect(ops().GetRoom?.calls ?? 0).toBe(0);
    expect(ops().ListRooms?.calls).toBe(3);
  });

  it('calls GetRoom exactly once for a room whose updateTime moved', async () => {
    const rooms = seed('us-east-1', 10);
    const roomCache = new MemoryRoomCache();
    const audit = () =>
      auditAccount({
        regions: ['us-east-1'],
        policies,
        connection: { endpoint: aws.endpoint },
        apiBudgetTps: 40,
        roomCache,
      });
    await audit();
    const client = new IvschatClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials });
    await client.send(new UpdateRoomCommand({ identifier: rooms[3]?.arn, maximumMessageLength: 42 }));
    client.destroy();
    aws.resetStats();

    const run = await audit();
    expect(ops().GetRoom?.calls).toBe(1);
    expect(run.inventories[0]?.fetched).toEqual([rooms[3]?.arn]);
    const cached = (await roomCache.loadRooms(run.report.targets[0]?.accountId ?? '', 'us-east-1')).get(
      rooms[3]?.arn ?? '',
    );
    expect(cached?.doc.maximumMessageLength).toBe(42);
  });

  it('re-fetches rooms whose cached copy is older than fullRefreshHours', async () => {
    seed('us-east-1', 5);
    const roomCache = new MemoryRoomCache();
    const at = (iso: string) => () => new Date(iso);
    const audit = (now: string) =>
      auditAccount({
        regions: ['us-east-1'],
        policies,
        connection: { endpoint: aws.endpoint },
        roomCache,
        fullRefreshHours: 24,
        now: at(now),
      });
    await audit('2026-01-01T00:00:00Z');
    aws.resetStats();
    await audit('2026-01-01T23:00:00Z');
    expect(ops().GetRoom?.calls ?? 0).toBe(0);
    await audit('2026-01-02T00:00:01Z');
    expect(ops().GetRoom?.calls).toBe(5);
  });

  it('resumes an interrupted first audit and fetches every room exactly once across runs', async () => {
    const rooms = seed('us-east-1', 60);
    const roomCache = new MemoryRoomCache();
    const stopAfter25 = () => (aws.stats()['us-east-1']?.GetRoom?.calls ?? 0) >= 25;
    const first = await auditAccount({
      regions: ['us-east-1'],
      policies,
      connection: { endpoint: aws.endpoint },
      roomCache,
      apiBudgetTps: 40,
      concurrency: 1,
      shouldStop: stopAfter25,
    });
    expect(first.report.complete).toBe(false);
    expect(first.report.progress).toEqual({ roomsListed: 60, roomsRemaining: 35 });
    expect(first.report.roomsAudited).toBe(25);

    const second = await auditAccount({
      regions: ['us-east-1'],
      policies,
      connection: { endpoint: aws.endpoint },
      roomCache,
    });
    expect(second.report).toMatchObject({
      complete: true,
      roomsAudited: 60,
      progress: { roomsRemaining: 0 },
    });
    expect(ops().GetRoom?.calls).toBe(60);
    const fetched = [...(first.inventories[0]?.fetched ?? []), ...(second.inventories[0]?.fetched ?? [])];
    expect(new Set(fetched).size).toBe(60);
    expect(fetched.sort()).toEqual(rooms.map((r) => r.arn).sort());
  });

  it('drops rooms that vanished from a complete list from the cache', async () => {
    const rooms = seed('us-east-1', 3);
    const roomCache = new MemoryRoomCache();
    const audit = () =>
      auditAccount({ regions: ['us-east-1'], policies, connection: { endpoint: aws.endpoint }, roomCache });
    await audit();
    aws.removeRoom(rooms[0]?.arn ?? '');
    await audit();
    const cached = [...(roomCache.data.values().next().value?.keys() ?? [])];
    expect(cached.sort()).toEqual([rooms[1]?.arn, rooms[2]?.arn].sort());
  });
});
