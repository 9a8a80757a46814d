/**
 * What the batch sinks (Security Hub, EventBridge) share: the rule for which refusals are worth a
 * second try, cutting items into calls within a destination's limits, and delivering in rounds
 * where only what a call refused item by item is sent again, never what it accepted.
 */
import type { SinkReceipt } from './sink.js';

/** Refusal codes that may pass on a second try: throttling, a full quota, a passing server fault. */
const RETRYABLE = /Internal|Throttl|LimitExceeded|ServiceUnavailable|TooManyRequests/i;

export function isRetryable(code: string): boolean {
  return RETRYABLE.test(code);
}

/** What one call may carry. */
export interface CallLimits<T> {
  maxItems: number;
  maxBytes: number;
  /** The bytes of a call with no item (its envelope). @default 0 */
  emptyBytes?: number;
  /** The bytes an item adds to a call. */
  sizeOf(item: T): number;
}

/** `items` in order, cut into calls of at most `maxItems` items and `maxBytes`. */
export function* batches<T>(items: readonly T[], limits: CallLimits<T>): Generator<T[]> {
  const empty = limits.emptyBytes ?? 0;
  let batch: T[] = [];
  let bytes = empty;
  for (const item of items) {
    const size = limits.sizeOf(item);
    if (batch.length > 0 && (batch.length === limits.maxItems || bytes + size > limits.maxBytes)) {
      yield batch;
      batch = [];
      bytes = empty;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** Why a destination refused one item. */
export interface Refusal {
  code: string;
  message: string;
}

/** A sink's delivery of one alert as it goes: counted, the fingerprints not taken, the last error. */
export class Tally {
  delivered = 0;
  readonly undelivered: string[] = [];
  error?: string;

  constructor(private readonly sink: string) {}

  /** The receipt: `undelivered` and `error` only when something was not taken. */
  receipt(): SinkReceipt {
    const receipt: SinkReceipt = { sink: this.sink, delivered: this.delivered, messageIds: [] };
    if (this.undelivered.length > 0) {
      if (this.error !== undefined) receipt.error = this.error;
      receipt.undelivered = [...this.undelivered];
    }
    return receipt;
  }
}

export interface Rounds<T> {
  items: readonly T[];
  /** Rounds of resending what was refused one by one and may pass on a second try. */
  retries: number;
  batches(items: readonly T[]): Iterable<T[]>;
  /**
   * One call: the refusal of each item of `batch`, by position (undefined: taken). Throws when the
   * whole call failed (after the client's own retries).
   */
  send(batch: readonly T[]): Promise<readonly (Refusal | undefined)[]>;
  /** The fingerprint of the finding an item carries. */
  fingerprintOf(item: T): string;
  /** The error a receipt names for a refusal or a failed call (a sink adds where it happened). */
  describe(code: string, message: string): string;
  /** The error when retries ran out with `count` items still refused. */
  exhausted(count: number): string;
}

/**
 * Sends `items` in calls, then again what was refused for a reason that may pass, up to `retries`
 * more rounds. A failed call ends the delivery: it and everything not yet sent wait for the next
 * run. What is not taken goes to `tally.undelivered`, in the order it was given up on.
 */
export async function deliverInRounds<T>(tally: Tally, rounds: Rounds<T>): Promise<void> {
  let pending = rounds.items;
  for (let round = 0; pending.length > 0 && round <= rounds.retries; round++) {
    const retry: T[] = [];
    const unsent = [...rounds.batches(pending)];
    for (const [n, batch] of unsent.entries()) {
      let refusals: readonly (Refusal | undefined)[];
      try {
        refusals = await rounds.send(batch);
      } catch (error) {
        const e = error as Error & { code?: string };
        tally.error = rounds.describe(e.code ?? e.name, e.message);
        const left = [...retry, ...unsent.slice(n).flat()];
        for (const item of left) tally.undelivered.push(rounds.fingerprintOf(item));
        return;
      }
      batch.forEach((item, index) => {
        const refusal = refusals[index];
        if (!refusal) tally.delivered++;
        else if (isRetryable(refusal.code)) retry.push(item);
        else {
          tally.undelivered.push(rounds.fingerprintOf(item));
          tally.error = rounds.describe(refusal.code, refusal.message);
        }
      });
    }
    pending = retry;
  }
  if (pending.length > 0) {
    // One at a time, not push(...): a first audit's sink can leave 100,000 findings undelivered.
    for (const item of pending) tally.undelivered.push(rounds.fingerprintOf(item));
    tally.error ??= rounds.exhausted(pending.length);
  }
}
