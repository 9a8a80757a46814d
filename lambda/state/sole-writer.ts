/**
 * Claim, settle and release for a store with one writer (the CLI's state file, a store in memory), so
 * that delivery (lambda/pipeline/deliver.ts) has one path for every store. Nobody else writes, so a
 * claim always lands and is only staged; settle writes the claimed records, each with the sinks that
 * still lack it, in one save; release drops them (nothing was written). A crash before settle leaves
 * the store as it was, so the next run decides and sends everything again.
 */
import type { FindingRecord } from '../audit/lifecycle.js';
import type { Claim, Settlement, SharedWrites, StateStore } from './store.js';

export function soleWriter(store: Pick<StateStore, 'save'>): SharedWrites {
  let staged: { claims: readonly Claim[]; now: string } | undefined;
  return {
    async claim(changes, now, rules) {
      const claims = changes.map((record): Claim => {
        const sinks = record.pendingSinks?.length ? record.pendingSinks : rules.owedTo(record);
        return {
          record,
          version: record.version ?? 0,
          ...(sinks?.length ? { pendingSinks: [...sinks] } : {}),
        };
      });
      staged = { claims, now };
      return claims;
    },
    async settle(settlements) {
      if (!staged) return;
      const { claims, now } = staged;
      staged = undefined;
      const settled = new Map(settlements.map((s) => [s.claim, s]));
      const records: FindingRecord[] = [];
      for (const claim of claims) {
        const settlement = settled.get(claim);
        // A stored record claimed as it was (an earlier run's backlog) that this delivery left as it was.
        if (!settlement && claim.record.pendingSinks?.length) continue;
        records.push(settledRecord(claim, settlement));
      }
      await store.save(records, now);
    },
    async release() {
      staged = undefined;
    },
  };
}

/** The claimed record as it is written: owing what its settlement (else its claim) says. */
function settledRecord(claim: Claim, settlement: Settlement | undefined): FindingRecord {
  const { pendingSinks: _owed, owedFor: _for, ...record } = claim.record;
  const pending = settlement ? settlement.lacking : (claim.pendingSinks ?? []);
  if (settlement?.untold) delete record.lastNotified;
  return pending.length > 0 ? { ...record, pendingSinks: [...pending] } : record;
}
