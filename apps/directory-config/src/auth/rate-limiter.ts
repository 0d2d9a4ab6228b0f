export interface RateLimit {
  /** Requests a caller may make at once. */
  burst: number;
  /** Requests per second it gets back. */
  perSecond: number;
}

/**
 * A token bucket per caller (an API key, or a client address for failed authentication), in this replica's
 * memory: `take` answers 0 when the request may go on, else the seconds to wait. Idle buckets are forgotten.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => Date.now(),
    private readonly maxCallers = 10_000,
  ) {}

  /** Takes a token: 0 when the request may go on, else the seconds until one is back. */
  take(caller: string): number {
    const bucket = this.refilled(caller);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.waitFor(bucket);
  }

  /** The seconds until `caller` has a token, without taking one (0: it has one now). */
  wait(caller: string): number {
    const bucket = this.refilled(caller);
    return bucket.tokens >= 1 ? 0 : this.waitFor(bucket);
  }

  private waitFor(bucket: { tokens: number }): number {
    return Math.ceil((1 - bucket.tokens) / this.limit.perSecond);
  }

  private refilled(caller: string): { tokens: number; at: number } {
    const now = this.now();
    let bucket = this.buckets.get(caller);
    if (!bucket) {
      if (this.buckets.size >= this.maxCallers) this.forget(now);
      bucket = { tokens: this.limit.burst, at: now };
      this.buckets.set(caller, bucket);
    }
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    return bucket;
  }

  /**
   * Room for a new caller: buckets that have refilled completely carry no information; if none has, the oldest
   * ones go (a bounded map: a flood of addresses cannot grow it).
   */
  private forget(now: number): void {
    for (const [caller, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(caller);
    }
    for (const caller of this.buckets.keys()) {
      if (this.buckets.size < this.maxCallers) break;
      this.buckets.delete(caller);
    }
  }
}
