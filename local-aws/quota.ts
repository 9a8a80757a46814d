/**
 * Per account × region × operation token buckets at the documented IVS Chat API rates
 * (Service Quotas → Amazon IVS Chat, "... rate" quotas; all TPS per account per region).
 * Operations of one quota group share one bucket (the logging-configuration operations: 3 TPS
 * together). Burst (bucket capacity) = rate. `scale` multiplies every rate (e.g. 100 for fast benchmarks).
 */

export const IVSCHAT_RATE_LIMITS: Readonly<Record<string, number>> = {
  CreateChatToken: 200,
  CreateLoggingConfiguration: 3,
  CreateRoom: 5,
  DeleteLoggingConfiguration: 3,
  DeleteMessage: 100,
  DeleteRoom: 5,
  DisconnectUser: 100,
  GetLoggingConfiguration: 3,
  GetRoom: 5,
  ListLoggingConfigurations: 3,
  ListRooms: 5,
  ListTagsForResource: 10,
  SendEvent: 100,
  TagResource: 10,
  UntagResource: 10,
  UpdateLoggingConfiguration: 3,
  UpdateRoom: 5,
};

/**
 * The alert sinks' documented rates (TPS per account per region): Security Hub `BatchImportFindings`
 * 10 (burst 30; the bucket here allows a burst of 10, the stricter test). PutEvents' quota is in the
 * thousands and is not limited here.
 */
export const SINK_RATE_LIMITS: Readonly<Record<string, number>> = {
  BatchImportFindings: 10,
};

/**
 * Operations that draw from one shared bucket, named by the group. Every logging-configuration call
 * counts against the same 3 TPS, so an auditor listing configurations competes with the customer's
 * own Get/Update calls; the bucket's rate is that of the operation that first used it.
 */
export const IVSCHAT_QUOTA_GROUPS: Readonly<Record<string, string>> = {
  CreateLoggingConfiguration: 'LoggingConfiguration',
  DeleteLoggingConfiguration: 'LoggingConfiguration',
  GetLoggingConfiguration: 'LoggingConfiguration',
  ListLoggingConfigurations: 'LoggingConfiguration',
  UpdateLoggingConfiguration: 'LoggingConfiguration',
};

export interface QuotaOptions {
  /** Default true. When false every request is admitted. */
  enabled?: boolean;
  /** Multiplies every rate (and burst). Default 1. */
  scale?: number;
  /** Override or add rates (TPS) by operation name; operations without a rate are never throttled. */
  rates?: Partial<Record<string, number>>;
}

export interface QuotaConfig {
  enabled: boolean;
  scale: number;
  rates: Record<string, number>;
}

export function resolveQuotaConfig(options: QuotaOptions = {}, base?: QuotaConfig): QuotaConfig {
  const rates: Record<string, number> = {
    ...(base?.rates ?? { ...IVSCHAT_RATE_LIMITS, ...SINK_RATE_LIMITS }),
  };
  for (const [op, rate] of Object.entries(options.rates ?? {})) {
    if (rate !== undefined) rates[op] = rate;
  }
  const scale = options.scale ?? base?.scale ?? 1;
  if (!(scale > 0)) throw new Error(`quota scale must be > 0, got ${scale}`);
  return { enabled: options.enabled ?? base?.enabled ?? true, scale, rates };
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly rate: number,
    readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class QuotaManager {
  private buckets = new Map<string, TokenBucket>();
  constructor(
    private config: QuotaConfig,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  get current(): QuotaConfig {
    return { ...this.config, rates: { ...this.config.rates } };
  }

  configure(options: QuotaOptions): void {
    this.config = resolveQuotaConfig(options, this.config);
    this.buckets.clear();
  }

  /** The effective rate (TPS) for an operation, or undefined when it is not limited. */
  rateFor(operation: string): number | undefined {
    const rate = this.config.rates[operation];
    return rate === undefined ? undefined : rate * this.config.scale;
  }

  /** True when the request is admitted; false → answer ThrottlingException. */
  admit(accountId: string, region: string, operation: string): boolean {
    if (!this.config.enabled) return true;
    const rate = this.rateFor(operation);
    if (rate === undefined) return true;
    const key = `${accountId}\u0000${region}\u0000${IVSCHAT_QUOTA_GROUPS[operation] ?? operation}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(rate, Math.max(1, rate), this.clock());
      this.buckets.set(key, bucket);
    }
    return bucket.take(this.clock());
  }
}
