/**
 * Claim, settle and release for a store with one writer (the CLI's state file, a store in memory), so
 * that delivery (lambda/pipeline/deliver.ts) has one path for every store. Nobody else writes, so a
 * claim always lands and is only staged; settle writes the claimed records, each with the sinks that
 * still lack it, in one save; release drops them (nothing was written). A crash before settle leaves
 * the store as it was, so the next run decides and sends everything again.
 */
import type { FindingRecord } from '../audit/lifecycle.js';
import { type OwedMark, owedMark, type Settlement, type SharedWrites, type StateStore } from './store.js';

export function soleWriter(store: Pick<StateStore, 'save'>): SharedWrites {
  let staged: { now: string } | undefined;
  return {
    async claim(changes, now, rules) {
      staged = { now };
      return { records: changes, replaced: NOTHING_REPLACED, owed: (record) => owedMark(record, rules) };
    },
    async settle(claimed, settlement) {
      if (!staged) return;
      const { now } = staged;
      staged = undefined;
      const records: FindingRecord[] = [];
      for (const record of claimed.records) {
        const owed = claimed.owed(record);
        const settled = settlement(record, owed);
        // A stored record claimed as it was (an earlier run's backlog) that this delivery left as it was.
        if (!settled && record.pendingSinks?.length) continue;
        records.push(settledRecord(record, owed, settled));
      }
      await store.save(records, now);
    },
    async release() {
      staged = undefined;
    },
  };
}

/** Nothing to put back: a sole writer's claim writes nothing. */
const NOTHING_REPLACED: ReadonlyMap<string, Record<string, unknown>> = new Map();

/** The claimed record as it is written: owing what its settlement (else its claim) says. */
function settledRecord(
  claimed: FindingRecord,
  owed: OwedMark | undefined,
  settlement: Settlement | undefined,
): FindingRecord {
  const { pendingSinks: _owed, owedFor: _for, ...record } = claimed;
  const pending = settlement ? settlement.lacking : (owed?.pendingSinks ?? []);
  if (settlement?.untold) delete record.lastNotified;
  return pending.length > 0 ? { ...record, pendingSinks: [...pending] } : record;
}
