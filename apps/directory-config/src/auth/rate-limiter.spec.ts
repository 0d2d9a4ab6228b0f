import { RateLimiter } from './rate-limiter';

describe('RateLimiter (R-SEC-02 rate limiting)', () => {
  it('R-SEC-02 lets a burst through, then answers how long to wait, and refills with time', () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 3, perSecond: 2 }, () => now);
    expect([limiter.take('k'), limiter.take('k'), limiter.take('k')]).toEqual([0, 0, 0]);
    expect(limiter.take('k')).toBe(1); // half a second for the next token, rounded up to whole seconds
    expect(limiter.take('other')).toBe(0); // buckets are per caller
    now += 500;
    expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBe(1);
    now += 10_000;
    expect([limiter.take('k'), limiter.take('k'), limiter.take('k'), limiter.take('k')]).toEqual([0, 0, 0, 1]); // never more than the burst
  });
});

describe('RateLimiter bounds (R-SEC-02)', () => {
  it('R-SEC-02 wait() tells without taking, and the map of callers stays bounded under a flood of addresses', () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 1, perSecond: 1 }, () => now, 100);
    expect(limiter.wait('a')).toBe(0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.wait('a')).toBe(1);
    for (let i = 0; i < 1000; i++) limiter.take(`flood-${i}`);
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(100);
    now += 1000;
    expect(limiter.take('flood-999')).toBe(0);
  });
});
