import { DynamicModule, Module } from '@nestjs/common';
import { InboxPruner } from './inbox-pruner';
import { INBOX_PRUNE_BATCH, INBOX_PRUNING, PruneInboxUseCase } from './prune-inbound-inbox.usecase';

/** R-EVT-02: the inbound consumer's inbox rows deleted once ROSTER_INBOUND no longer holds their events. */
@Module({})
export class InboxPruningModule {
  static register(settings: { intervalMs: number }): DynamicModule {
    return {
      module: InboxPruningModule,
      providers: [
        { provide: INBOX_PRUNING, useValue: { intervalMs: settings.intervalMs, batchSize: INBOX_PRUNE_BATCH, now: () => new Date() } },
        PruneInboxUseCase,
        InboxPruner,
      ],
    };
  }
}
