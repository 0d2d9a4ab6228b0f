import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LockMode, MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FINAL_RUN_STATUSES, PayloadOf, RequestedFetch, RunStatus, RunTrigger } from '@roster/contracts';
import { Outbox, OutboxRelay } from '@roster/messaging';
import { type Directory, DirectoryEntity, eventOf, hrisOf, sftpOf } from '../entities/directory.entity';
import { Run, RunEntity } from '../entities/run.entity';
import { TenantEntity } from '../entities/tenant.entity';
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

export interface StartRunCommand {
  tenantId: string;
  directoryId: string;
  trigger: RunTrigger;
  /** hris-api: what to fetch (R-API-02); absent = the source's default for the trigger. */
  fetch?: RequestedFetch;
}

/** What a source needs to fetch a directory's run, by type: the settings and its secrets (sealed). */
export function sourceSettingsOf(d: Directory): Pick<PayloadOf<'sync.requested'>, 'sftp' | 'csv' | 'hris' | 'policy'> {
  if (d.type === 'event') return { policy: eventOf(d).policy };
  if (d.type === 'hris-api') {
    const { policy, provider, baseUrl, pageSize, fieldMappings } = hrisOf(d);
    if (!d.secrets.accountToken) throw new Error(`directory ${d.id} has no account token`);
    return { hris: { provider, baseUrl, pageSize, fieldMappings, accountToken: d.secrets.accountToken }, policy };
  }
  const s = sftpOf(d);
  return {
    sftp: {
      host: s.host,
      port: s.port,
      username: s.username,
      folder: s.folder,
      hostKeyFingerprint: s.hostKeyFingerprint,
      password: d.secrets.password,
      privateKey: d.secrets.privateKey,
    },
    csv: { dateFormat: s.dateFormat, headerMapping: s.headerMapping, safeguard: s.safeguard },
  };
}

export function runInProgress(directoryId: string, active: Pick<Run, 'id' | 'status'> | null | undefined): DirectoryConfigException {
  return new DirectoryConfigException(
    DirectoryConfigExceptionCode.RUN_IN_PROGRESS,
    `directory ${directoryId} already has a run in progress${active ? ` (${active.id}, ${active.status})` : ''}; start another when it ends`,
    { activeRunId: active?.id },
  );
}

/**
 * Takes the directory's active-run slot for a new run, in the caller's transaction: refuses a missing or disabled
 * directory, and a directory with an active run (RUN_IN_PROGRESS; the partial unique index on `runs` stays the
 * guard against two starts racing past this check). Shared by manual, scheduled and re-runs (R-OPS-01).
 */
export async function queueRunIn(
  em: EntityManager,
  { tenantId, directoryId, trigger, rerunOf = null, fileName = null }: StartRunCommand & { rerunOf?: string | null; fileName?: string | null },
  options: { needsSource: boolean },
): Promise<{ run: Run; directory: Directory }> {
  // Shares the row lock a delete takes: a directory being deleted gets no new run.
  const current = await em.findOne(DirectoryEntity, { id: directoryId, tenantId }, { lockMode: LockMode.PESSIMISTIC_READ });
  if (!current) {
    throw new DirectoryConfigException(DirectoryConfigExceptionCode.DIRECTORY_NOT_FOUND, `directory ${directoryId} does not exist in tenant ${tenantId}`);
  }
  if (!current.enabled) {
    throw new DirectoryConfigException(DirectoryConfigExceptionCode.DIRECTORY_DISABLED, `directory ${directoryId} is disabled; enable it to start a run`);
  }
  if (options.needsSource && current.type === 'event') {
    throw new DirectoryConfigException(
      DirectoryConfigExceptionCode.DIRECTORY_HAS_NO_SOURCE,
      `directory ${directoryId} is an event directory: it has no source to fetch; its runs start from the employee events services publish (R-EVT-02)`,
    );
  }
  const active = await em.findOne(RunEntity, { tenantId, directoryId, active: true });
  if (active) throw runInProgress(directoryId, active);
  const run = em.create(RunEntity, {
    id: randomUUID(),
    tenantId,
    directoryId,
    trigger,
    status: 'queued',
    active: true,
    counts: null,
    problems: [],
    problemCount: 0,
    failure: null,
    fileName,
    pendingRemovals: null,
    decision: null,
    rerunOf,
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
  });
  await em.flush();
  return { run, directory: current };
}

/**
 * The transactional part of starting a run, in the caller's transaction: queues the run (`queueRunIn`) and the
 * `sync.requested` command (outbox) together, so both commit or neither does. Manual starts run it in a
 * transaction of their own; the scheduler runs it in the transaction that claims the directory and advances its
 * `next_run_at`. The caller kicks the outbox relay once it has committed.
 */
