import { DynamicModule, Module } from '@nestjs/common';
import { DeactivateDueUsersUseCase } from './deactivate-due-users.usecase';
import { DEACTIVATION_SETTINGS, DeactivationScheduler } from './deactivation.scheduler';

/** R-CSV-10 scheduled deactivations. */
@Module({})
export class DeactivationModule {
  static register(settings: { intervalMs: number }): DynamicModule {
    return {
      module: DeactivationModule,
      providers: [
        { provide: DEACTIVATION_SETTINGS, useValue: { intervalMs: settings.intervalMs, now: () => new Date() } },
        DeactivateDueUsersUseCase,
        DeactivationScheduler,
      ],
    };
  }
}
