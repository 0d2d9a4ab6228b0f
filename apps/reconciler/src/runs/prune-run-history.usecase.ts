import { Inject, Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Metrics } from '@roster/observability';
import { qualified, sql } from '@roster/persistence';
import { RUN_RETENTION, RunHistoryPrune, type RunRetentionSettings } from '@roster/platform';

/**
 * Days the reconciler keeps a run past ROSTER_RUN_RETENTION_DAYS: directory-config deletes the run itself at the
 * retention, and the admin API reads a listed run's problems and held removals from here, so these outlive it.
 */
export const RECONCILER_EXTRA_RETENTION_DAYS = 1;

/**
 * Run history retention, the reconciler's side: the state, problems and held removals of runs that finished (applied
 * or failed) more than ROSTER_RUN_RETENTION_DAYS and a day ago. A run's problems are one row each, so a tenant's
 * nightly file with a few thousand bad rows adds that many every night. A staging or held run is never deleted. A
 * batch deletes its runs' rows in one statement: a run goes whole or stays whole.
 */
@Injectable()
export class PruneRunHistoryUseCase extends RunHistoryPrune {
  constructor(
    private readonly orm: MikroORM,
    @Inject(RUN_RETENTION) settings: Pick<RunRetentionSettings, 'days' | 'batchSize'>,
    metrics: Metrics,
  ) {
    super(settings, metrics, 'run_states', RECONCILER_EXTRA_RETENTION_DAYS);
  }

  protected async batch(before: Date, limit: number): Promise<Record<string, number>> {
    const t = (table: string) => qualified(this.orm, table);
    const [row] = await sql<{ run_states: number; run_problems: number; held_removals: number }>(this.orm.em.fork(),
      `with picked as (
         select run_id from ${t('run_states')}
          where finished_at < ? and status in ('applied', 'failed') order by finished_at limit ? for update skip locked
       ),
       p as (delete from ${t('run_problems')} where run_id in (select run_id from picked) returning 1),
       h as (delete from ${t('held_removals')} where run_id in (select run_id from picked) returning 1),
       s as (delete from ${t('run_states')} where run_id in (select run_id from picked) returning 1)
       select (select count(*) from s)::int as run_states, (select count(*) from p)::int as run_problems, (select count(*) from h)::int as held_removals`,
      [before.toISOString(), limit],
    );
    return { run_states: row?.run_states ?? 0, run_problems: row?.run_problems ?? 0, held_removals: row?.held_removals ?? 0 };
  }
}
