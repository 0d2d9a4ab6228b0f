import { Inject, Injectable } from '@nestjs/common';
import { RateLimiter, type RateLimit } from './rate-limiter';

export const API_RATE_LIMIT = Symbol('API_RATE_LIMIT');

/** The process's admin API buckets: one per key, one per client address for failed authentication. */
@Injectable()
export class ApiRateLimits {
  readonly perKey: RateLimiter;
  readonly failures: RateLimiter;

  constructor(@Inject(API_RATE_LIMIT) limit: RateLimit) {
    this.perKey = new RateLimiter(limit);
    this.failures = new RateLimiter({ burst: 20, perSecond: 2 });
  }
}
