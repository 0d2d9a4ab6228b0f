import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap } from '@nestjs/common';

/**
 * Periodic work in each replica (the scheduler's ticks, the prunes, scheduled deactivations): `work` runs once at
 * start (to catch up after downtime) and every `intervalMs`; a slow run is not stacked on (the next timer fires into
 * it and is dropped); a failed run is reported and retried at the next interval; `stop` clears the timer and waits
 * for the run in flight, so a Nest `beforeApplicationShutdown` hook finishes it before the ORM closes. Concurrency
 * across replicas is the work's own business.
 */
export class IntervalLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    this.run();
    this.timer = setInterval(() => this.run(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private run(): void {
    if (this.running) return;
    this.running = Promise.resolve()
      .then(() => this.work())
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running = undefined;
      });
  }
}

/**
 * A Nest provider running `work` on an IntervalLoop every `intervalMs` in each replica (and once at start); 0 turns
 * it off, saying so in the log with `offNote`. The loop stops before the application shuts down, so a run in flight
 * finishes before the ORM closes (`beforeApplicationShutdown` comes before the platform's `onApplicationShutdown`).
 * A failed run is logged as a warning naming `what`, and retried at the next interval.
 */
export abstract class IntervalJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private readonly loop = new IntervalLoop(
    () => this.work(),
    (error) => this.logger.warn({ error: String((error as Error)?.message ?? error) }, `${this.what} failed; retried next interval`),
  );

  protected constructor(
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly offNote: string,
  ) {}

  protected abstract work(): Promise<unknown>;

  onApplicationBootstrap(): void {
    if (this.intervalMs === 0) {
      this.logger.log(this.offNote);
      return;
    }
    this.loop.start(this.intervalMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }
}
