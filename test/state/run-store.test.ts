import { randomBytes } from 'node:crypto';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditorError } from '../../lambda/core/errors.js';
import type { Target } from '../../lambda/core/types.js';
import {
  MAX_LISTED_INACTIVE,
  OUTCOME_CHUNK_BYTES,
  type PlannedTarget,
  RELEASE_MARGIN_MS,
  RunStore,
  TargetHealth,
  TargetLocks,
} from '../../lambda/state/run-store.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';
import { ACCOUNT } from '../fixtures.js';
import { countingClient } from './counting-client.js';

const NOW = new Date('2026-11-26T00:00:00.000Z');
const EPOCH_NOW = NOW.getTime() / 1000;
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

async function items(table: string, pk: string, prefix = '') {
  const found: Record<string, { S?: string; N?: string }>[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const out = await dynamo.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': { S: pk }, ':prefix': { S: prefix } },
        ProjectionExpression: 'sk, expiresAt',
        ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
      }),
    );
    found.push(...((out.Items ?? []) as typeof found));
    ExclusiveStartKey = out.LastEvaluatedKey as typeof ExclusiveStartKey;
  } while (ExclusiveStartKey);
  return found;
}

async function collect(store: RunStore) {
  const all: { index: number; outcome: unknown }[] = [];
  for await (const entry of store.outcomes()) all.push(entry);
  return all;
}

/** One whole item as stored, its attributes marshalled. */
async function rawItem(table: string, pk: string, sk: string) {
  const out = await dynamo.client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
  );
  return out.Item;
}

/** `count` targets over accounts of 5 regions each. */
const manyTargets = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    accountId: String(100_000_000_000 + Math.floor(i / 5)),
    region: ['us-east-1', 'eu-west-1', 'ap-south-1', 'us-west-2', 'eu-central-1'][i % 5] as string,
  }));

const run = (table: string, runId = 'run-1') => new RunStore(dynamo.client, table, runId, { now: () => NOW });

describe('RunStore: plan', () => {
  it('round-trips a plan of 5,000 targets, each item expiring after 7 days', async () => {
    const table = await dynamo.createStateTable('plan-5000');
    const targets: PlannedTarget[] = Array.from({ length: 5_000 }, (_, i) => ({
      accountId: String(100_000_000_000 + Math.floor(i / 5)),
      region: ['us-east-1', 'eu-west-1', 'ap-south-1', 'us-west-2', 'eu-central-1'][i % 5] as string,
      assumeRole: i >= 5,
    }));
    const meta = {
      errors: [
        { accountId: ACCOUNT, region: '*', operation: 'organizations:ListAccounts', code: 'X', message: 'm' },
      ],
      inactiveAccounts: [{ accountId: '210987654321', status: 'SUSPENDED' }],
    };

    const stored = await run(table).putPlan(targets, meta);

    expect(stored).toEqual({ count: 5_000, ...meta, inactiveCount: 1 });
    expect(await run(table).getPlan()).toEqual({ count: 5_000, ...meta, inactiveCount: 1 });
    for (const index of [0, 1, 2_499, 4_999])
      expect(await run(table).getTarget(index)).toEqual(targets[index]);
    const written = await items(table, 'RUN#run-1');
    expect(written).toHaveLength(5_001);
    expect(written[0]?.sk?.S).toBe('PLAN');
    expect(written[1]?.sk?.S).toBe('TARGET#000000');
    expect(written.at(-1)?.sk?.S).toBe('TARGET#004999');
    expect(new Set(written.map((item) => item.expiresAt?.N))).toEqual(
      new Set([String(EPOCH_NOW + 7 * 86_400)]),
    );
  });

  it('saves the plan of an organization with 20,000 closed accounts: counted, the first 20 named', async () => {
    const table = await dynamo.createStateTable('plan-inactive');
    const inactiveAccounts = Array.from({ length: 20_000 }, (_, i) => ({
      accountId: String(300_000_000_000 + i),
      status: i % 2 === 0 ? 'SUSPENDED' : 'PENDING_CLOSURE',
    }));
    const targets = [{ accountId: ACCOUNT, region: 'us-east-1', assumeRole: false }];

    const stored = await run(table).putPlan(targets, { errors: [], inactiveAccounts });

    const expected = {
      count: 1,
      errors: [],
      inactiveAccounts: inactiveAccounts.slice(0, MAX_LISTED_INACTIVE),
      inactiveCount: 20_000,
    };
    expect(MAX_LISTED_INACTIVE).toBe(20);
    expect(stored).toEqual(expected);
    expect(await run(table).getPlan()).toEqual(expected);
    expect(await run(table).getTarget(0)).toEqual(targets[0]);
  });

  it('names the run when it has no plan, and the run and index when a target is missing', async () => {
    const table = await dynamo.createStateTable('plan-missing');
    await run(table, 'run-2').putPlan([{ accountId: ACCOUNT, region: 'us-east-1', assumeRole: false }], {
      errors: [],
      inactiveAccounts: [],
    });

    await expect(run(table, 'run-9').getPlan()).rejects.toThrow(
      `run run-9 has no plan in state table ${table}`,
    );
    await expect(run(table, 'run-2').getTarget(1)).rejects.toThrow(
      `run run-2 has no target 1 in state table ${table}`,
    );
    await expect(run(table, 'run-2').getTarget(-1)).rejects.toBeInstanceOf(AuditorError);
  });

  it('turns a DynamoDB error into one that names the table', async () => {
    const store = run('no-such-table');
    await expect(store.getPlan()).rejects.toThrow(/^cannot read state table no-such-table: /);
    await expect(store.putPlan([], { errors: [], inactiveAccounts: [] })).rejects.toThrow(
      /^cannot write state table no-such-table: /,
    );
  });
});

