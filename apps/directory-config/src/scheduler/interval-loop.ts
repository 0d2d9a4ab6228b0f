/**
 * Periodic work in each replica (the scheduler's ticks, the inbox pruning): `work` runs once at start (to catch up
 * after downtime) and every `intervalMs`; a slow run is not stacked on (the next timer fires into it and is
 * dropped); a failed run is reported and retried at the next interval; `stop` clears the timer and waits for the
 * run in flight, so a Nest `beforeApplicationShutdown` hook finishes it before the ORM closes. Concurrency across
 * replicas is the work's own business.
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
