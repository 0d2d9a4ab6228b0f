export interface RateLimit {
  /** Requests a caller may make at once. */
  burst: number;
  /** Requests per second it gets back. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per caller (an API key, a client address, a client address and the key it targets), in this
 * replica's memory: `take` answers 0 when the request may go on, else the seconds to wait.
 *
 * The map is bounded (`maxCallers`) and forgets without forgiving: a bucket that has refilled completely carries no
 * information and goes first; then the least recently used bucket that still has a token; a blocked bucket (under
 * one token) is never forgotten, or a flood of new callers would reset the very buckets that stop a guesser. When
 * every bucket is blocked the limiter fails closed: a caller it does not know is refused (`wait`/`take` answer the
 * seconds until some bucket has a token again) rather than counted nowhere.
 */
export class RateLimiter {
  /** In order of last use (a touched bucket moves to the end), so the first non-blocked bucket is the one to forget. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => Date.now(),
    private readonly maxCallers = 10_000,
  ) {}

  /** Takes a token: 0 when the request may go on, else the seconds until one is back. */
  take(caller: string): number {
    const now = this.now();
    let bucket = this.touched(caller, now);
    if (!bucket) {
      const full = this.makeRoom(now);
      if (full > 0) return full;
      bucket = { tokens: this.limit.burst, at: now };
      this.buckets.set(caller, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.waitFor(bucket.tokens);
  }

  /**
   * The seconds until `caller` has a token, without taking one (0: it has one now). A caller it does not know has
   * a full bucket, unless the map is full of blocked buckets (then it is refused: fail closed). Records nothing.
   */
  wait(caller: string): number {
    const now = this.now();
    const bucket = this.touched(caller, now);
    if (bucket) return bucket.tokens >= 1 ? 0 : this.waitFor(bucket.tokens);
    return this.buckets.size < this.maxCallers ? 0 : this.roomIn(now);
  }

  private waitFor(tokens: number): number {
    return Math.ceil((1 - tokens) / this.limit.perSecond);
  }

  private tokensAt(bucket: Bucket, now: number): number {
    return Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
  }

  /** The caller's bucket refilled to `now` and moved to the end of the map (most recently used), if it has one. */
  private touched(caller: string, now: number): Bucket | undefined {
    const bucket = this.buckets.get(caller);
    if (!bucket) return undefined;
    bucket.tokens = this.tokensAt(bucket, now);
    bucket.at = now;
    this.buckets.delete(caller);
    this.buckets.set(caller, bucket);
    return bucket;
  }

  /**
   * Room for a new caller: 0 when there is (or was made), else the seconds until some bucket may be forgotten.
   * Full buckets all go at once (nothing is lost); otherwise the least recently used one with a token.
   */
  private makeRoom(now: number): number {
    if (this.buckets.size < this.maxCallers) return 0;
    for (const [caller, b] of this.buckets) if (this.tokensAt(b, now) >= this.limit.burst) this.buckets.delete(caller);
    if (this.buckets.size < this.maxCallers) return 0;
    for (const [caller, b] of this.buckets) {
      if (this.tokensAt(b, now) >= 1) {
        this.buckets.delete(caller);
        return 0;
      }
    }
    return this.roomIn(now);
  }

  /** With the map full: 0 if a bucket could be forgotten now, else the seconds until the first one could. */
  private roomIn(now: number): number {
    let most = -Infinity;
    for (const b of this.buckets.values()) {
      most = Math.max(most, this.tokensAt(b, now));
      if (most >= 1) return 0;
    }
    return this.waitFor(most);
  }
}
