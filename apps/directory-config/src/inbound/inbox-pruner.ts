import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { IntervalLoop } from '../scheduler/interval-loop';
import { INBOX_PRUNING, type InboxPruningSettings, PruneInboundInboxUseCase } from './prune-inbound-inbox.usecase';

/**
 * Prunes the inbound consumer's inbox every `intervalMs` (and once at start) in each replica, on the scheduler's
 * loop (IntervalLoop); the use case makes concurrent prunes safe. On shutdown an in-flight prune finishes its
 * batch loop before the ORM closes.
 */
@Injectable()
export class InboxPruner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InboxPruner.name);
  private readonly loop: IntervalLoop;

  constructor(
    private readonly prune: PruneInboundInboxUseCase,
    @Inject(INBOX_PRUNING) private readonly settings: InboxPruningSettings,
  ) {
    this.loop = new IntervalLoop(
      () => this.prune.execute(this.settings.now()),
      (error) => this.logger.warn({ error: String((error as Error)?.message ?? error) }, 'inbox pruning failed; retried next interval'),
    );
  }

  onApplicationBootstrap(): void {
    if (this.settings.intervalMs === 0) {
      this.logger.log('inbox pruning disabled (ROSTER_INBOX_PRUNE_INTERVAL_MS=0); inbound inbox rows are kept');
      return;
    }
    this.loop.start(this.settings.intervalMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }
}
