import { Inject, Injectable } from '@nestjs/common';
import { RateLimiter, type RateLimit } from './rate-limiter';

export const API_RATE_LIMIT = Symbol('API_RATE_LIMIT');

/** An issued key names itself in its first characters (`rk_<8 hex>_…`, the prefix the key list shows). */
const ISSUED_KEY_PREFIX = /^rk_([0-9a-f]{8})_/;

/**
 * The failed-authentication bucket a presented key is counted in: its client address and the key it tries to be —
 * the issued key its prefix names, or (anything else) the bootstrap key. So guessing at one key from one address is
 * slowed, while failures aimed at other keys do not lock out a valid key behind the same address (a NAT, an ingress
 * without `ROSTER_TRUST_PROXY`) — up to that address's budget for all failures (`PER_ADDRESS_FAILURES`).
 */
export function failureBucket(address: string, presentedKey: string): string {
  const issued = ISSUED_KEY_PREFIX.exec(presentedKey);
  return `${address} ${issued ? `rk_${issued[1]}` : 'bootstrap'}`;
}

/** Failures at one key from one address: 20 at once, then 2 a second. */
const PER_KEY_FAILURES: RateLimit = { burst: 20, perSecond: 2 };

/**
 * Failures from one address at any keys: 300 at once, then 5 a second (300 a minute). Each new `rk_` prefix is a
 * new `failureBucket`, so without this one address could make a database lookup per guess by spraying prefixes (and
 * fill the bucket maps). Generous, because one address may be many clients (a NAT; an ingress without
 * `ROSTER_TRUST_PROXY` is everybody): a script retrying a stale key every second spends 60 a minute. Past it, every
 * key from that address is refused unread — valid ones too — until it refills: the price of bounding the lookups.
 */
const PER_ADDRESS_FAILURES: RateLimit = { burst: 300, perSecond: 5 };

/**
 * The process's admin API buckets: one per key; for failed authentication one per client address and targeted key
 * (`failureBucket`) and one per client address, both asked before a presented key is looked at.
 */
@Injectable()
export class ApiRateLimits {
  readonly perKey: RateLimiter;
  readonly failuresPerKey: RateLimiter;
  readonly failuresPerAddress: RateLimiter;

  constructor(@Inject(API_RATE_LIMIT) limit: RateLimit) {
    this.perKey = new RateLimiter(limit);
    this.failuresPerKey = new RateLimiter(PER_KEY_FAILURES);
    this.failuresPerAddress = new RateLimiter(PER_ADDRESS_FAILURES);
  }

  /** The seconds before `presentedKey` from `address` may be looked at (0: now). Takes nothing. */
  failureWait(address: string, presentedKey: string): number {
    return Math.max(this.failuresPerAddress.wait(address), this.failuresPerKey.wait(failureBucket(address, presentedKey)));
  }

  /** Counts a failed key against its address and against the key it tried to be. */
  failed(address: string, presentedKey: string): void {
    this.failuresPerAddress.take(address);
    this.failuresPerKey.take(failureBucket(address, presentedKey));
  }
}
