import { Injectable, Logger } from '@nestjs/common';
import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Counter } from 'prom-client';
import { Outbox, OutboxRelay } from '@roster/messaging';
import { Metrics } from '@roster/observability';
import { qualified } from '@roster/persistence';
import type { Schedule } from '../directories/schedule';
import { DirectoryEntity } from '../entities/directory.entity';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { startRunIn } from '../runs/runs.usecase';
import { firstRunAt, nextRunAfter } from './next-run';

/** Directories claimed per transaction: small, so a replica holds few row locks and others take the rest. */
const CLAIM = 10;

interface DueOutcome {
  tenantId: string;
  directoryId: string;
  /** The due time this tick handled. */
  dueAt: string;
  /** The due time after it (null: the schedule cannot be computed any more). */
  nextRunAt: string | null;
}

/** What one tick did; the operator endpoint answers it as is. */
export interface SchedulerTick {
  now: string;
  started: (DueOutcome & { runId: string })[];
  /** A run of the directory was active (R-DIR-04: runs never overlap); the due time is dropped, not queued. */
  skipped: (DueOutcome & { activeRunId: string | null })[];
  failed: (DueOutcome & { code: string; message: string })[];
}

interface DueRow {
  id: string;
  tenant_id: string;
  schedule: Schedule;
  next_run_at: Date;
}

/**
 * R-DIR-04: starts the scheduled runs that are due at `now`. Each replica calls it every
 * `ROSTER_SCHEDULER_INTERVAL_MS` (and operators through `POST /v1/scheduler/tick`); the schedule is each directory's
 * `next_run_at` column, so it survives restarts. Due directories are claimed `FOR UPDATE SKIP LOCKED`, a few per
 * transaction, and in that one transaction each claimed directory gets its run (`startRunIn`: run row and
 * `sync.requested` in the outbox, the same path as a manual start) and its next due time. A crash before the
 * commit leaves the directory due and unstarted; after it, started and advanced: never one without the other,
 * and a due time starts one run however many replicas tick at once.
 */