export async function startRunIn(em: EntityManager, outbox: Outbox, { tenantId, directoryId, trigger, fetch }: StartRunCommand): Promise<Run> {
  const { run, directory: current } = await queueRunIn(em, { tenantId, directoryId, trigger }, { needsSource: true });
  const runId = run.id;
  // R-TEN-02: the tenant owner is the default owner of teams a run creates.
  const tenant = await em.findOne(TenantEntity, { id: tenantId });
  await outbox.add(
    em,
    'sync.requested',
    {
      runId,
      directoryId,
      directoryType: current.type,
      trigger,
      notify: { directoryName: current.name, recipients: current.recipients },
      ...sourceSettingsOf(current),
      tenantOwnerEmail: tenant?.ownerEmail ?? undefined,
      ...(fetch && current.type === 'hris-api' ? { fetch } : {}),
    },
    { tenantId, runId, tokens: { directoryType: current.type }, id: runId },
  );
  return run;
}

@Injectable()
export class RunsUseCase {
  constructor(
    private readonly orm: MikroORM,
    private readonly directories: DirectoriesUseCase,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Starts a run by hand (or from any caller without a transaction of its own): `startRunIn` in a new
   * transaction. Two runs of one directory never overlap (R-DIR-04): the second is refused with the active run's id.
   */
  async start(tenantId: string, directoryId: string, trigger: RunTrigger, fetch?: RequestedFetch): Promise<Run> {
    try {
      return await this.orm.em.fork().transactional((em) => startRunIn(em, this.outbox, { tenantId, directoryId, trigger, fetch }));
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) {
        // Two starts raced past the active-run check; the unique index let one in.
        throw runInProgress(directoryId, await this.orm.em.fork().findOne(RunEntity, { directoryId, active: true }));
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

  /** Recent runs of a directory, newest first, optionally of one status (R-DIR-03). */
  async list(tenantId: string, directoryId: string, filter: { status?: RunStatus; limit?: number } = {}): Promise<Run[]> {
    await this.directories.get(tenantId, directoryId);
    return this.orm.em
      .fork()
      .find(
        RunEntity,
        { tenantId, directoryId, ...(filter.status ? { status: filter.status } : {}) },
        { orderBy: { createdAt: 'desc' }, limit: filter.limit ?? 50 },
      );
  }

  /** Follows the lifecycle events; statuses only move forward, so a late or replayed event changes nothing. */
  async onProgress(em: EntityManager, tenantId: string, p: PayloadOf<'run.progress'>, at: Date): Promise<void> {
    const run = await em.findOne(RunEntity, { id: p.runId, tenantId });
    if (!run || ORDER[p.status] <= ORDER[run.status]) return;
    run.status = p.status;
    run.startedAt ??= at;
    run.fileName = p.fileName ?? run.fileName;
    run.pendingRemovals = p.pendingRemovals ?? run.pendingRemovals;
    await em.flush();
  }

  /**
   * R-SAFE-01: an admin approves or rejects a run held in awaiting-approval. The decision is recorded on the run
   * (a second one is refused) and `run.decided` goes through the outbox in the same transaction; the reconciler
   * applies or discards the held run and `run.finished` ends it as usual.
   */
  async decide(tenantId: string, runId: string, decision: 'approve' | 'reject'): Promise<Run> {
    const run = await this.orm.em.fork().transactional(async (em) => {
      const found = await em.findOne(RunEntity, { id: runId, tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!found) throw new DirectoryConfigException(DirectoryConfigExceptionCode.RUN_NOT_FOUND, `run ${runId} does not exist in tenant ${tenantId}`);
      if (found.status !== 'awaiting-approval' || found.decision !== null) {
        const state = found.decision ? `was already ${found.decision === 'approve' ? 'approved' : 'rejected'}` : `is ${found.status}`;
        throw new DirectoryConfigException(
          DirectoryConfigExceptionCode.RUN_NOT_AWAITING_APPROVAL,
          `run ${runId} ${state}; only a run awaiting approval can be approved or rejected`,
        );
      }
      found.decision = decision;
      await em.flush();
      await this.outbox.add(em, 'run.decided', { runId, directoryId: found.directoryId, decision }, { tenantId, runId, id: `${runId}:decided` });
      return found;
    });
    this.relay.kick();
    return run;
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
    pendingRemovals: r.pendingRemovals ?? null,
    decision: r.decision ?? null,
    rerunOf: r.rerunOf ?? null,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}
