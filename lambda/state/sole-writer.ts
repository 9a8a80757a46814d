/**
 * Claim, settle and release for a store with one writer (the CLI's state file, a store in memory), so
 * that delivery (lambda/pipeline/deliver.ts) has one path for every store. Nobody else writes, so a
 * claim always lands and is only staged (the records marked with the sinks they are owed); settle
 * writes the claimed records, each with the sinks that still lack it, in one save; release drops them
 * (nothing was written) and takes the marks off again. A crash before settle leaves the store as it
 * was, so the next run decides and sends everything again.
 */
import type { FindingRecord } from '../audit/lifecycle.js';
import type { Claimed, Settlement, SharedWrites, StateStore } from './store.js';

export function soleWriter(store: Pick<StateStore, 'save'>): SharedWrites {
  // The records claimed with an owed mark of their own (an earlier run's backlog): few, and written
  // only when their delivery changed what they owe.
  let staged: { now: string; own: ReadonlySet<string> } | undefined;
  return {
    async claim(changes, now, rules): Promise<Claimed> {
      const own = new Set<string>();
      for (const record of changes) {
        if (record.pendingSinks?.length) {
          own.add(record.fingerprint);
          continue;
        }
        const sinks = rules.owedTo(record);
        if (sinks?.length) record.pendingSinks = sinks as string[];
        else delete record.pendingSinks;
      }
      staged = { now, own };
      return { records: changes, replaced: NOTHING_REPLACED };
    },
    async settle(claimed, settlement) {
      if (!staged) return;
      const { now, own } = staged;
      staged = undefined;
      const records: FindingRecord[] = [];
      for (const record of claimed) {
        const settled = settlement(record);
        // A stored record claimed as it was (an earlier run's backlog) that this delivery left as it was.
        if (!settled && own.has(record.fingerprint)) continue;
        records.push(settledRecord(record, settled, own.has(record.fingerprint)));
      }
      await store.save(records, now);
    },
    async release({ records }) {
      const own = staged?.own;
      staged = undefined;
      // The run's changes as they were decided: a retry claims them afresh.
      for (const record of records) if (!own?.has(record.fingerprint)) delete record.pendingSinks;
    },
  };
}

/** Nothing to put back: a sole writer's claim writes nothing. */
const NOTHING_REPLACED: ReadonlyMap<string, Record<string, unknown>> = new Map();

/**
 * The claimed record as it is written: owing what its settlement (else its claim) says. The run's own
 * changes are written as they are (no copy of 100,000 records); a record with a mark of its own may be
 * a stored one the caller still holds (a store in memory hands out its records), so it is copied.
 */
function settledRecord(
  record: FindingRecord,
  settlement: Settlement | undefined,
  own: boolean,
): FindingRecord {
  const pending = settlement ? settlement.lacking : (record.pendingSinks ?? []);
  const written = own ? { ...record } : record;
  delete written.owedFor;
  if (settlement?.untold) delete written.lastNotified;
  if (pending.length > 0) written.pendingSinks = [...pending];
  else delete written.pendingSinks;
  return written;
}