@Injectable()
export class StartDueRunsUseCase {
  private readonly logger = new Logger(StartDueRunsUseCase.name);
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    metrics: Metrics,
  ) {
    this.outcomes = metrics.counter({
      name: 'roster_scheduled_runs_total',
      help: 'Due scheduled runs by outcome: started, skipped (a run of the directory was active) or failed',
      labelNames: ['outcome'],
    });
  }

  async execute(now: Date): Promise<SchedulerTick> {
    await this.scheduleUnscheduled(now);
    const tick: SchedulerTick = { now: now.toISOString(), started: [], skipped: [], failed: [] };
    for (;;) {
      const batch = await this.orm.em.fork().transactional((em) => this.startClaimed(em, now));
      // Reported only once committed: a batch that rolled back started and advanced nothing.
      tick.started.push(...batch.started);
      tick.skipped.push(...batch.skipped);
      tick.failed.push(...batch.failed);
      this.report(batch);
      if (batch.claimed < CLAIM) break;
    }
    if (tick.started.length > 0) this.relay.kick();
    return tick;
  }

  private async startClaimed(em: EntityManager, now: Date): Promise<Omit<SchedulerTick, 'now'> & { claimed: number }> {
    const due = await em.execute<DueRow[]>(
      `select id, tenant_id, schedule, next_run_at from ${qualified(em, 'directories')}
        where enabled and next_run_at <= ? order by next_run_at limit ? for update skip locked`,
      [now.toISOString(), CLAIM],
    );
    const batch: Omit<SchedulerTick, 'now'> & { claimed: number } = { started: [], skipped: [], failed: [], claimed: due.length };
    for (const row of due) {
      const dueAt = new Date(row.next_run_at);
      let next: Date | null = null;
      const outcome = { tenantId: row.tenant_id, directoryId: row.id, dueAt: dueAt.toISOString() };
      try {
        next = nextRunAfter(row.schedule, dueAt, now);
        // A savepoint: a directory that cannot start rolls back alone, and the batch goes on.
        const run = await em.transactional((inner) => startRunIn(inner, this.outbox, { tenantId: row.tenant_id, directoryId: row.id, trigger: 'schedule' }));
        batch.started.push({ ...outcome, nextRunAt: next?.toISOString() ?? null, runId: run.id });
      } catch (e) {
        const activeRunId = runInProgressId(e);
        if (activeRunId !== undefined) {
          batch.skipped.push({ ...outcome, nextRunAt: next?.toISOString() ?? null, activeRunId });
        } else {
          const code = e instanceof DirectoryConfigException ? e.code : 'INTERNAL';
          batch.failed.push({ ...outcome, nextRunAt: next?.toISOString() ?? null, code, message: String((e as Error)?.message ?? e).slice(0, 500) });
        }
      }
      // Advanced whatever happened: a skipped or failed due time is dropped, not retried every tick.
      await em.nativeUpdate(DirectoryEntity, { id: row.id }, { nextRunAt: next });
    }
    return batch;
  }

  /**
   * Directories with a schedule but no next run yet (created before the scheduler existed) get one. Claimed
   * SKIP LOCKED like due ones; the rows read by the claim are computed by the same rule as a new directory.
   */
  private async scheduleUnscheduled(now: Date): Promise<void> {
    const seen: string[] = []; // each row once per tick, even when it gets no next run
    for (;;) {
      const claimed = await this.orm.em.fork().transactional(async (em) => {
        const directories = qualified(em, 'directories');
        const rows = await em.execute<{ id: string; tenant_id: string; schedule: Schedule; last_run_at: Date | null }[]>(
          `select d.id, d.tenant_id, d.schedule,
                  (select max(r.created_at) from ${qualified(em, 'runs')} r where r.directory_id = d.id) as last_run_at
             from ${directories} d
            where d.enabled and d.next_run_at is null and d.schedule->>'kind' <> 'disabled' and d.id <> all(?::uuid[])
            limit ? for update of d skip locked`,
          [`{${seen.join(',')}}`, CLAIM],
        );
        for (const row of rows) {
          seen.push(row.id);
          try {
            const next = firstRunAt(row.schedule, true, now, row.last_run_at ? new Date(row.last_run_at) : null);
            await em.nativeUpdate(DirectoryEntity, { id: row.id }, { nextRunAt: next });
          } catch (e) {
            this.logger.warn({ tenantId: row.tenant_id, directoryId: row.id, error: String((e as Error)?.message ?? e) }, 'directory schedule cannot be computed; no scheduled run until it is changed');
          }
        }
        return rows.length;
      });
      if (claimed < CLAIM) return;
    }
  }

  private report(batch: Omit<SchedulerTick, 'now'>): void {
    for (const s of batch.started) {
      this.outcomes.inc({ outcome: 'started' });
      this.logger.log({ tenantId: s.tenantId, directoryId: s.directoryId, runId: s.runId, dueAt: s.dueAt, nextRunAt: s.nextRunAt }, 'scheduled run started');
    }
    for (const s of batch.skipped) {
      this.outcomes.inc({ outcome: 'skipped' });
      this.logger.log(
        { tenantId: s.tenantId, directoryId: s.directoryId, activeRunId: s.activeRunId, dueAt: s.dueAt, nextRunAt: s.nextRunAt },
        'scheduled run skipped: a run of the directory is in progress',
      );
    }
    for (const f of batch.failed) {
      this.outcomes.inc({ outcome: 'failed' });
      this.logger.error({ tenantId: f.tenantId, directoryId: f.directoryId, dueAt: f.dueAt, code: f.code, error: f.message }, 'scheduled run failed to start');
    }
  }
}

/** The active run's id (or null when unknown) when `e` says the directory has a run in progress; else undefined. */
function runInProgressId(e: unknown): string | null | undefined {
  if (e instanceof DirectoryConfigException && e.code === DirectoryConfigExceptionCode.RUN_IN_PROGRESS) {
    return (e.details as { activeRunId?: string } | undefined)?.activeRunId ?? null;
  }
  // Two starts raced past the active-run check and the partial unique index let the other in.
  if (e instanceof UniqueConstraintViolationException) return null;
  return undefined;
}