describe('RunStore: outcomes', () => {
  /** ~`bytes` of JSON that gzip cannot shrink much: random hex strings. */
  function bulkyOutcome(bytes: number, tag: string) {
    return {
      tag,
      findings: Array.from({ length: Math.ceil(bytes / 990) }, () => randomBytes(496).toString('hex')),
    };
  }

  it('splits a 2 MB outcome into several chunks and reassembles it, in index order', async () => {
    const table = await dynamo.createStateTable('outcome-big');
    const big = bulkyOutcome(2_000_000, 'big');
    expect(JSON.stringify(big).length).toBeGreaterThan(2_000_000);
    const store = run(table);

    await store.putOutcome(7, big);
    await store.putOutcome(2, { tag: 'small', findings: [] });

    const chunks = await items(table, 'RUN#run-1', 'RESULT#000007#');
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(2_100_000 / OUTCOME_CHUNK_BYTES));
    expect(chunks.every((c) => c.expiresAt?.N === String(EPOCH_NOW + 7 * 86_400))).toBe(true);
    const all = await collect(store);
    expect(all.map((o) => o.index)).toEqual([2, 7]);
    expect(all[0]?.outcome).toEqual({ tag: 'small', findings: [] });
    expect(all[1]?.outcome).toEqual(big);
  });

  it('replaces an outcome, leaving no chunk of a longer earlier one behind', async () => {
    const table = await dynamo.createStateTable('outcome-rewrite');
    const store = run(table);
    await store.putOutcome(3, bulkyOutcome(1_500_000, 'first'));
    expect((await items(table, 'RUN#run-1', 'RESULT#000003#')).length).toBeGreaterThan(1);

    await store.putOutcome(3, { tag: 'second' });

    expect((await items(table, 'RUN#run-1', 'RESULT#000003#')).map((c) => c.sk?.S)).toEqual([
      'RESULT#000003#0000',
    ]);
    expect(await collect(store)).toEqual([{ index: 3, outcome: { tag: 'second' } }]);
  });

  it('keeps the outcomes of one run apart from another run', async () => {
    const table = await dynamo.createStateTable('outcome-runs');
    await run(table, 'run-a').putOutcome(0, 'a');
    await run(table, 'run-b').putOutcome(0, 'b');
    expect(await collect(run(table, 'run-a'))).toEqual([{ index: 0, outcome: 'a' }]);
  });

  it('refuses an outcome that is not JSON, naming the run and the index', async () => {
    const table = await dynamo.createStateTable('outcome-undefined');
    await expect(run(table).putOutcome(4, undefined)).rejects.toThrow(
      'run run-1: the outcome of target 4 is not a JSON value',
    );
  });
});

