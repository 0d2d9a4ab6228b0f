import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob } from '@roster/platform';
import { DeactivateDueUsersUseCase } from './deactivate-due-users.usecase';

export const DEACTIVATION_SETTINGS = Symbol('DEACTIVATION_SETTINGS');
export interface DeactivationSettings {
  intervalMs: number;
  /** Injectable clock, so tests move time instead of sleeping. */
  now: () => Date;
}

/** Runs DeactivateDueUsersUseCase every `intervalMs` (and once at start) in each replica (IntervalJob); see the use case. */
@Injectable()
export class DeactivationScheduler extends IntervalJob {
  constructor(
    private readonly deactivate: DeactivateDueUsersUseCase,
    @Inject(DEACTIVATION_SETTINGS) private readonly settings: DeactivationSettings,
  ) {
    super('scheduled deactivations', settings.intervalMs, 'scheduled deactivations disabled (ROSTER_DEACTIVATION_INTERVAL_MS=0)');
  }

  protected work(): Promise<unknown> {
    return this.deactivate.execute(this.settings.now());
  }
}
