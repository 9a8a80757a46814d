/**
 * Claims of a store with one writer (lambda/state/sole-writer.ts): the claim only marks the run's
 * change records (nothing per change is returned), settle saves those very records as they are owed,
 * a stored record claimed with its own mark is saved only when its delivery changed it (and then as a
 * copy: a store in memory may hold it), and release takes the claim's marks off again.
 */
import { describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import { soleWriter } from '../../lambda/state/sole-writer.js';
import { makeFinding } from '../render/fixtures.js';

const NOW = '2026-11-26T10:00:00.000Z';

const recordOf = (pendingSinks?: string[]): FindingRecord => {
  const finding = makeFinding();
  return {
    fingerprint: finding.fingerprint,
    status: 'open',
    firstSeen: NOW,
    lastSeen: NOW,
    lastNotified: NOW,
    finding,
    ...(pendingSinks ? { pendingSinks } : {}),
  };
};

function saving() {
  const saves: FindingRecord[][] = [];
  return {
    saves,
    store: { save: async (changes: readonly FindingRecord[]) => void saves.push([...changes]) },
  };
}

const RULES = { owedTo: () => ['sns', 'email'], onConflict: () => undefined };

describe('soleWriter', () => {
  it('marks the changes it claims and hands back the changes array itself', async () => {
    const { store, saves } = saving();
    const shared = soleWriter(store);
    const changes = [recordOf(), recordOf()];

    const claimed = await shared.claim(changes, NOW, RULES);

    expect(claimed.records).toBe(changes);
    expect(claimed.replaced.size).toBe(0);
    expect(changes.map((c) => c.pendingSinks)).toEqual([
      ['sns', 'email'],
      ['sns', 'email'],
    ]);
    expect(saves).toEqual([]); // staged, not written
  });

  it('saves the claimed records themselves, each owing what its settlement says', async () => {
    const { store, saves } = saving();
    const shared = soleWriter(store);
    const [told, lagging, reminder] = [recordOf(), recordOf(), recordOf()] as [
      FindingRecord,
      FindingRecord,
      FindingRecord,
    ];
    const changes = [told, lagging, reminder];
    await shared.claim(changes, NOW, RULES);

    await shared.settle(changes, (r) =>
      r === told ? { lacking: [] } : r === lagging ? { lacking: ['email'] } : { lacking: [], untold: true },
    );

    expect(saves).toHaveLength(1);
    const [saved] = saves;
    expect(saved?.[0]).toBe(told);
    expect(saved?.map((r) => r.pendingSinks)).toEqual([undefined, ['email'], undefined]);
    expect(saved?.map((r) => r.lastNotified)).toEqual([NOW, NOW, undefined]);
  });

  it('saves a stored record claimed with its own mark only when its delivery changed it, as a copy', async () => {
    const { store, saves } = saving();
    const shared = soleWriter(store);
    const untouched = recordOf(['email']);
    const delivered = recordOf(['email']);
    await shared.claim([untouched, delivered], NOW, RULES);

    await shared.settle([untouched, delivered], (r) => (r === delivered ? { lacking: [] } : undefined));

    expect(saves[0]?.map((r) => r.fingerprint)).toEqual([delivered.fingerprint]);
    expect(saves[0]?.[0]).not.toBe(delivered);
    expect(saves[0]?.[0]?.pendingSinks).toBeUndefined();
    expect(delivered.pendingSinks).toEqual(['email']); // the caller's record is left as it was read
  });

  it('takes the claim marks off again on release, and writes nothing', async () => {
    const { store, saves } = saving();
    const shared = soleWriter(store);
    const fresh = recordOf();
    const owed = recordOf(['email']);
    const claimed = await shared.claim([fresh, owed], NOW, RULES);

    await shared.release(claimed);
    await shared.settle(claimed.records, () => ({ lacking: [] }));

    expect(fresh.pendingSinks).toBeUndefined();
    expect(owed.pendingSinks).toEqual(['email']);
    expect(saves).toEqual([]);
  });
});
