import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api/client';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads something from the admin API and keeps the last answer while reloading. With `pollMs`, loads again
 * that long after each answer until `keepPolling(data)` says stop (a run's page polls every second until the
 * run is final): polling, not a stream, because the API has no event stream yet.
 */
export function useResource<T>(
  load: () => Promise<T>,
  deps: DependencyList,
  options: { pollMs?: number; keepPolling?: (data: T) => boolean } = {},
): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  // The caller's deps decide when `load` changes (it is a new closure on every render).
  const loader = useCallback(load, deps);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      setLoading(true);
      try {
        const value = await loader();
        if (cancelled) return;
        setData(value);
        setError(undefined);
        const { pollMs, keepPolling } = optionsRef.current;
        if (pollMs && (!keepPolling || keepPolling(value))) timer = setTimeout(() => void run(), pollMs);
      } catch (e) {
        if (cancelled) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'CONSOLE_ERROR', (e as Error).message));
        // A failed poll tries again later (a service restarting answers 503 for a moment).
        const { pollMs } = optionsRef.current;
        if (pollMs) timer = setTimeout(() => void run(), pollMs * 3);
      } finally {
        if (!cancelled) setLoading(false);
      }
    };
    void run();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [loader, tick]);

  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}

/** An action (a button's request): its pending state, last error and last result. */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [result, setResult] = useState<T>();
  const run = async (...args: A): Promise<T | undefined> => {
    setPending(true);
    setError(undefined);
    try {
      const value = await action(...args);
      setResult(value);
      return value;
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'CONSOLE_ERROR', (e as Error).message));
      return undefined;
    } finally {
      setPending(false);
    }
  };
  return { run, pending, error, result, reset: () => (setError(undefined), setResult(undefined)) };
}

/** Sets the tab's title for the page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Roster admin console`;
  }, [title]);
}
