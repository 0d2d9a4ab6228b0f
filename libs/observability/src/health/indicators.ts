import type { NatsConnection } from 'nats';

export type HealthStatus = 'up' | 'down';

/** Same shape as @nestjs/terminus's result, so terminus indicators can be passed to HealthModule as well. */
export type HealthIndicatorResult = Record<string, { status: HealthStatus; [detail: string]: unknown }>;
export type HealthIndicatorFn = () => Promise<HealthIndicatorResult>;

export interface IndicatorOptions {
  /** Key in the readiness report. */
  key?: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2000;

export function up(key: string, details: Record<string, unknown> = {}): HealthIndicatorResult {
  return { [key]: { ...details, status: 'up' } };
}

export function down(key: string, reason: string): HealthIndicatorResult {
  return { [key]: { status: 'down', message: reason } };
}

export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type SqlRunner = { execute(sql: string): Promise<unknown> } | { query(sql: string): Promise<unknown> };

/** A MikroORM instance, an EntityManager, a MikroORM Connection, or a pg Pool/Client. */
export type PostgresTarget = SqlRunner | { em: { getConnection(): SqlRunner } } | { getConnection(): SqlRunner };

function runnerOf(target: PostgresTarget): SqlRunner {
  if ('em' in target) return target.em.getConnection();
  if ('getConnection' in target) return target.getConnection();
  return target;
}

/** Up when `select 1` answers within the timeout. The getter runs on every check, so it may return a late-bound resource. */
export function postgresIndicator(
  getTarget: () => PostgresTarget | undefined,
  { key = 'postgres', timeoutMs = DEFAULT_TIMEOUT_MS }: IndicatorOptions = {},
): HealthIndicatorFn {
  return async () => {
    try {
      const target = getTarget();
      if (!target) return down(key, 'not initialised');
      const runner = runnerOf(target);
      const started = Date.now();
      await withTimeout('execute' in runner ? runner.execute('select 1') : runner.query('select 1'), timeoutMs);
      return up(key, { latencyMs: Date.now() - started });
    } catch (error) {
      return down(key, errorMessage(error));
    }
  };
}

export type NatsTarget = Pick<NatsConnection, 'isClosed' | 'isDraining' | 'rtt'>;

/** Up when the connection is open, not draining, and a PING round trip completes within the timeout. */
export function natsIndicator(
  getConnection: () => NatsTarget | undefined,
  { key = 'nats', timeoutMs = DEFAULT_TIMEOUT_MS }: IndicatorOptions = {},
): HealthIndicatorFn {
  return async () => {
    try {
      const nc = getConnection();
      if (!nc) return down(key, 'not connected');
      if (nc.isClosed()) return down(key, 'connection closed');
      if (nc.isDraining()) return down(key, 'connection draining');
      // rtt() rejects while the client is reconnecting, which is exactly "not ready".
      const rttMs = await withTimeout(nc.rtt(), timeoutMs);
      return up(key, { rttMs });
    } catch (error) {
      return down(key, errorMessage(error));
    }
  };
}
