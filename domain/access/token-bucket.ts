// Token buckets keyed by caller: each key refills at `perSecond` up to `burst`; a request takes one
// token or is told how long until one is there. Pure: the caller passes the clock.

export interface TokenBucketLimits {
  perSecond: number;
  burst: number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: TokenBucketLimits,
    /** Buckets full again are forgotten after this many keys, so memory stays bounded by active callers. */
    private readonly maxIdleKeys = 10_000,
  ) {}

  take(key: string, nowMs: number): TakeResult {
    const { perSecond, burst } = this.limits;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: nowMs };
    const tokens = Math.min(burst, bucket.tokens + (Math.max(0, nowMs - bucket.at) / 1000) * perSecond);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at: nowMs });
      this.forgetFullBuckets(nowMs);
      return { allowed: true };
    }
    this.buckets.set(key, { tokens, at: nowMs });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
  }

  private forgetFullBuckets(nowMs: number): void {
    if (this.buckets.size <= this.maxIdleKeys) return;
    const { perSecond, burst } = this.limits;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond >= burst) this.buckets.delete(key);
    }
  }
}
