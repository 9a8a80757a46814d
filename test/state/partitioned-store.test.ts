/**
 * Writes spread over partitions (lambda/state/partitioned-store.ts): partitions are written several at
 * a time, yet what the caller gets back is in partition order, and a failing partition fails the call.
 */
import { describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import {
  PARTITION_CONCURRENCY,
  type Partition,
  PartitionedStore,
} from '../../lambda/state/partitioned-store.js';
import type { Claim } from '../../lambda/state/store.js';

const record = (accountId: string, n: number): FindingRecord =>
  ({
    fingerprint: `${accountId}-${n}`,
    status: 'open',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    finding: { accountId, region: 'us-east-1' },
  }) as unknown as FindingRecord;

const RULES = { owedTo: () => ['sns'], onConflict: () => undefined };

/** A partition whose claims take `delayMs`, counting the partitions claiming at once. */
function partitions(delays: Record<string, number>, fail?: string) {
  let running = 0;
  const seen = { maxRunning: 0, settled: [] as string[] };
  const stores = new Map<string, Partition>();
  for (const [accountId, delayMs] of Object.entries(delays)) {
    const wait = async () => {
      running++;
      seen.maxRunning = Math.max(seen.maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      running--;
    };
    stores.set(accountId, {
      save: async () => wait(),
      shared: {
        claim: async (changes) => {
          await wait();
          if (accountId === fail) throw new Error(`partition ${accountId} refused`);
          return changes.map((r): Claim => ({ record: r, version: 1 }));
        },
        settle: async (settlements) => {
          await wait();
          seen.settled.push(...settlements.map((s) => s.claim.record.fingerprint));
        },
        release: async () => wait(),
      },
    });
  }
  const store = new PartitionedStore((r) => stores.get(r.finding.accountId) as Partition);
  return { store, seen };
}

describe('PartitionedStore', () => {
  it('claims several partitions at once and returns the claims in partition order', async () => {
    // The first partitions are the slowest: they finish last.
    const accounts = Array.from({ length: 20 }, (_, i) => `a${i}`);
    const { store, seen } = partitions(Object.fromEntries(accounts.map((a, i) => [a, 40 - 2 * i])));
    const changes = accounts.flatMap((a) => [record(a, 1), record(a, 2)]);
    const claims = await store.shared.claim(changes, '2026-01-01T00:00:00.000Z', RULES);
    expect(claims.map((c) => c.record.fingerprint)).toEqual(changes.map((c) => c.fingerprint));
    expect(seen.maxRunning).toBe(PARTITION_CONCURRENCY);
  });

  it('settles every partition', async () => {
    const { store, seen } = partitions({ a: 5, b: 1, c: 3 });
    const claims = ['a', 'b', 'c'].map((a): Claim => ({ record: record(a, 1), version: 1 }));
    await store.shared.settle(claims.map((claim) => ({ claim, lacking: [] })));
    expect(seen.settled.sort()).toEqual(['a-1', 'b-1', 'c-1']);
  });

  it('fails the claim when one partition fails', async () => {
    const { store, seen } = partitions({ a: 1, b: 1, c: 10 }, 'b');
    const changes = ['a', 'b', 'c'].map((a) => record(a, 1));
    await expect(store.shared.claim(changes, '2026-01-01T00:00:00.000Z', RULES)).rejects.toThrow(
      'partition b refused',
    );
    expect(seen.maxRunning).toBe(3);
  });

  // A first audit of 50,000 rooms claimed 145,823 findings in one partition, and passing them to
  // push() as arguments overflowed the call stack ("Maximum call stack size exceeded").
  it('claims a first audit of 200,000 findings in one partition', async () => {
    const { store } = partitions({ a: 0 });
    const changes = Array.from({ length: 200_000 }, (_, i) => record('a', i));
    const claims = await store.shared.claim(changes, '2026-01-01T00:00:00.000Z', RULES);
    expect(claims).toHaveLength(200_000);
    expect(claims[199_999]?.record.fingerprint).toBe('a-199999');
  });
});
