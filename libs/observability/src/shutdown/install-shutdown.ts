import type { INestApplicationContext } from '@nestjs/common';

export interface ShutdownLogger {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ShutdownOptions {
  signals?: NodeJS.Signals[];
  /** Exit with code 1 if shutdown has not finished by then; keep it under the orchestrator's grace period (k8s: 30 s). */
  forceExitAfterMs?: number;
}

/**
 * Turns SIGTERM/SIGINT into an orderly Nest shutdown and logs it. Nest then runs, in this order:
 *   1. onModuleDestroy            — HealthModule marks the service not ready; stop pulling new work here
 *   2. beforeApplicationShutdown  — drain NATS consumers (nc.drain()) and finish in-flight handlers
 *   3. HTTP server and connected microservices close
 *   4. onApplicationShutdown      — MikroOrmModule closes the ORM; close other DB pools here
 * so every consumer has drained and acked before the database goes away. A second signal exits at once.
 * Returns a function that removes the listeners (for tests).
 */
export function installShutdown(
  app: INestApplicationContext,
  logger: ShutdownLogger,
  { signals = ['SIGTERM', 'SIGINT'], forceExitAfterMs = 25_000 }: ShutdownOptions = {},
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const onExit = (code: number) => logger.info({ code }, 'shutdown complete');

  const onSignal = (signal: NodeJS.Signals) => {
    if (timer) {
      logger.error({ signal }, 'second shutdown signal; exiting now');
      process.exit(1);
      return; // (only reached where exit is stubbed) never start a second timer that nobody can clear
    }
    logger.info({ signal, forceExitAfterMs }, 'shutdown signal received; draining');
    timer = setTimeout(() => {
      logger.error({ signal, forceExitAfterMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, forceExitAfterMs);
    timer.unref();
    process.once('exit', onExit);
  };

  // Registered before Nest's own listeners, so the log line precedes the hooks.
  for (const signal of signals) process.on(signal, onSignal);
  // process.exit (not re-raising the signal) lets pino flush and gives exit code 0 on a clean stop.
  app.enableShutdownHooks(signals, { useProcessExit: true });

  return () => {
    for (const signal of signals) process.removeListener(signal, onSignal);
    process.removeListener('exit', onExit);
    clearTimeout(timer);
  };
}