describe('TargetLocks', () => {
  const target = { accountId: ACCOUNT, region: 'us-east-1' };
  const inMinutes = (m: number) => new Date(NOW.getTime() + m * 60_000);

  it('lets one run hold a target: another run is refused with the holder, the holder may take it again', async () => {
    const table = await dynamo.createStateTable('locks-conflict');
    const locks = new TargetLocks(dynamo.client, table);

    expect(await locks.acquire(target, 'run-a', inMinutes(30), NOW)).toEqual({ ok: true });
    expect(await locks.acquire(target, 'run-b', inMinutes(30), inMinutes(1))).toEqual({
      ok: false,
      heldBy: 'run-a',
      until: inMinutes(30).toISOString(),
    });
    expect(await locks.acquire(target, 'run-a', inMinutes(45), inMinutes(2))).toEqual({ ok: true });
    expect(await locks.acquire({ ...target, region: 'eu-west-1' }, 'run-b', inMinutes(30), NOW)).toEqual({
      ok: true,
    });
  });

  it('lets another run take over an expired lock', async () => {
    const table = await dynamo.createStateTable('locks-expired');
    const locks = new TargetLocks(dynamo.client, table);
    await locks.acquire(target, 'run-a', inMinutes(30), NOW);

    expect(await locks.acquire(target, 'run-b', inMinutes(90), inMinutes(31))).toEqual({ ok: true });
    expect(await locks.acquire(target, 'run-a', inMinutes(60), inMinutes(32))).toMatchObject({
      ok: false,
      heldBy: 'run-b',
    });
  });

  it('releases only a lock the run holds', async () => {
    const table = await dynamo.createStateTable('locks-release');
    const locks = new TargetLocks(dynamo.client, table);
    await locks.acquire(target, 'run-a', inMinutes(30), NOW);

    await locks.release(target, 'run-b');
    expect(await locks.acquire(target, 'run-b', inMinutes(30), NOW)).toMatchObject({
      ok: false,
      heldBy: 'run-a',
    });
    await locks.release(target, 'run-a');
    await locks.release(target, 'run-a'); // not held any more: no error
    expect(await locks.acquire(target, 'run-b', inMinutes(30), NOW)).toEqual({ ok: true });
  });

  it('releases the locks a run holds over 250 targets in batches: 3 reads and 10 writes, not 250 deletes', async () => {
    const table = await dynamo.createStateTable('locks-release-all');
    const targets = manyTargets(250);
    const setup = new TargetLocks(dynamo.client, table);
    for (const [i, t] of targets.entries()) {
      // Every tenth target is held by another run; every 25th (of the rest) was never locked.
      if (i % 25 === 24) continue;
      await setup.acquire(t, i % 10 === 3 ? 'run-b' : 'run-a', inMinutes(24 * 60), NOW);
    }
    const { client, sent } = countingClient(dynamo.endpoint);

    await new TargetLocks(client, table).releaseAll(targets, 'run-a', inMinutes(5));

    expect(sent).toEqual({ BatchGetItem: 3, BatchWriteItem: Math.ceil(215 / 25) });
    for (const [i, t] of targets.entries()) {
      // A released lock is free for another run; one run-b holds is still refused to run-c.
      const taken = await setup.acquire(t, 'run-c', inMinutes(60), inMinutes(6));
      const heldByB = i % 10 === 3 && i % 25 !== 24;
      expect(taken.ok, `target ${i}`).toBe(!heldByB);
    }
    client.destroy();
  });

  it('releases a lock with less than the margin left only on the condition that the run still holds it', async () => {
    const table = await dynamo.createStateTable('locks-release-near');
    const locks = new TargetLocks(dynamo.client, table);
    const near = { ...target, region: 'eu-west-1' };
    const margin = RELEASE_MARGIN_MS / 60_000;
    await locks.acquire(target, 'run-a', inMinutes(margin + 10), NOW);
    await locks.acquire(near, 'run-a', inMinutes(margin - 1), NOW);
    const { client, sent } = countingClient(dynamo.endpoint);

    await new TargetLocks(client, table).releaseAll([target, near], 'run-a', NOW);

    // The lasting lock in the batch; the near one by its own conditional delete.
    expect(sent).toEqual({ BatchGetItem: 1, BatchWriteItem: 1, DeleteItem: 1 });
    expect(await locks.acquire(target, 'run-b', inMinutes(30), NOW)).toEqual({ ok: true });
    expect(await locks.acquire(near, 'run-b', inMinutes(30), NOW)).toEqual({ ok: true });
    client.destroy();
  });

  it('turns a DynamoDB error into one that names the table', async () => {
    const locks = new TargetLocks(dynamo.client, 'no-such-table');
    await expect(locks.acquire(target, 'r', inMinutes(1), NOW)).rejects.toThrow(
      /^cannot write state table no-such-table: /,
    );
    await expect(locks.release(target, 'r')).rejects.toThrow(/^cannot write state table no-such-table: /);
    await expect(locks.releaseAll([target], 'r', NOW)).rejects.toThrow(
      /^cannot read state table no-such-table: /,
    );
  });
});

