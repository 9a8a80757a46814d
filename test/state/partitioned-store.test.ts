import { describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import { type Partition, PartitionedStore } from '../../lambda/state/partitioned-store.js';
import type { Claim } from '../../lambda/state/store.js';

const NOW = '2026-05-01T10:00:00.000Z';

/** A partition whose claims always land, without I/O. */
function landingPartition(): Partition {
  return {
    save: async () => {},
    shared: {
      claim: async (changes) => changes.map((record): Claim => ({ record, version: 1 })),
      settle: async () => {},
      release: async () => {},
    },
  };
}

describe('Class: PartitionedStore', () => {
  // A first audit of 50,000 rooms claimed 145,823 findings in one partition, and passing them to
  // push() as arguments overflowed the call stack ("Maximum call stack size exceeded").
  it('claims a first audit of 200,000 findings in one partition', async () => {
    const partition = landingPartition();
    const store = new PartitionedStore(() => partition);
    const changes = Array.from(
      { length: 200_000 },
      (_, i) => ({ fingerprint: `f${i}`, status: 'open' }) as FindingRecord,
    );

    const claims = await store.shared.claim(changes, NOW, {
      owedTo: () => undefined,
      onConflict: () => undefined,
    });

    expect(claims).toHaveLength(200_000);
    expect(claims[199_999]?.record.fingerprint).toBe('f199999');
  });
});
