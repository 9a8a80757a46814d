/**
 * Client-side API budget: releases callers one at a time, at least 1/tps seconds apart (plus a
 * small margin for network jitter), so no 1-second window ever sees more than `tps` calls and the
 * auditor never takes the whole per-account quota it shares with the customer's own application.
 * The SDK's adaptive retry stays behind it as the second line.
 */
export class RateLimiter {
  readonly tps: number;
  private readonly intervalMs: number;
  private readonly waiting: (() => void)[] = [];
  private lastRelease = Number.NEGATIVE_INFINITY;
  private draining = false;

  constructor(
    tps: number,
    private readonly clock: { now(): number; sleep(ms: number): Promise<void> } = systemClock,
    /** Extra spacing so request jitter between here and the service cannot squeeze tps+1 calls into a second. */
    margin = 0.02,
  ) {
    if (!(tps > 0) || !Number.isFinite(tps))
      throw new RangeError(`rate must be a positive number, got ${tps}`);
    this.tps = tps;
    this.intervalMs = (1000 / tps) * (1 + margin);
  }

  /** Resolves when the caller may make its call. Callers are served in arrival order. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.draining) void this.drain();
    });
  }

  // Spacing is measured from the actual previous release, so a late timer never bunches later calls.
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.waiting.length > 0) {
      const wait = this.lastRelease + this.intervalMs - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
      this.lastRelease = this.clock.now();
      this.waiting.shift()?.();
    }
    this.draining = false;
  }
}

/** No budget: used offline and in tests that measure something else. */
export const unlimited = { acquire: async (): Promise<void> => {} };

export type Limiter = Pick<RateLimiter, 'acquire'>;

const systemClock = {
  now: () => performance.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