describe('TargetHealth', () => {
  const target = { accountId: ACCOUNT, region: 'us-east-1' };
  const failed = (reason: string) => ({ ok: false as const, reason });

  it('counts consecutive failed runs and starts again at 0 after a success', async () => {
    const table = await dynamo.createStateTable('health-streak');
    const health = new TargetHealth(dynamo.client, table);

    expect(await health.record(target, failed('AccessDenied'), 'run-1')).toBe(1);
    expect(await health.record(target, failed('AccessDenied'), 'run-2')).toBe(2);
    expect(await health.record(target, failed('timeout'), 'run-3')).toBe(3);
    expect(await health.record({ ...target, region: 'eu-west-1' }, failed('x'), 'run-3')).toBe(1);
    expect(await health.record(target, { ok: true }, 'run-4')).toBe(0);
    expect(await health.record(target, failed('again'), 'run-5')).toBe(1);
  });

  it('counts a run once when its result is recorded again (a retried step)', async () => {
    const table = await dynamo.createStateTable('health-retry');
    const health = new TargetHealth(dynamo.client, table);
    await health.record(target, failed('a'), 'run-1');

    expect(await health.record(target, failed('a'), 'run-2')).toBe(2);
    expect(await health.record(target, failed('a'), 'run-2')).toBe(2);
  });

  it('records the successes of 250 targets in batches, each item as a success recorded alone leaves it', async () => {
    const table = await dynamo.createStateTable('health-batch');
    const health = new TargetHealth(dynamo.client, table);
    const targets = manyTargets(250);
    const [first, second] = targets as [Target, Target];
    await health.record(first, failed('AccessDenied'), 'run-1');
    await health.record(first, failed('AccessDenied'), 'run-2');
    await health.record(second, failed('AccessDenied'), 'run-1');
    await health.record(second, failed('AccessDenied'), 'run-2');
    const at = new Date('2026-11-26T01:00:00.000Z');
    const { client, sent } = countingClient(dynamo.endpoint);

    await new TargetHealth(client, table).recordSucceeded(targets.slice(1), 'run-3', at);
    await health.record(first, { ok: true }, 'run-3', at);

    expect(sent).toEqual({ BatchGetItem: 3, BatchWriteItem: 10 });
    const key = (t: Target) => [`HEALTH#${t.accountId}#${t.region}`, 'HEALTH'] as const;
    const alone = await rawItem(table, ...key(first));
    const batched = await rawItem(table, ...key(second));
    expect(alone).toMatchObject({ consecutiveFailures: { N: '0' }, lastRunId: { S: 'run-3' } });
    expect(alone).not.toHaveProperty('lastError');
    expect({ ...batched, pk: undefined }).toEqual({ ...alone, pk: undefined });
    expect(await health.record(second, failed('again'), 'run-4')).toBe(1);
    client.destroy();
  });

  it('leaves a success this run recorded as it is when the step records it again', async () => {
    const table = await dynamo.createStateTable('health-batch-retry');
    const health = new TargetHealth(dynamo.client, table);
    const other = { ...target, region: 'eu-west-1' };
    await health.recordSucceeded([target], 'run-1', new Date('2026-11-26T01:00:00.000Z'));
    const { client, sent } = countingClient(dynamo.endpoint);

    await new TargetHealth(client, table).recordSucceeded(
      [target, other],
      'run-1',
      new Date('2026-11-26T02:00:00.000Z'),
    );

    expect(sent).toEqual({ BatchGetItem: 1, BatchWriteItem: 1 });
    const key = (t: Target) => [`HEALTH#${t.accountId}#${t.region}`, 'HEALTH'] as const;
    expect((await rawItem(table, ...key(target)))?.lastRunAt).toEqual({ S: '2026-11-26T01:00:00.000Z' });
    expect((await rawItem(table, ...key(other)))?.lastRunAt).toEqual({ S: '2026-11-26T02:00:00.000Z' });
    client.destroy();
  });
});
