/**
 * Writes spread over partitions: each record goes to its partition's store (findings are kept per
 * account × region, lambda/state/target-store.ts), and claim, settle and release are passed on the
 * same way. Used for one account's regions (AccountStateStore) and for the targets of a run or a
 * change batch (lambda/pipeline/routing.ts).
 */
import type { FindingRecord } from '../audit/lifecycle.js';
import { eachConcurrently } from './concurrently.js';
import type { Claim, SharedWrites, StateStore } from './store.js';

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
    await eachPart(
      this.parts(changes, (r) => r, this.always),
      (store, part) => store.save(part, now),
    );
  }

  readonly shared: SharedWrites = {
    claim: async (changes, now, rules) => {
      const claims: Claim[][] = [];
      const parts = this.parts(changes, (r) => r, this.always);
      // Kept in partition order whatever order the partitions finish in.
      await eachPart(parts, async (store, part, i) => {
        claims[i] = await store.shared.claim(part, now, rules);
      });
      return claims.flat();
    },
    settle: (settlements) =>
      eachPart(
        this.parts(settlements, (s) => s.claim.record),
        (store, part) => store.shared.settle(part),
      ),
    release: (claims) =>
      eachPart(
        this.parts(claims, (c) => c.record),
        (store, part) => store.shared.release(part),
      ),
  };

  /** Each store's part of `items`, every item's store named before any is acted on; `always` first. */
  private parts<T>(
    items: readonly T[],
    recordOf: (item: T) => FindingRecord,
    always: readonly Partition[] = [],
  ): Map<Partition, T[]> {
    const parts = new Map<Partition, T[]>(always.map((store) => [store, []]));
    for (const item of items) {
      const store = this.storeOf(recordOf(item));
      const part = parts.get(store);
      if (part) part.push(item);
      else parts.set(store, [item]);
    }
    return parts;
  }
}

/** `work` on each partition's part, PARTITION_CONCURRENCY at a time; the first error is thrown once the running ones end. */
function eachPart<T>(
  parts: Map<Partition, T[]>,
  work: (store: Partition, part: T[], index: number) => Promise<void>,
): Promise<void> {
  const indexed = [...parts].map(([store, part], index) => ({ store, part, index }));
  return eachConcurrently(indexed, PARTITION_CONCURRENCY, ({ store, part, index }) =>
    work(store, part, index),
  );
}
