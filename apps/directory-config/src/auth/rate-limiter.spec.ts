import { ApiRateLimits, failureBucket } from './api-rate-limits';
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

describe('RateLimiter eviction never forgives (R-SEC-02)', () => {
  const sizeOf = (limiter: RateLimiter) => (limiter as unknown as { buckets: Map<string, unknown> }).buckets.size;

  it('R-SEC-02 a full map forgets idle and partly used buckets, never a blocked one: the blocked caller stays blocked', () => {
    const limiter = new RateLimiter({ burst: 3, perSecond: 1 }, () => 0, 100);
    for (let i = 0; i < 3; i++) limiter.take('guesser');
    expect(limiter.take('guesser')).toBe(1);
    // A flood of new callers, each taking one token (two left): the map fills and must forget some of them.
    for (let i = 0; i < 1000; i++) expect(limiter.take(`flood-${i}`)).toBe(0);
    expect(sizeOf(limiter)).toBeLessThanOrEqual(100);
    expect(limiter.wait('guesser')).toBe(1);
    expect(limiter.take('guesser')).toBe(1);
  });

  it('R-SEC-02 when every bucket is blocked the limiter fails closed: an unknown caller is refused until one has a token', () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 2, perSecond: 1 }, () => now, 10);
    for (let i = 0; i < 20; i++) limiter.take(`c${i % 10}`);
    expect(limiter.wait('newcomer')).toBe(1);
    expect(limiter.take('newcomer')).toBe(1);
    for (let i = 0; i < 10; i++) expect(limiter.wait(`c${i}`)).toBe(1); // none was forgotten to make room
    expect(sizeOf(limiter)).toBe(10);
    now += 1000; // each has a token again (not refilled: still remembered), so the least recently used gives way
    expect(limiter.take('newcomer')).toBe(0);
    expect(sizeOf(limiter)).toBe(10);
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

  describe('per address', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());

    /** What the guard does with a bad key: ask first, count the failure only when it was looked at. */
    const attempt = (limits: ApiRateLimits, address: string, key: string): 'looked-at' | 'refused' => {
      if (limits.failureWait(address, key) > 0) return 'refused';
      limits.failed(address, key);
      return 'looked-at';
    };

    it('R-SEC-02 a spray of 1000 prefixes from one address is throttled after the address budget (300), other addresses not', () => {
      const limits = new ApiRateLimits({ burst: 100, perSecond: 10 });
      const spray = Array.from({ length: 1000 }, (_, i) => attempt(limits, '10.0.0.1', issued(i.toString(16).padStart(8, '0'), i)));
      expect(spray.filter((a) => a === 'looked-at')).toHaveLength(300);
      expect(spray.slice(300).every((a) => a === 'refused')).toBe(true);
      // The trade-off: past its budget the address is refused unread, a valid key too; elsewhere nothing changes.
      expect(limits.failureWait('10.0.0.1', issued('99999999', 0))).toBeGreaterThan(0);
      expect(limits.failureWait('10.0.0.2', issued('00000001', 0))).toBe(0);
      jest.advanceTimersByTime(1000); // 5 a second come back
      expect(Array.from({ length: 10 }, (_, i) => attempt(limits, '10.0.0.1', issued(`f000000${i}`, i))).filter((a) => a === 'looked-at')).toHaveLength(5);
    });

    it('R-SEC-02 under the address budget, bad keys from one address still leave a valid key from it alone', () => {
      const limits = new ApiRateLimits({ burst: 100, perSecond: 10 });
      for (let i = 0; i < 250; i++) attempt(limits, '10.0.0.1', i % 2 ? `wrong-${i}` : issued(i.toString(16).padStart(8, '0'), i));
      expect(limits.failureWait('10.0.0.1', issued('0a1b2c3d', 0))).toBe(0);
      expect(limits.failureWait('10.0.0.1', 'the-bootstrap-key')).toBeGreaterThan(0); // 125 guesses at it: its bucket is spent
    });
  });
});
