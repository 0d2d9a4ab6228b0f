import { DynamicModule, Module } from '@nestjs/common';
import { SCHEDULER_SETTINGS, RunScheduler } from './run.scheduler';
import { SchedulerController } from './scheduler.controller';
import { StartDueRunsUseCase } from './start-due-runs.usecase';

/** R-DIR-04 scheduled runs: the tick use case, its loop and the operator endpoint. */
@Module({})
export class SchedulerModule {
  static register(settings: { intervalMs: number }): DynamicModule {
    return {
      module: SchedulerModule,
      controllers: [SchedulerController],
      providers: [
        { provide: SCHEDULER_SETTINGS, useValue: { intervalMs: settings.intervalMs, now: () => new Date() } },
        StartDueRunsUseCase,
        RunScheduler,
      ],
    };
  }
}
