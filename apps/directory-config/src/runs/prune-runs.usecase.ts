import { Inject, Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Metrics } from '@roster/observability';
import { qualified, sql } from '@roster/persistence';
import { RUN_RETENTION, RunHistoryPrune, type RunRetentionSettings } from '@roster/platform';

/**
 * Run history retention: the runs that finished more than ROSTER_RUN_RETENTION_DAYS ago are deleted, with what the
 * run row carries (counts, first problems, failure, pending removals). An event directory makes a run per micro-batch,
 * so without it the table grows with every burst of events. A run that is not final (`active`: queued, running,
 * awaiting approval) is never deleted, however old. The reconciler keeps its side of a run (problems, held removals)
 * a day longer, so a run still listed here always has them. Oldest first through the `finished_at` index.
 */
@Injectable()
export class PruneRunsUseCase extends RunHistoryPrune {
  constructor(
    private readonly orm: MikroORM,
    @Inject(RUN_RETENTION) settings: Pick<RunRetentionSettings, 'days' | 'batchSize'>,
    metrics: Metrics,
  ) {
    super(settings, metrics, 'runs');
  }

  protected async batch(before: Date, limit: number): Promise<Record<string, number>> {
    const runs = qualified(this.orm, 'runs');
    const [row] = await sql<{ n: number }>(this.orm.em.fork(),
      `with gone as (
         delete from ${runs} where id = any(array(
           select id from ${runs} where finished_at < ? and active is null order by finished_at limit ? for update skip locked
         )) returning 1
       )
       select count(*)::int as n from gone`,
      [before.toISOString(), limit],
    );
    return { runs: row?.n ?? 0 };
  }
}
