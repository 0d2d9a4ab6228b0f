import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob } from '@roster/platform';
import { INBOX_PRUNING, type InboxPruningSettings, PruneInboxUseCase } from './prune-inbound-inbox.usecase';

/**
 * Prunes the inbound and run lifecycle consumers' inbox rows every `intervalMs` (and once at start) in each replica
 * (IntervalJob); the use case makes concurrent prunes safe. On shutdown an in-flight prune finishes its batch loop
 * before the ORM closes.
 */
@Injectable()
export class InboxPruner extends IntervalJob {
  constructor(
    private readonly prune: PruneInboxUseCase,
    @Inject(INBOX_PRUNING) private readonly settings: InboxPruningSettings,
  ) {
    super('inbox pruning', settings.intervalMs, 'inbox pruning disabled (ROSTER_INBOX_PRUNE_INTERVAL_MS=0); inbox rows are kept');
  }

  protected work(): Promise<unknown> {
    return this.prune.executeAll(this.settings.now());
  }
}
