import { Inject, Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { recordsBatchId, recordsCompleteId, type CloudEvent, type PayloadOf } from '@roster/contracts';
import { EventPublisher, PermanentError } from '@roster/messaging';
import { RunEntity } from '../entities/run.entity';
import { RETAINED_RUNS, RetainedRuns } from './retained-run';

/** Batches read and re-published at once. */
const LANES = 8;

/**
 * R-OPS-01, the second half of a re-run: re-publishes the source run's retained `records.batch` messages of its
 * completion's fetch under the new run (ids `<run>:batch:<n>[:<fetch>]`, the fetch id kept), then the new run's
 * `records.complete` (`<run>:complete`). Every step is
 * idempotent, so a crash anywhere is repaired by the redelivery of `rerun.requested`: a resend inside the stream's
 * duplicate window is stored once, and the reconciler stages a batch once per (run, batch) and applies a run
 * once. A run already past `fetching` was copied: nothing is sent again. A batch that expired between the request
 * and the copy fails the new run (records.complete `failed`, RUN_RECORDS_NOT_RETAINED) with nothing applied.
 */
@Injectable()
export class CopyRunRecordsUseCase {
  private readonly logger = new Logger('Rerun');

  constructor(
    private readonly orm: MikroORM,
    private readonly publisher: EventPublisher,
    @Inject(RETAINED_RUNS) private readonly retained: RetainedRuns,
  ) {}

  async execute(event: CloudEvent<PayloadOf<'rerun.requested'>>): Promise<void> {
    const { data, tenantid: tenantId } = event;
    const { runId, sourceRunId } = data;
    const log = { tenantId, directoryId: data.directoryId, runId, sourceRunId };
    if (data.complete.runId !== runId) throw new PermanentError(`rerun.requested of run ${runId} carries the completion of run ${data.complete.runId}`, 'BAD_COMMAND');
    const proceed = await this.orm.em.fork().transactional(async (em) => {
      const run = await em.findOne(RunEntity, { id: runId, tenantId });
      if (!run) throw new PermanentError(`run ${runId} does not exist in tenant ${tenantId}`, 'UNKNOWN_RUN');
      if (run.status !== 'queued' && run.status !== 'fetching') return false;
      if (run.status === 'queued') Object.assign(run, { status: 'fetching', startedAt: new Date() });
      await em.flush();
      return true;
    });
    if (!proceed) {
      this.logger.log(log, 'rerun already copied');
      return;
    }

    const ctx = { tenantId, runId };
    // The source run's fetch (its completion's, carried over to the new run's): the batches that made it up.
    const fetchId = data.complete.fetchId;
    const missing: number[] = [];
    let next = 0;
    const lane = async () => {
      while (next < data.sources.batches.length) {
        const { batchNo, sequence } = data.sources.batches[next++];
        const batch = await this.retained.read(sequence, tenantId, 'records.batch', recordsBatchId(sourceRunId, batchNo, fetchId));
        if (!batch || batch.data.runId !== sourceRunId || batch.data.batchNo !== batchNo || batch.data.fetchId !== fetchId) {
          missing.push(batchNo);
          continue;
        }
        await this.publisher.publish('records.batch', { ...batch.data, runId }, { ...ctx, id: recordsBatchId(runId, batchNo, fetchId) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(LANES, data.sources.batches.length) }, lane));

    const complete: PayloadOf<'records.complete'> =
      missing.length === 0
        ? data.complete
        : {
            ...data.complete,
            outcome: 'failed',
            failure: {
              code: 'RUN_RECORDS_NOT_RETAINED',
              message: `batch${missing.length === 1 ? '' : 'es'} ${missing.sort((a, b) => a - b).slice(0, 10).join(', ')} of run ${sourceRunId} expired from ROSTER_RECORDS before the re-run copied them; nothing was applied`,
            },
          };
    await this.publisher.publish('records.complete', complete, { ...ctx, id: recordsCompleteId(runId) });
    this.logger.log({ ...log, batches: data.sources.batches.length - missing.length, missing: missing.length }, 'rerun records copied');
  }
}
