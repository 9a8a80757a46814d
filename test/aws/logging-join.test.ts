import {
  AccessDeniedException,
  GetRoomCommand,
  IvschatClient,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
  type LoggingConfigurationSummary,
} from '@aws-sdk/client-ivschat';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../lambda/audit/lifecycle.js';
import { operationBudget } from '../../lambda/aws/rate-limit.js';
import { auditAccount } from '../../lambda/inventory/live-audit.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { MemoryRoomCache } from '../../lambda/state/memory-room-cache.js';
import { ACCOUNT } from '../fixtures.js';

const policies = loadPolicyDir().policies;
const loggingActive = policies.filter((p) => p.policy.id === 'logging-active');
const withoutLoggingPolicies = policies.filter(
  (p) => p.policy.id !== 'logging-active' && p.policy.id !== 'logging-required',
);
const identity = { accountId: ACCOUNT };
const roomArn = (region: string, id: string) => `arn:aws:ivschat:${region}:${ACCOUNT}:room/${id}`;
const configArn = (region: string, n: number) =>
  `arn:aws:ivschat:${region}:${ACCOUNT}:logging-configuration/Lc${String(n).padStart(10, '0')}`;

const ivschat = mockClient(IvschatClient);
afterEach(() => ivschat.reset());

/**
 * A fake account: per region, `rooms` rooms (room i logs to configuration i) and `configs`
 * configurations, all ACTIVE unless `states` says otherwise. Lists page by 50, like the service.
 */
function fakeAccount(shape: { rooms: number; configs: number }, regions = ['us-east-1']) {
  const states = new Map<string, string>();
  const calls: Record<string, number> = {};
  const count = (op: string, region: string) => {
    calls[`${op} ${region}`] = (calls[`${op} ${region}`] ?? 0) + 1;
  };
  const regionOf = async (client: unknown) => (await (client as IvschatClient).config.region()) as string;
  const page = <T>(items: T[], token: string | undefined, size: number) => {
    const start = Number(token ?? 0);
    const next = start + size < items.length ? String(start + size) : undefined;
    return { items: items.slice(start, start + size), next };
  };
  ivschat.on(ListRoomsCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient());
    count('ListRooms', region);
    const rooms = Array.from({ length: shape.rooms }, (_, i) => ({
      arn: roomArn(region, `Room${String(i).padStart(8, '0')}`),
      name: `room-${i}`,
      updateTime: new Date('2026-11-01T00:00:00Z'),
      tags: { owner: 'team' },
      loggingConfigurationIdentifiers: [configArn(region, i)],
    }));
    const { items, next } = page(rooms, input.nextToken, input.maxResults ?? 50);
    return { rooms: items, ...(next ? { nextToken: next } : {}) };
  });
  ivschat.on(GetRoomCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient());
    count('GetRoom', region);
    const i = Number(String(input.identifier).slice(-8));
    return {
      arn: input.identifier,
      name: `room-${i}`,
      updateTime: new Date('2026-11-01T00:00:00Z'),
      maximumMessageLength: 200,
      maximumMessageRatePerSecond: 10,
      tags: { owner: 'team' },
      loggingConfigurationIdentifiers: [configArn(region, i)],
    };
  });
  ivschat.on(ListLoggingConfigurationsCommand).callsFake(async (input, getClient) => {
    const region = await regionOf(getClient());
    count('ListLoggingConfigurations', region);
    if ((input.maxResults ?? 50) > 50) throw new Error('maxResults above 50');
    const configs: LoggingConfigurationSummary[] = Array.from({ length: shape.configs }, (_, i) => ({
      arn: configArn(region, i),
      id: `Lc${String(i).padStart(10, '0')}`,
      name: `config-${i}`,
      state: (states.get(configArn(region, i)) ?? 'ACTIVE') as LoggingConfigurationSummary['state'],
      destinationConfiguration: { s3: { bucketName: 'chat-logs' } },
    }));
    const { items, next } = page(configs, input.nextToken, input.maxResults ?? 50);
    return { loggingConfigurations: items, ...(next ? { nextToken: next } : {}) };
  });
  return { states, calls, regions };
}

const audit = (options: Partial<Parameters<typeof auditAccount>[0]> = {}) =>
  auditAccount({
    regions: ['us-east-1'],
    policies,
    identity,
    startedAt: '2026-11-26T10:00:00.000Z',
    ...options,
  });

