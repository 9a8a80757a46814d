/**
 * Writes spread over partitions: each record goes to its partition's store (findings are kept per
 * account × region, lambda/state/target-store.ts), and claim, settle and release are passed on the
 * same way. Used for one account's regions (AccountStateStore) and for the targets of a run or a
 * change batch (lambda/pipeline/routing.ts).
 */
import type { FindingRecord } from '../audit/lifecycle.js';
import { eachConcurrently } from './concurrently.js';
import { type Claimed, owedMark, type SharedWrites, type StateStore } from './store.js';

/**
 * Partitions written at once. A run over 1,000 targets claims and settles in 1,000 partitions of a
 * few findings each: one after another, that is two round trips per target (~12 s of the aggregate
 * step at ~6 ms each); 8 at a time, each with its store's own writes in flight, it is 1/8 of that.
 */
export const PARTITION_CONCURRENCY = 8;

/** One partition's store (a Partition). */
export type Partition = Pick<StateStore, 'save'> & { readonly shared: SharedWrites };

export class PartitionedStore {
  /**
   * `storeOf` names a record's store (it may refuse one, before anything is written); `always` are
   * stores that save and claim even without changes (so each one's legacy items are migrated).
   */
  constructor(
    private readonly storeOf: (record: FindingRecord) => Partition,
    private readonly always: readonly Partition[] = [],
  ) {}

  async save(changes: readonly FindingRecord[], now: string): Promise<void> {
    await eachPart(this.parts(changes, this.always), (store, part) => store.save(part, now));
  }

  readonly shared: SharedWrites = {
    claim: async (changes, now, rules): Promise<Claimed> => {
      const claimed: Claimed[] = [];
      const parts = this.parts(changes, this.always);
      await eachPart(parts, async (store, part, i) => {
        claimed[i] = await store.shared.claim(part, now, rules);
      });
      // Every change landed as it was: the changes are the records written (no copy of a first audit's).
      const asDecided = [...parts.values()].every((part, i) => claimed[i]?.records === part);
      return {
        records: asDecided ? changes : claimed.flatMap((c) => c.records),
        replaced: merged(claimed.map((c) => c.replaced)),
        owed: (record) => owedMark(record, rules),
      };
    },
    settle: (claimed, settlement) =>
      eachPart(this.parts(claimed.records), (store, part) =>
        store.shared.settle({ ...claimed, records: part }, settlement),
      ),
    release: (claimed) =>
      eachPart(this.parts(claimed.records), (store, part) =>
        store.shared.release({ ...claimed, records: part }),
      ),
  };

  /**
   * Each store's part of `records`, every record's store named before any is acted on; `always`
   * first. Records all of one store (a run of one target: a first audit's 145,823) are passed on
   * as they are, not copied into a part.
   */
  private parts(
    records: readonly FindingRecord[],
    always: readonly Partition[] = [],
  ): Map<Partition, readonly FindingRecord[]> {
    const parts = new Map<Partition, FindingRecord[]>(always.map((store) => [store, []]));
    const [first] = records;
    const only = first && this.storeOf(first);
    if (only && records.every((record) => this.storeOf(record) === only)) {
      return new Map<Partition, readonly FindingRecord[]>([...parts, [only, records]]);
    }
    for (const record of records) {
      const store = this.storeOf(record);
      const part = parts.get(store);
      if (part) part.push(record);
      else parts.set(store, [record]);
    }
    return parts;
  }
}

/** One map of what several partitions' claims replaced (most replace nothing). */
function merged(
  maps: readonly ReadonlyMap<string, Record<string, unknown>>[],
): ReadonlyMap<string, Record<string, unknown>> {
  const some = maps.filter((m) => m.size > 0);
  if (some.length <= 1) return some[0] ?? new Map();
  const all = new Map<string, Record<string, unknown>>();
  for (const map of some) for (const [fingerprint, item] of map) all.set(fingerprint, item);
  return all;
}

/** `work` on each partition's part, PARTITION_CONCURRENCY at a time; the first error is thrown once the running ones end. */
function eachPart(
  parts: Map<Partition, readonly FindingRecord[]>,
  work: (store: Partition, part: readonly FindingRecord[], index: number) => Promise<void>,
): Promise<void> {
  const indexed = [...parts].map(([store, part], index) => ({ store, part, index }));
  return eachConcurrently(indexed, PARTITION_CONCURRENCY, ({ store, part, index }) =>
    work(store, part, index),
  );
}
