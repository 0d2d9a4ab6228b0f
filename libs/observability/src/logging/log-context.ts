import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * R-OPS-03: what every log line written while handling one message (or one request) carries — the tenant, the
 * directory, the run, the event. Set where the work starts (the JetStream transport sets it from the CloudEvent
 * for every handler); read by `createLogger`'s mixin, so code that logs never passes the ids by hand.
 */
export interface LogContext {
  tenantId?: string;
  directoryId?: string;
  runId?: string;
  eventId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with these fields added to the current context (undefined fields are left out; inner wins). */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  const merged: LogContext = { ...storage.getStore() };
  for (const [key, value] of Object.entries(fields) as [keyof LogContext, string | undefined][]) {
    if (value !== undefined && value !== '') merged[key] = value;
  }
  return storage.run(merged, fn);
}

/** The fields of the work in progress, or undefined outside any. */
export function logContext(): Readonly<LogContext> | undefined {
  return storage.getStore();
}
