/**
 * Writes spread over partitions (lambda/state/partitioned-store.ts): partitions are written several at
 * a time, yet what the caller gets back is in partition order, and a failing partition fails the call.
 * The changes of one partition are handed on as they are, and changes every partition claimed as
 * they were come back as the very array claimed (a first audit's 145,823 records are not copied).
 */
import { describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import {
  PARTITION_CONCURRENCY,
  type Partition,
  PartitionedStore,
} from '../../lambda/state/partitioned-store.js';

const record = (accountId: string, n: number): FindingRecord =>
  ({
    fingerprint: `${accountId}-${n}`,
    status: 'open',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    finding: { accountId, region: 'us-east-1' },
  }) as unknown as FindingRecord;

const RULES = { owedTo: () => ['sns'], onConflict: () => undefined };

/**
 * A partition whose claims take `delayMs`, counting the partitions claiming at once. `redecide`: each
 * partition writes copies of its changes, as a claim that met conflicts writes redecisions.
 */
function partitions(delays: Record<string, number>, fail?: string, redecide = false) {
  let running = 0;
  const seen = {
    maxRunning: 0,
    settled: [] as string[],
    claimed: [] as (readonly FindingRecord[])[],
    settling: [] as (readonly FindingRecord[])[],
  };
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
          seen.claimed.push(changes);
          await wait();
          if (accountId === fail) throw new Error(`partition ${accountId} refused`);
          return {
            records: redecide ? changes.map((r) => ({ ...r })) : changes,
            replaced: new Map(),
            owed: () => undefined,
          };
        },
        settle: async (claimed, settlement) => {
          seen.settling.push(claimed.records);
          await wait();
          for (const r of claimed.records)
            if (settlement(r, claimed.owed(r))) seen.settled.push(r.fingerprint);
        },
        release: async () => wait(),
      },
    });
  }
  const store = new PartitionedStore((r) => stores.get(r.finding.accountId) as Partition);
  return { store, seen };
}

describe('PartitionedStore', () => {
  it('claims several partitions at once and returns what they wrote in partition order', async () => {
    // The first partitions are the slowest: they finish last.
    const accounts = Array.from({ length: 20 }, (_, i) => `a${i}`);
    const { store, seen } = partitions(
      Object.fromEntries(accounts.map((a, i) => [a, 40 - 2 * i])),
      undefined,
      true,
    );
    const changes = accounts.flatMap((a) => [record(a, 1), record(a, 2)]);
    const claimed = await store.shared.claim(changes, '2026-01-01T00:00:00.000Z', RULES);
    expect(claimed.records.map((r) => r.fingerprint)).toEqual(changes.map((c) => c.fingerprint));
    expect(claimed.records).not.toBe(changes);
    expect(seen.maxRunning).toBe(PARTITION_CONCURRENCY);
  });

  it('returns the changes themselves when every partition wrote them as they were', async () => {
    const { store } = partitions({ a: 3, b: 1 });
    const changes = [record('a', 1), record('b', 1), record('a', 2)];
    const claimed = await store.shared.claim(changes, '2026-01-01T00:00:00.000Z', RULES);
    expect(claimed.records).toBe(changes);
    expect(claimed.replaced.size).toBe(0);
  });

  it('settles every partition, asking each record what it still owes', async () => {
    const { store, seen } = partitions({ a: 5, b: 1, c: 3 });
    const records = ['a', 'b', 'c'].flatMap((a) => [record(a, 1), record(a, 2)]);
    const claimed = { records, replaced: new Map(), owed: () => undefined };
    await store.shared.settle(claimed, (r) => (r.fingerprint.endsWith('-1') ? { lacking: [] } : undefined));
    expect(seen.settled.sort()).toEqual(['a-1', 'b-1', 'c-1']);
  });

  it('hands the records of one partition on as they are, without copying them', async () => {
    const { store, seen } = partitions({ a: 0 });
    const changes = [record('a', 1), record('a', 2)];
    const claimed = await store.shared.claim(changes, '2026-01-01T00:00:00.000Z', RULES);
    await store.shared.settle(claimed, () => undefined);
    expect(seen.claimed[0]).toBe(changes);
    expect(seen.settling[0]).toBe(changes);
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
    const claimed = await store.shared.claim(changes, '2026-01-01T00:00:00.000Z', RULES);
    expect(claimed.records).toHaveLength(200_000);
    expect(claimed.records[199_999]?.fingerprint).toBe('a-199999');
  });
});
