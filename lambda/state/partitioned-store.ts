/**
 * Writes spread over partitions: each record goes to its partition's store (findings are kept per
 * account × region, lambda/state/target-store.ts), and claim, settle and release are passed on the
 * same way. Used for one account's regions (AccountStateStore) and for the targets of a run or a
 * change batch (lambda/pipeline/routing.ts).
 */
import type { FindingRecord } from '../audit/lifecycle.js';
import { appendAll } from '../core/append.js';
import type { Claim, SharedWrites, StateStore } from './store.js';

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
    for (const [store, part] of this.parts(changes, (r) => r, this.always)) await store.save(part, now);
  }

  readonly shared: SharedWrites = {
    claim: async (changes, now, rules) => {
      const claims: Claim[] = [];
      for (const [store, part] of this.parts(changes, (r) => r, this.always)) {
        // Not push(...): a first audit claims 145,823 findings, too many arguments for the call stack.
        appendAll(claims, await store.shared.claim(part, now, rules));
      }
      return claims;
    },
    settle: async (settlements) => {
      for (const [store, part] of this.parts(settlements, (s) => s.claim.record))
        await store.shared.settle(part);
    },
    release: async (claims) => {
      for (const [store, part] of this.parts(claims, (c) => c.record)) await store.shared.release(part);
    },
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
