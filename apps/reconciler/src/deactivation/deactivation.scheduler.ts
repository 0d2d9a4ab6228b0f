import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeactivateDueUsersUseCase } from './deactivate-due-users.usecase';

export const DEACTIVATION_SETTINGS = Symbol('DEACTIVATION_SETTINGS');
export interface DeactivationSettings {
  intervalMs: number;
  /** Injectable clock, so tests move time instead of sleeping. */
  now: () => Date;
}

/** Runs DeactivateDueUsersUseCase every `intervalMs` (and once at start) in each replica; see the use case. */
@Injectable()
export class DeactivationScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeactivationScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly deactivate: DeactivateDueUsersUseCase,
    @Inject(DEACTIVATION_SETTINGS) private readonly settings: DeactivationSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.settings.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.deactivate
      .execute(this.settings.now())
      .catch((error: unknown) => this.logger.warn({ error: String((error as Error)?.message ?? error) }, 'scheduled deactivations failed; retried next tick'))
      .finally(() => {
        this.running = undefined;
      });
  }
}
