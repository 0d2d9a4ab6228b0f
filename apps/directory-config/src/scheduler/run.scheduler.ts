import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob } from '@roster/platform';
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
 * (IntervalJob); the use case makes concurrent ticks safe. On shutdown the loop stops and an in-flight tick
 * finishes before the ORM closes.
 */
@Injectable()
export class RunScheduler extends IntervalJob {
  constructor(
    private readonly startDueRuns: StartDueRunsUseCase,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
  ) {
    super('scheduler tick', settings.intervalMs, 'scheduler loop disabled (ROSTER_SCHEDULER_INTERVAL_MS=0); ticks only through POST /v1/scheduler/tick');
  }

  protected work(): Promise<unknown> {
    return this.startDueRuns.execute(this.settings.now());
  }
}
