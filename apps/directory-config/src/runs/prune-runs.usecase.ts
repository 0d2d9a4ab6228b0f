import { Inject, Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Metrics } from '@roster/observability';
import { deleteOldest, qualified } from '@roster/persistence';
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
    const runs = { table: qualified(this.orm, 'runs'), key: 'id', time: 'finished_at', where: 'active is null' };
    return { runs: await deleteOldest(this.orm.em.fork(), runs, before, limit) };
  }
}
