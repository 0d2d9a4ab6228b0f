import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import { stagedLabels } from './staged-run';

/**
 * Keeps a record batch until its run is complete; a repeat of the same batch is ignored. Batches of several
 * fetches of one run (an HR-API request redelivered after a crash) are kept apart by their fetch id; the apply
 * takes those of its completion's fetch. The run's state row is read `for share`, so a batch cannot slip in while
 * the apply (which holds it `for update`) runs: it waits, then finds the run applied and changes nothing.
 */
@Injectable()
export class StageBatchUseCase {
  constructor(private readonly orm: MikroORM) {}

  async execute(event: CloudEvent<PayloadOf<'records.batch'>>): Promise<void> {
    const { runId, directoryId, batchNo, employees, problems, teams, fetchId } = event.data;
    await this.orm.em.fork().transactional(async (em) => {
      const states = qualified(em, 'run_states');
      await sql(em,
        `insert into ${states} (run_id, tenant_id, directory_id, status) values (?, ?, ?, 'staging') on conflict do nothing`,
        [runId, event.tenantid, directoryId],
      );
      const [state] = await sql<{ status: string; tenant_id: string }>(em,
        `select status, tenant_id from ${states} where run_id = ? for share`,
        [runId],
      );
      // A run is applied once; a late or replayed batch of a finished run changes nothing.
      if (state.status !== 'staging' || state.tenant_id !== event.tenantid) return;
      await sql(em,
        `insert into ${qualified(em, 'staged_batches')} (run_id, fetch_id, batch_no, tenant_id, employees, problems, teams, custom_labels)
         values (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::text[]) on conflict do nothing`,
        [
          runId,
          fetchId ?? '',
          batchNo,
          event.tenantid,
          JSON.stringify(employees),
          JSON.stringify(problems),
          teams === undefined ? null : JSON.stringify(teams),
          stagedLabels(employees),
        ],
      );
    });
  }
}
