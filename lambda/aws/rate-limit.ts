/**
 * Client-side API budget: spaces calls evenly at `tps` per second, so the auditor never takes
 * the whole per-account quota it shares with the customer's own application. The SDK's
 * adaptive retry stays behind it as the second line.
 */
export class RateLimiter {
  readonly tps: number;
  private readonly intervalMs: number;
  private nextSlot = 0;

  constructor(
    tps: number,
    private readonly clock: { now(): number; sleep(ms: number): Promise<void> } = systemClock,
  ) {
    if (!(tps > 0) || !Number.isFinite(tps))
      throw new RangeError(`rate must be a positive number, got ${tps}`);
    this.tps = tps;
    this.intervalMs = 1000 / tps;
  }

  /** Resolves when the caller may make its call. Slots are handed out in arrival order. */
  async acquire(): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now);
  }
}

/** No budget: used offline and in tests that measure something else. */
export const unlimited = { acquire: async (): Promise<void> => {} };

export type Limiter = Pick<RateLimiter, 'acquire'>;

const systemClock = {
  now: () => performance.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
