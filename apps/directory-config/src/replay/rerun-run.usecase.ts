import { Inject, Injectable, Logger } from '@nestjs/common';
import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { FINAL_RUN_STATUSES, PayloadOf } from '@roster/contracts';
import { Outbox, OutboxRelay } from '@roster/messaging';
import { type Directory, eventOf, hrisOf, sftpOf } from '../entities/directory.entity';
import { Run, RunEntity } from '../entities/run.entity';
import { TenantEntity } from '../entities/tenant.entity';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { queueRunIn, runInProgress } from '../runs/runs.usecase';
import { RECORDS_RETENTION_DAYS, RETAINED_RUNS, RetainedRun, RetainedRuns, retainedSources } from './retained-run';

/** The directory's settings as they are now: a re-run applies today's policy to the past run's records. */
function currentSettingsOf(d: Directory): Pick<PayloadOf<'records.complete'>, 'policy' | 'dateFormat' | 'safeguard'> {
  if (d.type === 'hris-api') return { policy: hrisOf(d).policy };
  if (d.type === 'event') return { policy: eventOf(d).policy };
  const { dateFormat, safeguard } = sftpOf(d);
  return { dateFormat, safeguard };
}

/**
 * R-OPS-01: re-runs a past run from its retained source record batches. Checks now that ROSTER_RECORDS still
 * holds every batch and the completion of the run (410 otherwise), then queues, in one transaction, a new run
 * (trigger `replay`, taking the directory's active-run slot like a manual run, R-DIR-04) and `rerun.requested` in
 * the outbox; `CopyRunRecordsUseCase` re-publishes the batches under the new run. Not a re-publish of history:
 * the new run's records are new messages of a new run, and the reconciler applies them like any run.
 */
@Injectable()
export class RerunRunUseCase {
  private readonly logger = new Logger('Rerun');

  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    @Inject(RETAINED_RUNS) private readonly retained: RetainedRuns,
  ) {}

  async execute(tenantId: string, sourceRunId: string): Promise<Run> {
    const source = await this.orm.em.fork().findOne(RunEntity, { id: sourceRunId, tenantId });
    if (!source) throw new DirectoryConfigException(DirectoryConfigExceptionCode.RUN_NOT_FOUND, `run ${sourceRunId} does not exist in tenant ${tenantId}`);
    if (!FINAL_RUN_STATUSES.includes(source.status)) {
      throw new DirectoryConfigException(
        DirectoryConfigExceptionCode.RUN_NOT_RERUNNABLE,
        `run ${sourceRunId} is ${source.status}; only a finished run (succeeded, partially-succeeded or failed) can be re-run`,
      );
    }
    const retained = await this.retained.locate(tenantId, sourceRunId, source.createdAt);
    const found = retainedSources(retained);
    if (!found || !retained.complete) throw notRetained(source, retained);
    if (found.missing.length > 0) throw notRetained(source, retained, found.missing);
    const original = retained.complete.data;
    if (original.outcome !== 'complete') {
      throw new DirectoryConfigException(
        DirectoryConfigExceptionCode.RUN_NOT_RERUNNABLE,
        `run ${sourceRunId}'s fetch ${original.outcome === 'failed' ? 'failed' : 'was incomplete'}${original.failure ? ` (${original.failure.code}: ${original.failure.message})` : ''}; nothing of it was applied, so there is nothing to re-run: start a new sync`,
      );
    }
    let run: Run;
    try {
      run = await this.orm.em.fork().transactional(async (em) => {
        const { run: queued, directory } = await queueRunIn(
          em,
          { tenantId, directoryId: source.directoryId, trigger: 'replay', rerunOf: sourceRunId, fileName: original.fileName ?? source.fileName },
          { needsSource: false },
        );
        const tenant = await em.findOne(TenantEntity, { id: tenantId });
        const current = currentSettingsOf(directory);
        const complete: PayloadOf<'records.complete'> = {
          ...original,
          runId: queued.id,
          trigger: 'replay',
          notify: { directoryName: directory.name, recipients: directory.recipients },
          tenantOwnerEmail: tenant?.ownerEmail ?? original.tenantOwnerEmail,
          dateFormat: current.dateFormat ?? original.dateFormat,
          policy: current.policy ?? original.policy,
          safeguard: current.safeguard ?? original.safeguard,
        };
        await this.outbox.add(
          em,
          'rerun.requested',
          { runId: queued.id, sourceRunId, directoryId: source.directoryId, sources: found.sources, complete },
          { tenantId, runId: queued.id, id: `${queued.id}:rerun` },
        );
        return queued;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        throw runInProgress(source.directoryId, await this.orm.em.fork().findOne(RunEntity, { directoryId: source.directoryId, active: true }));
      }
      throw e;
    } finally {
      this.relay.kick();
    }
    this.logger.log({ tenantId, directoryId: run.directoryId, runId: run.id, sourceRunId, batches: found.sources.batches.length }, 'rerun queued');
    return run;
  }
}

function notRetained(source: Run, retained: RetainedRun, missing?: number[]): DirectoryConfigException {
  const oldest = retained.oldestRetained ? `the oldest message it holds is from ${retained.oldestRetained.toISOString()}` : 'it holds no message';
  const expired = retained.oldestRetained === null || retained.oldestRetained > source.createdAt;
  if (!missing && !expired) {
    // The stream reaches back before the run, yet holds no completion of it: its source never delivered.
    return new DirectoryConfigException(
      DirectoryConfigExceptionCode.RUN_NOT_RERUNNABLE,
      `run ${source.id} has no source records in ROSTER_RECORDS: its source never delivered them (${source.failure ? `${source.failure.code}: ${source.failure.message}` : 'no records.complete was published'}); start a new sync`,
    );
  }
  const what = missing
    ? `batch${missing.length === 1 ? '' : 'es'} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''} of run ${source.id}`
    : `the source records of run ${source.id}`;
  return new DirectoryConfigException(
    DirectoryConfigExceptionCode.RUN_RECORDS_NOT_RETAINED,
    `${what} (started ${source.createdAt.toISOString()}) ${missing?.length === 1 ? 'is' : 'are'} no longer retained: ROSTER_RECORDS keeps messages ${RECORDS_RETENTION_DAYS} days and ${oldest}; start a new sync instead`,
    { runId: source.id, runCreatedAt: source.createdAt.toISOString(), oldestRetained: retained.oldestRetained?.toISOString() ?? null, missingBatches: missing ?? null },
  );
}
