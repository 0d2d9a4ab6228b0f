import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FINAL_RUN_STATUSES, PayloadOf, RunStatus, RunTrigger } from '@roster/contracts';
import { Outbox, OutboxRelay } from '@roster/messaging';
import { Run, RunEntity } from '../entities/run.entity';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { DirectoriesUseCase } from '../directories/directories.usecase';

const ORDER: Record<RunStatus, number> = {
  queued: 0,
  fetching: 1,
  reconciling: 2,
  'awaiting-approval': 3,
  succeeded: 4,
  'partially-succeeded': 4,
  failed: 4,
};

@Injectable()
export class RunsUseCase {
  constructor(
    private readonly orm: MikroORM,
    private readonly directories: DirectoriesUseCase,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Queues a run and, in the same transaction, the `sync.requested` command (outbox). Two runs of one
   * directory never overlap (R-DIR-04): the second is refused with the active run's id.
   */
  async start(tenantId: string, directoryId: string, trigger: RunTrigger): Promise<Run> {
    const directory = await this.directories.get(tenantId, directoryId);
    if (!directory.enabled) {
      throw new DirectoryConfigException(DirectoryConfigExceptionCode.DIRECTORY_DISABLED, `directory ${directoryId} is disabled`);
    }
    const runId = randomUUID();
    try {
      return await this.orm.em.fork().transactional(async (em) => {
        const run = em.create(RunEntity, {
          id: runId,
          tenantId,
          directoryId,
          trigger,
          status: 'queued',
          active: true,
          counts: null,
          problems: [],
          problemCount: 0,
          failure: null,
          fileName: null,
          createdAt: new Date(),
          startedAt: null,
          finishedAt: null,
        });
        await em.flush();
        await this.outbox.add(
          em,
          'sync.requested',
          {
            runId,
            directoryId,
            directoryType: directory.type,
            trigger,
            notify: { directoryName: directory.name, recipients: directory.recipients },
            sftp: {
              host: directory.settings.host,
              port: directory.settings.port,
              username: directory.settings.username,
              folder: directory.settings.folder,
              hostKeyFingerprint: directory.settings.hostKeyFingerprint,
              password: directory.secrets.password,
            },
            csv: { dateFormat: directory.settings.dateFormat, headerMapping: directory.settings.headerMapping },
          },
          { tenantId, runId, tokens: { directoryType: directory.type }, id: runId },
        );
        return run;
      });
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        const active = await this.orm.em.fork().findOne(RunEntity, { directoryId, active: true });
        throw new DirectoryConfigException(
          DirectoryConfigExceptionCode.RUN_IN_PROGRESS,
          `directory ${directoryId} already has a run in progress${active ? ` (${active.id}, ${active.status})` : ''}; start another when it ends`,
          { activeRunId: active?.id },
        );
      }
      throw e;
    } finally {
      this.relay.kick();
    }
  }

  async get(tenantId: string, runId: string): Promise<Run> {
    const run = await this.orm.em.fork().findOne(RunEntity, { id: runId, tenantId });
    if (!run) throw new DirectoryConfigException(DirectoryConfigExceptionCode.RUN_NOT_FOUND, `run ${runId} does not exist in tenant ${tenantId}`);
    return run;
  }

  list(tenantId: string, directoryId: string, limit = 50): Promise<Run[]> {
    return this.orm.em.fork().find(RunEntity, { tenantId, directoryId }, { orderBy: { createdAt: 'desc' }, limit });
  }

  /** Follows the lifecycle events; statuses only move forward, so a late or replayed event changes nothing. */
  async onProgress(em: EntityManager, tenantId: string, p: PayloadOf<'run.progress'>, at: Date): Promise<void> {
    const run = await em.findOne(RunEntity, { id: p.runId, tenantId });
    if (!run || ORDER[p.status] <= ORDER[run.status]) return;
    run.status = p.status;
    run.startedAt ??= at;
    run.fileName = p.fileName ?? run.fileName;
    await em.flush();
  }

  async onFinished(em: EntityManager, tenantId: string, p: PayloadOf<'run.finished'>): Promise<void> {
    const run = await em.findOne(RunEntity, { id: p.runId, tenantId });
    if (!run || FINAL_RUN_STATUSES.includes(run.status)) return;
    Object.assign(run, {
      status: p.status,
      active: null,
      counts: p.counts,
      problems: p.problems,
      problemCount: p.problemCount,
      failure: p.failure ?? null,
      fileName: p.fileName ?? run.fileName,
      startedAt: run.startedAt ?? (p.startedAt ? new Date(p.startedAt) : null),
      finishedAt: new Date(p.finishedAt),
    });
    await em.flush();
  }
}

export function runView(r: Run) {
  return {
    id: r.id,
    tenantId: r.tenantId,
    directoryId: r.directoryId,
    trigger: r.trigger,
    status: r.status,
    counts: r.counts,
    problems: r.problems,
    problemCount: r.problemCount,
    failure: r.failure,
    fileName: r.fileName,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}
