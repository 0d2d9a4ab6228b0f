import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { IntervalLoop } from './interval-loop';
import { StartDueRunsUseCase } from './start-due-runs.usecase';

export const SCHEDULER_SETTINGS = Symbol('SCHEDULER_SETTINGS');
export interface SchedulerSettings {
  /** Milliseconds between ticks; 0 disables the loop (ticks then come only from POST /v1/scheduler/tick). */
  intervalMs: number;
  /** Injectable clock, so tests move time instead of sleeping. */
  now: () => Date;
}

/**
 * Ticks StartDueRunsUseCase every `intervalMs` (and once at start, to catch up after downtime) in each replica
 * (IntervalLoop); the use case makes concurrent ticks safe. On shutdown the loop stops and an in-flight tick
 * finishes before the ORM closes (this hook runs before the platform's onApplicationShutdown).
 */
@Injectable()
export class RunScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RunScheduler.name);
  private readonly loop: IntervalLoop;

  constructor(
    private readonly startDueRuns: StartDueRunsUseCase,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
  ) {
    this.loop = new IntervalLoop(
      () => this.startDueRuns.execute(this.settings.now()),
      (error) => this.logger.warn({ error: String((error as Error)?.message ?? error) }, 'scheduler tick failed; retried next tick'),
    );
  }

  onApplicationBootstrap(): void {
    if (this.settings.intervalMs === 0) {
      this.logger.log('scheduler loop disabled (ROSTER_SCHEDULER_INTERVAL_MS=0); ticks only through POST /v1/scheduler/tick');
      return;
    }
    this.loop.start(this.settings.intervalMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }
}
