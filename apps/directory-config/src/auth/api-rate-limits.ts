import { Inject, Injectable } from '@nestjs/common';
import { RateLimiter, type RateLimit } from './rate-limiter';

export const API_RATE_LIMIT = Symbol('API_RATE_LIMIT');

/** An issued key names itself in its first characters (`rk_<8 hex>_…`, the prefix the key list shows). */
const ISSUED_KEY_PREFIX = /^rk_([0-9a-f]{8})_/;

/**
 * The failed-authentication bucket a presented key is counted in: its client address and the key it tries to be —
 * the issued key its prefix names, or (anything else) the bootstrap key. So guessing at one key from one address is
 * slowed, while failures aimed at other keys never lock out a valid key behind the same address (a NAT, an
 * ingress without `ROSTER_TRUST_PROXY`). Spreading guesses over prefixes gains nothing: a guess can only match the
 * key its prefix names, and that key's 256 random bits.
 */
export function failureBucket(address: string, presentedKey: string): string {
  const issued = ISSUED_KEY_PREFIX.exec(presentedKey);
  return `${address} ${issued ? `rk_${issued[1]}` : 'bootstrap'}`;
}

/**
 * The process's admin API buckets: one per key, and one per client address and targeted key (`failureBucket`)
 * for failed authentication.
 */
@Injectable()
export class ApiRateLimits {
  readonly perKey: RateLimiter;
  readonly failures: RateLimiter;

  constructor(@Inject(API_RATE_LIMIT) limit: RateLimit) {
    this.perKey = new RateLimiter(limit);
    this.failures = new RateLimiter({ burst: 20, perSecond: 2 });
  }
}
