/**
 * Claims of a store with one writer (lambda/state/sole-writer.ts): the claim stages the run's change
 * records as they are (nothing per change is returned), settle saves each as its settlement says, a
 * stored record claimed with its own mark is saved only when its delivery changed it, and a released
 * claim writes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import { soleWriter } from '../../lambda/state/sole-writer.js';
import { openRecord } from '../fixtures.js';
import { makeFinding } from '../render/fixtures.js';

const NOW = '2026-11-26T10:00:00.000Z';

const recordOf = (pendingSinks?: string[]): FindingRecord => {
  const finding = makeFinding();
  return { ...openRecord(finding, NOW), ...(pendingSinks ? { pendingSinks } : {}) };
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
  it('hands back the changes array itself, leaves the changes as they are, and writes nothing yet', async () => {
    const { store, saves } = saving();
    const shared = soleWriter(store);
    const changes = [recordOf(), recordOf(['email'])];

    const claimed = await shared.claim(changes, NOW, RULES);

    expect(claimed.records).toBe(changes);
    expect(claimed.replaced.size).toBe(0);
    expect(changes.map((c) => c.pendingSinks)).toEqual([undefined, ['email']]);
    // Owed as the rules say, or as its own mark says.
    expect(changes.map((c) => claimed.owed(c)?.pendingSinks)).toEqual([['sns', 'email'], ['email']]);
    expect(saves).toEqual([]); // staged, not written
  });

  it('saves each claimed record owing what its settlement (else its claim) says', async () => {
    const { store, saves } = saving();
    const shared = soleWriter(store);
    const [told, lagging, reminder, unsettled] = [recordOf(), recordOf(), recordOf(), recordOf()];
    const claimed = await shared.claim([told, lagging, reminder, unsettled] as FindingRecord[], NOW, RULES);

    await shared.settle(claimed, (r, owed) => {
      expect(owed?.pendingSinks).toEqual(['sns', 'email']);
      if (r === told) return { lacking: [] };
      if (r === lagging) return { lacking: ['email'] };
      return r === reminder ? { lacking: [], untold: true } : undefined;
    });

    expect(saves).toHaveLength(1);
    expect(saves[0]?.map((r) => r.pendingSinks)).toEqual([undefined, ['email'], undefined, ['sns', 'email']]);
    expect(saves[0]?.map((r) => r.lastNotified)).toEqual([NOW, NOW, undefined, NOW]);
    expect(reminder?.lastNotified).toBe(NOW); // the caller's record is left as it was
  });

  it('saves a stored record claimed with its own mark only when its delivery changed it', async () => {
    const { store, saves } = saving();
    const shared = soleWriter(store);
    const untouched = recordOf(['email']);
    const delivered = recordOf(['email']);
    const claimed = await shared.claim([untouched, delivered], NOW, RULES);

    await shared.settle(claimed, (r) => (r === delivered ? { lacking: [] } : undefined));

    expect(saves[0]?.map((r) => r.fingerprint)).toEqual([delivered.fingerprint]);
    expect(saves[0]?.[0]?.pendingSinks).toBeUndefined();
  });

  it('writes nothing once released', async () => {
    const { store, saves } = saving();
    const shared = soleWriter(store);
    const claimed = await shared.claim([recordOf()], NOW, RULES);

    await shared.release(claimed);
    await shared.settle(claimed, () => ({ lacking: [] }));

    expect(saves).toEqual([]);
  });
});
