import { ConnectorException, ConnectorExceptionCode } from './connector.exception';
import { parseRetryAfter, retryDelay, withRetry } from './retry';

const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 50 };
const transient = (retryAfterMs?: number) => new ConnectorException(ConnectorExceptionCode.UNREACHABLE, 'x', true, retryAfterMs);

describe('retry (R-API-02)', () => {
  it('R-API-02 backoff doubles up to the cap; Retry-After wins', () => {
    const p = { attempts: 9, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };
    expect([1, 2, 3, 6].map((a) => retryDelay(a, p, undefined, () => 0.5))).toEqual([1000, 2000, 4000, 30_000]);
    expect(retryDelay(1, p, 7000)).toBe(7000);
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('R-API-02 retries transient failures, not permanent ones, and gives up after the attempts', async () => {
    let calls = 0;
    await expect(withRetry(async () => (++calls < 3 ? Promise.reject(transient()) : 'ok'), policy)).resolves.toBe('ok');
    calls = 0;
    await expect(withRetry(() => (++calls, Promise.reject(transient())), policy)).rejects.toBeInstanceOf(ConnectorException);
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetry(() => (++calls, Promise.reject(new ConnectorException(ConnectorExceptionCode.BAD_API_KEY, 'k'))), policy)).rejects.toThrow('k');
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetry(() => (++calls, Promise.reject(transient(60_000))), policy)).rejects.toBeInstanceOf(ConnectorException);
    expect(calls).toBe(1);
  });
});
