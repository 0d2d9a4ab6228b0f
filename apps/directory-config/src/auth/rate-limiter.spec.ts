import { failureBucket } from './api-rate-limits';
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

describe('failed-authentication buckets (R-SEC-02)', () => {
  const issued = (prefix: string, n: number) => `rk_${prefix}_${String(n).padStart(43, 'x')}`;

  it('R-SEC-02 counts a failure against its address and the key it tries to be: an issued key by its prefix, anything else against the bootstrap key', () => {
    expect(failureBucket('10.0.0.1', issued('0a1b2c3d', 1))).toBe(failureBucket('10.0.0.1', issued('0a1b2c3d', 2)));
    expect(failureBucket('10.0.0.1', issued('0a1b2c3d', 1))).not.toBe(failureBucket('10.0.0.1', issued('ffffffff', 1)));
    expect(failureBucket('10.0.0.1', issued('0a1b2c3d', 1))).not.toBe(failureBucket('10.0.0.2', issued('0a1b2c3d', 1)));
    expect(failureBucket('10.0.0.1', 'guess-one')).toBe(failureBucket('10.0.0.1', 'rk_NOT-HEX_guess'));
  });

  it('R-SEC-02 a flood of bad keys from one address slows guesses at each key, never another key from that address', () => {
    const failures = new RateLimiter({ burst: 20, perSecond: 2 }, () => 0);
    const guess = (key: string) => failures.take(failureBucket('10.0.0.1', key));
    const atVictim = Array.from({ length: 25 }, (_, i) => guess(issued('0a1b2c3d', i)));
    expect(atVictim.filter((w) => w > 0)).toHaveLength(5);
    expect(Array.from({ length: 25 }, (_, i) => guess(`bootstrap-guess-${i}`)).filter((w) => w > 0)).toHaveLength(5);
    expect(failures.wait(failureBucket('10.0.0.1', issued('99999999', 0)))).toBe(0);
    expect(failures.wait(failureBucket('10.0.0.2', issued('0a1b2c3d', 0)))).toBe(0);
  });
});
