import { inspect } from 'node:util';

export interface WaitForOptions {
  /** Deadline for the whole wait (default 10 000 ms). */
  timeoutMs?: number;
  /** Pause between probes (default 100 ms). */
  intervalMs?: number;
  /** What is awaited, for the error message. */
  description?: string;
}

type NotYet = undefined | null | false;

/**
 * Polls `probe` until it returns something other than undefined, null or false, and resolves with it.
 * A probe that throws counts as "not yet". Past the deadline it rejects with the description and the
 * last error or value seen, so a failing test says what it was waiting for.
 */
export async function waitFor<T>(
  probe: () => Promise<T | NotYet> | T | NotYet,
  options: WaitForOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 100, description = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let last: { error: unknown } | { value: unknown } | undefined;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - Date.now();
    try {
      const value = await withTimeout(Promise.resolve(probe()), Math.max(remaining, 1));
      if (value !== undefined && value !== null && value !== false) return value as T;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() + intervalMs > deadline) {
      const lastSeen =
        last && 'error' in last
          ? `last error: ${last.error instanceof Error ? last.error.message : inspect(last.error)}`
          : `last value: ${inspect(last?.value, { depth: 3, breakLength: Infinity })}`;
      throw new Error(`Timed out after ${timeoutMs} ms (${attempt} attempts) waiting for ${description}; ${lastSeen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const probeTimedOut = Symbol('probe timed out');

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof probeTimedOut>((resolve) => (timer = setTimeout(() => resolve(probeTimedOut), ms)));
  try {
    const result = await Promise.race([promise, timeout]);
    if (result === probeTimedOut) throw new Error(`probe still pending after ${ms} ms`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}
