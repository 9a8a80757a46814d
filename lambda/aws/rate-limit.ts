import { IVSCHAT_QUOTA_TPS } from '../core/ivschat-quota.js';

// The quota is a fact of the service (core/); its callers here keep importing it from the limiter.

/**
 * Operations whose quota is lower than `IVSCHAT_QUOTA_TPS`: IVS Chat allows 3 calls per second for
 * every logging-configuration operation, not adjustable.
 */
export const OPERATION_QUOTA_TPS: Readonly<Record<string, number>> = {
  ListLoggingConfigurations: 3,
  GetLoggingConfiguration: 3,
};

/**
 * The budget of one operation: the same share of its own quota as `tps` is of the room operations'
 * (4 of 5 → 2.4 of 3), so the auditor never takes more of a smaller quota than of the others.
 */
export function operationBudget(operation: string, tps: number): number {
  const quota = OPERATION_QUOTA_TPS[operation.replace(/Command$/, '')];
  return quota === undefined ? tps : Math.min(quota, (tps * quota) / IVSCHAT_QUOTA_TPS);
}

/**
 * Client-side API budget: releases callers one at a time, at least 1/tps seconds apart (plus a
 * little slack for network jitter), so no 1-second window ever sees more than `tps` calls and the
 * auditor never takes the whole per-account quota it shares with the customer's own application.
 * The SDK's adaptive retry stays behind it as the second line.
 */
/** The limiter's default spacing on top of 1/tps (see the constructor). */
export const LIMITER_JITTER_MS = 50;

/** How far apart a limiter at `tps` releases calls, in milliseconds. */
export const limiterIntervalMs = (tps: number, jitterMs = LIMITER_JITTER_MS): number =>
  (1000 + jitterMs) / tps;

export class RateLimiter {
  readonly tps: number;
  private readonly intervalMs: number;
  private readonly waiting: (() => void)[] = [];
  private lastRelease = Number.NEGATIVE_INFINITY;
  private draining = false;

  constructor(
    tps: number,
    private readonly clock: Clock = systemClock,
    /**
     * Spread `tps` calls over this much more than a second, so jitter between here and the service
     * (a first call that opens the connection or loads code arrives late) cannot squeeze tps+1 calls
     * into one second at the service's end.
     */
    jitterMs = LIMITER_JITTER_MS,
  ) {
    if (!(tps > 0) || !Number.isFinite(tps)) {
      throw new RangeError(`rate must be a positive number, got ${tps}`);
    }
    this.tps = tps;
    this.intervalMs = limiterIntervalMs(tps, jitterMs);
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

const systemClock = {
  now: () => performance.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

type Clock = { now(): number; sleep(ms: number): Promise<void> };

/**
 * Puts a client under an API budget: each operation (ListRooms, GetRoom, …) gets its own limiter at
 * `tps` (scaled down for operations with a smaller quota), as the service's quotas are per operation. The limiter sits inside the SDK's retry loop, just
 * before the request is sent, so retries spend budget too and nothing reaches the wire unbudgeted.
 */
export function withApiBudget<C extends { middlewareStack: { add: (...args: never[]) => void } }>(
  client: C,
  tps: number,
  clock: Clock = systemClock,
): C {
  const limiters = new Map<string, RateLimiter>();
  const limiterFor = (operation: string) => {
    let limiter = limiters.get(operation);
    if (!limiter) {
      limiter = new RateLimiter(operationBudget(operation, tps), clock);
      limiters.set(operation, limiter);
    }
    return limiter;
  };
  const add = client.middlewareStack.add as unknown as (
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'finalizeRequest'; priority: 'low'; name: string },
  ) => void;
  add(
    (next, context) => async (args) => {
      await limiterFor(context.commandName ?? 'unknown').acquire();
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'ivschatAuditorApiBudget' },
  );
  return client;
}
