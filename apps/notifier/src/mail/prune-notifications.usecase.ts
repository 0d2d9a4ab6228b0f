import { Inject, Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Metrics } from '@roster/observability';
import { deleteOldest, qualified } from '@roster/persistence';
import { RUN_RETENTION, RunHistoryPrune, type RunRetentionSettings } from '@roster/platform';

/**
 * Run history retention, the notifier's side: the mail log's rows (one per run report, approval request or export
 * mail) created more than ROSTER_RUN_RETENTION_DAYS ago, once settled — sent, skipped or failed. A row is the mail's
 * dedup key only while its event can come again (a redelivery, a replay, a redrive of its dead letter), and the
 * retention is longer than any stream keeps one. A `pending` mail is never deleted. Oldest first through the
 * `created_at` index.
 */
@Injectable()
export class PruneNotificationsUseCase extends RunHistoryPrune {
  constructor(
    private readonly orm: MikroORM,
    @Inject(RUN_RETENTION) settings: Pick<RunRetentionSettings, 'days' | 'batchSize'>,
    metrics: Metrics,
  ) {
    super(settings, metrics, 'notifications');
  }

  protected async batch(before: Date, limit: number): Promise<Record<string, number>> {
    const log = { table: qualified(this.orm, 'notifications'), key: 'event_id', time: 'created_at', where: `status <> 'pending'` };
    return { notifications: await deleteOldest(this.orm.em.fork(), log, before, limit) };
  }
}
