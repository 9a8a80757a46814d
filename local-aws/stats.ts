/** Counters per region × operation, for tests and benchmarks. */

export interface OperationStats {
  /** Every request that reached the operation. */
  calls: number;
  /** Requests answered with a throttling error (429 for IVS Chat). */
  throttled: number;
  /** Requests answered with any other error (4xx/5xx, incl. injected faults). */
  errors: number;
  /** Most requests admitted (not throttled) in any sliding 1-second window. */
  maxObservedTps: number;
}

/** `stats[region][operation]`. */
export type StatsSnapshot = Record<string, Record<string, OperationStats>>;

interface Counter extends OperationStats {
  window: number[];
}

export class Stats {
  private counters = new Map<string, Map<string, Counter>>();
  constructor(private readonly clock: () => number = () => performance.now()) {}

  private counter(region: string, operation: string): Counter {
    let byOp = this.counters.get(region);
    if (!byOp) {
      byOp = new Map();
      this.counters.set(region, byOp);
    }
    let c = byOp.get(operation);
    if (!c) {
      c = { calls: 0, throttled: 0, errors: 0, maxObservedTps: 0, window: [] };
      byOp.set(operation, c);
    }
    return c;
  }

  call(region: string, operation: string): void {
    this.counter(region, operation).calls++;
  }

  admitted(region: string, operation: string): void {
    const c = this.counter(region, operation);
    const now = this.clock();
    c.window.push(now);
    let drop = 0;
    while (drop < c.window.length && (c.window[drop] ?? 0) <= now - 1000) drop++;
    if (drop > 0) c.window.splice(0, drop);
    c.maxObservedTps = Math.max(c.maxObservedTps, c.window.length);
  }

  throttled(region: string, operation: string): void {
    this.counter(region, operation).throttled++;
  }

  error(region: string, operation: string): void {
    this.counter(region, operation).errors++;
  }

  snapshot(): StatsSnapshot {
    const out: StatsSnapshot = {};
    for (const [region, byOp] of this.counters) {
      const ops: Record<string, OperationStats> = {};
      for (const [op, { calls, throttled, errors, maxObservedTps }] of byOp) {
        ops[op] = { calls, throttled, errors, maxObservedTps };
      }
      out[region] = ops;
    }
    return out;
  }

  reset(): void {
    this.counters.clear();
  }
}
