import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { StartDueRunsUseCase } from './start-due-runs.usecase';

export const SCHEDULER_SETTINGS = Symbol('SCHEDULER_SETTINGS');
export interface SchedulerSettings {
  /** Milliseconds between ticks; 0 disables the loop (ticks then come only from POST /v1/scheduler/tick). */
  intervalMs: number;
  /** Injectable clock, so tests move time instead of sleeping. */
  now: () => Date;
}

/**
 * Ticks StartDueRunsUseCase every `intervalMs` (and once at start, to catch up after downtime) in each replica;
 * the use case makes concurrent ticks safe. On shutdown the loop stops and an in-flight tick finishes before the
 * ORM closes (this hook runs before the platform's onApplicationShutdown).
 */
@Injectable()
export class RunScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RunScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly startDueRuns: StartDueRunsUseCase,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.intervalMs === 0) {
      this.logger.log('scheduler loop disabled (ROSTER_SCHEDULER_INTERVAL_MS=0); ticks only through POST /v1/scheduler/tick');
      return;
    }
    this.tick();
    this.timer = setInterval(() => this.tick(), this.settings.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return; // a slow tick is not stacked on
    this.running = this.startDueRuns
      .execute(this.settings.now())
      .catch((error: unknown) => this.logger.warn({ error: String((error as Error)?.message ?? error) }, 'scheduler tick failed; retried next tick'))
      .finally(() => {
        this.running = undefined;
      });
  }
}
