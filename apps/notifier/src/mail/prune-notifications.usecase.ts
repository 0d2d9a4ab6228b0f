import { Inject, Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Metrics } from '@roster/observability';
import { qualified, sql } from '@roster/persistence';
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
    const log = qualified(this.orm, 'notifications');
    const [row] = await sql<{ n: number }>(this.orm.em.fork(),
      `with gone as (
         delete from ${log} where event_id = any(array(
           select event_id from ${log} where created_at < ? and status <> 'pending' order by created_at limit ? for update skip locked
         )) returning 1
       )
       select count(*)::int as n from gone`,
      [before.toISOString(), limit],
    );
    return { notifications: row?.n ?? 0 };
  }
}