describe('logging configurations joined into rooms', () => {
  it('passes an ACTIVE configuration and names a deleted or CREATE_FAILED one with its state', async () => {
    const account = fakeAccount({ rooms: 3, configs: 2 }); // room 2 points at a configuration that does not exist
    account.states.set(configArn('us-east-1', 1), 'CREATE_FAILED');

    const { report } = await audit({ policies: loggingActive });

    expect(report.complete).toBe(true);
    expect(report.findings.map((f) => [f.roomName, f.path, f.actual, f.message])).toEqual([
      [
        'room-1',
        '/loggingConfigurations/0/state',
        'CREATE_FAILED',
        `logging configuration "${configArn('us-east-1', 1)}" is "CREATE_FAILED"; it must exist and be ACTIVE`,
      ],
      [
        'room-2',
        '/loggingConfigurations/0/state',
        'NOT_FOUND',
        `logging configuration "${configArn('us-east-1', 2)}" is "NOT_FOUND"; it must exist and be ACTIVE`,
      ],
    ]);
  });

  it('steady state: no GetRoom for unchanged rooms and ⌈configs/50⌉ logging calls per target, whatever the rooms', async () => {
    const account = fakeAccount({ rooms: 260, configs: 120 }, ['us-east-1', 'eu-west-1']);
    const roomCache = new MemoryRoomCache();
    const regions = account.regions;
    await audit({ regions, roomCache });
    for (const key of Object.keys(account.calls)) delete account.calls[key];

    const second = await audit({ regions, roomCache, startedAt: '2026-11-26T11:00:00.000Z' });

    expect(second.report).toMatchObject({ complete: true, roomsAudited: 520 });
    expect(account.calls).toEqual({
      'ListRooms us-east-1': 6,
      'ListRooms eu-west-1': 6,
      'ListLoggingConfigurations us-east-1': 3,
      'ListLoggingConfigurations eu-west-1': 3,
    });
    expect(second.inventories.map((i) => i.calls)).toEqual([
      { listRooms: 6, getRoom: 0, listLoggingConfigurations: 3 },
      { listRooms: 6, getRoom: 0, listLoggingConfigurations: 3 },
    ]);
  });

  it('notices a configuration that changed state although no room changed (joined facts are not cached)', async () => {
    const account = fakeAccount({ rooms: 4, configs: 4 });
    const roomCache = new MemoryRoomCache();
    const first = await audit({ roomCache });
    expect(first.report.findings.filter((f) => f.policyId === 'logging-active')).toEqual([]);
    account.states.set(configArn('us-east-1', 3), 'UPDATE_FAILED');
    for (const key of Object.keys(account.calls)) delete account.calls[key];

    const second = await audit({ roomCache, startedAt: '2026-11-26T11:00:00.000Z' });

    expect(account.calls['GetRoom us-east-1']).toBeUndefined();
    expect(
      second.report.findings.filter((f) => f.policyId === 'logging-active').map((f) => f.message),
    ).toEqual([
      `logging configuration "${configArn('us-east-1', 3)}" is "UPDATE_FAILED"; it must exist and be ACTIVE`,
    ]);
    const cached = [...(await roomCache.loadRooms(ACCOUNT, 'us-east-1')).values()];
    expect(cached.some((room) => 'loggingConfigurations' in room.doc || 'accountId' in room.doc)).toBe(false);
  });

  it('a failed listing neither raises nor resolves logging findings of the target, and says why', async () => {
    const account = fakeAccount({ rooms: 2, configs: 0 }); // both rooms point at missing configurations
    const first = await audit();
    const previous = new Map(
      reconcile(first.report, first.inventories, new Map(), {
        now: '2026-11-26T10:00:00.000Z',
        renotifyAfterHours: 24,
      }).changes.map((c) => [c.fingerprint, c]),
    );
    expect([...previous.values()].filter((r) => r.finding.policyId === 'logging-active')).toHaveLength(2);
    ivschat
      .on(ListLoggingConfigurationsCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized', $metadata: {} }));

    const second = await audit({ startedAt: '2026-11-26T11:00:00.000Z' });
    const outcome = reconcile(second.report, second.inventories, previous, {
      now: '2026-11-26T11:00:00.000Z',
      renotifyAfterHours: 24,
    });

    expect(account.calls['ListRooms us-east-1']).toBe(2);
    expect(second.report.complete).toBe(false);
    // A failed join is an API error, not input without the facts: not a mere warning.
    expect(second.report.notEvaluated).toBeUndefined();
    expect(second.report.findings.filter((f) => f.policyId === 'logging-active')).toEqual([]);
    expect(outcome.resolvedFindings).toEqual([]);
    expect(second.report.errors).toEqual([
      expect.objectContaining({ operation: 'ListLoggingConfigurations', code: 'AccessDeniedException' }),
      expect.objectContaining({
        policyId: 'logging-active',
        code: 'FactsMissing',
        message: expect.stringMatching(
          /^policy logging-active not evaluated on 2 rooms in us-east-1: ListLoggingConfigurations failed \(AccessDeniedException: not authorized/,
        ),
      }),
    ]);
    // The other policies were evaluated as usual (these rooms have no review handler).
    expect(second.report.findings.filter((f) => f.policyId === 'review-handler-fallback-deny')).toHaveLength(
      2,
    );
  });

  it('makes no logging call when no policy reads loggingConfigurations', async () => {
    const account = fakeAccount({ rooms: 3, configs: 3 });
    const { inventories } = await audit({ policies: withoutLoggingPolicies });
    expect(account.calls['ListLoggingConfigurations us-east-1']).toBeUndefined();
    expect(inventories[0]?.calls.listLoggingConfigurations).toBeUndefined();
  });
});

describe('operationBudget', () => {
  it('gives logging-configuration operations the same share of their 3 TPS quota', () => {
    expect(operationBudget('ListRoomsCommand', 4)).toBe(4);
    expect(operationBudget('ListLoggingConfigurationsCommand', 4)).toBeCloseTo(2.4);
    expect(operationBudget('ListLoggingConfigurationsCommand', 5)).toBe(3);
  });
});
