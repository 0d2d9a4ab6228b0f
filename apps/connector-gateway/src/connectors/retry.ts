import { ConnectorException } from './connector.exception';

export interface RetryPolicy {
  /** Tries per request, the first included. */
  attempts: number;
  /** Backoff before try n+1: base × 2^(n-1), capped, with ±20 % jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the request fails (the run is incomplete). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The delay before the next try: the answer's Retry-After when it gave one, else exponential backoff. */
export function retryDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random = Math.random): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(backoff * (0.8 + 0.4 * random()));
}

/** Parses Retry-After (delta seconds or an HTTP date) into ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Runs `request` until it succeeds, fails with a non-retryable `ConnectorException`, or runs out of tries
 * (R-API-02: a failed page is retried with backoff; 429 honours Retry-After).
 */
export async function withRetry<T>(request: () => Promise<T>, policy: RetryPolicy, onRetry?: (e: ConnectorException, delayMs: number, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (e) {
      if (!(e instanceof ConnectorException) || !e.retryable || attempt >= policy.attempts) throw e;
      if (e.retryAfterMs !== undefined && e.retryAfterMs > policy.maxRetryAfterMs) throw e;
      const delay = retryDelay(attempt, policy, e.retryAfterMs);
      onRetry?.(e, delay, attempt);
      await sleep(delay);
    }
  }
}
