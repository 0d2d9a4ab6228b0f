import { Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CloudEvent, PayloadOf, RowProblem, RunCounts, RunFailure, emptyRunCounts } from '@roster/contracts';
import { EventPublisher, Outbox, OutboxRelay, RetryLaterError, gaveUpFailure, isFinalFailure } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { addRunCounts, digestsApply, runUserPolicyOf, runGroupPolicyOf, sourceDigestContext, type UserPolicy } from '@roster/reconciliation';
import { GroupsPhase } from '../groups/apply-groups';
import { TeamsApplier } from '../teams/apply-teams';
import { CustomFieldsRepository } from '../teams/custom-fields.repository';
import { UsersRepository } from '../users/users.repository';
import { announceCreated, announceManagerChanges } from './announce-users';
import { ManagerPhase } from './apply-managers';
import { UserBatches } from './apply-user-batches';
import { RunEmailClaims } from './email-claims';
import { RunOrphans } from './orphans';
import { ProblemLog } from './problem-log';
import { PhaseClock, RunMetrics } from './run-metrics';
import { RunScratch } from './run-scratch';
import { RunSafeguard } from './safeguard';
import { scanRun } from './staged-run';
import { StatisticsRefresh } from './statistics-refresh';

type RecordsComplete = CloudEvent<PayloadOf<'records.complete'>>;

/**
 * Applies a complete run in one transaction: the teams file first (R-SFTP-03), custom field definitions for
 * new labels (R-CSV-04), then each staged users batch against the stored users (one read per batch), creates
 * and updates set-based, then managers (phase 2), memberships (R-CSV-09), the directory events (outbox) and
 * `run.finished`. A crash anywhere rolls everything back; the redelivered `records.complete` starts over, and
 * a run that was applied is never applied again.
 */
@Injectable()
export class ApplyRunUseCase {
  private readonly logger = new Logger(ApplyRunUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    private readonly publisher: EventPublisher,
    private readonly metrics: RunMetrics,
  ) {}

  /**
   * `delivery.last`: this is the transport's last delivery of the completion, so a failure now dead-letters it. A
   * failure for good (that, or a `PermanentError` on any delivery) ends the run `failed` first (`failForGood`).
   */
  async execute(event: RecordsComplete, delivery: { last: boolean; count: number } = { last: false, count: 1 }): Promise<void> {
    try {
      await this.applyOnce(event);
    } catch (error) {
      if (isFinalFailure(error, delivery.last)) {
        await this.failForGood(event.tenantid, event.data, 'staging', error, delivery.count);
      }
      throw error;
    }
  }

  /**
   * A run whose apply failed for good: the transport dead-letters the message once this returns (a
   * `PermanentError`, or the last allowed delivery). Nothing of the run was applied (its transaction rolled back).
   * Without this the run stayed `reconciling` for ever, and a file or API directory refused every later run as
   * "in progress", until an operator redrove the dead letter. Now the run ends `failed` with the reason, in one
   * transaction with its `run.finished` (the directory is free, its recipients are told). A redrive of the dead
   * letter then finds the run finished and does nothing; `roster runs rerun` applies its retained records as a new
   * run once the cause is fixed. `from` is the state the run must still be in (a held run's approval: `held`).
   * If this fails too (the database is what is down), the run is left as it was, to be redriven.
   */
  async failForGood(tenantId: string, data: RecordsComplete['data'], from: 'staging' | 'held', error: unknown, deliveries: number): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const failure = gaveUpFailure('the reconciler', error, deliveries, {
      code: 'APPLY_FAILED',
      incompleteCode: 'RECORDS_INCOMPLETE',
      next: `re-run it once the cause is fixed (roster runs rerun ${data.runId})`,
    });
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId, code: failure.code };
    try {
      const ended = await this.orm.em.fork().transactional(async (em) => {
        const states = qualified(em, 'run_states');
        await sql(em, `insert into ${states} (run_id, tenant_id, directory_id, status) values (?, ?, ?, 'staging') on conflict do nothing`, [
          data.runId,
          tenantId,
          data.directoryId,
        ]);
        const [state] = await sql<{ status: string }>(em, `select status from ${states} where run_id = ? for update`, [data.runId]);
        if (state?.status !== from) return false;
        await this.finish(em, tenantId, data, 'failed', { counts: emptyRunCounts(), problemCount: 0, problems: [] }, failure);
        return true;
      });
      this.relay.kick();
      if (!ended) return;
      this.metrics.finished('failed', emptyRunCounts());
      this.logger.error({ ...log, reason }, 'run failed for good; ended failed, its message goes to the dead letters');
    } catch (e) {
      this.logger.error({ ...log, reason, error: (e as Error).message }, 'run failed for good and could not be ended failed; it stays as it was until its dead letter is redriven');
    }
  }

  private async applyOnce(event: RecordsComplete): Promise<void> {
    const { data, tenantid: tenantId } = event;
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId };
    // A redelivery of a run already applied or failed (its ack lost, e.g. NATS restarting after the commit) is done:
    // its staged batches are gone, so waiting for them would dead-letter a finished run (found by the chaos suite).
    if (await this.alreadyFinished(data.runId)) {
      this.logger.log(log, 'records.complete of a finished run redelivered; nothing to do');
      return;
    }
    if (data.outcome === 'complete') {
      const staged = await this.stagedCount(data.runId, data.fetchId);
      if (staged < data.batchCount) {
        throw new RetryLaterError(`run ${data.runId}: ${staged} of ${data.batchCount} batches staged`, 1000);
      }
      await this.publisher.publish(
        'run.progress',
        { runId: data.runId, directoryId: data.directoryId, status: 'reconciling', fileName: data.fileName },
        { tenantId, runId: data.runId, id: `${data.runId}:reconciling` },
      );
    }
    const clock = new PhaseClock();
    let finished: Awaited<ReturnType<ApplyRunUseCase['applyAndFinish']>> | undefined;
    try {
      finished = await this.orm.em.fork().transactional(async (em) => {
        if (!(await this.claim(em, event))) return undefined;
        return this.applyAndFinish(em, tenantId, data, false, clock);
      });
    } finally {
      clock.lap('finish');
      this.metrics.timed(clock);
    }
    this.relay.kick();
    if (!finished) return;
    this.metrics.finished(finished.status, finished.counts);
    this.logger.log({ ...log, status: finished.status, counts: finished.counts, problems: finished.problemCount, phasesMs: clock.summary() }, 'run finished');
  }

  /**
   * In the caller's transaction (the run's state row locked): the records, the orphans (R-API-06), `run.finished`;
   * R-SAFE-01 tries the records first and holds a run over the threshold with nothing written (`RunSafeguard`).
   * `approved` is the apply of a held run after an admin's approval: the same single transaction, limited to the
   * held removals.
   */
  async applyAndFinish(em: EntityManager, tenantId: string, data: RecordsComplete['data'], approved: boolean, clock = new PhaseClock()) {
    // R-EVT-02: an event directory's micro-batch run never orphans anybody (runUserPolicyOf).
    const policy = runUserPolicyOf(data);
    const orphans = new RunOrphans(em, tenantId, data.directoryId, data.runId);
    const safeguard = await RunSafeguard.start(em, this.outbox, tenantId, data, policy, orphans, approved);
    const result =
      data.outcome === 'complete'
        ? await this.apply(em, tenantId, data, policy, orphans, safeguard, clock)
        : { counts: emptyRunCounts(), problemCount: 0, problems: [] };
    if (result === 'held') return { status: 'awaiting-approval' as const, counts: emptyRunCounts(), problemCount: 0 };
    const status = data.outcome !== 'complete' ? 'failed' : result.problemCount > 0 ? 'partially-succeeded' : 'succeeded';
    const failure = data.outcome === 'complete' ? undefined : (data.failure ?? { code: 'INCOMPLETE', message: 'the source did not deliver every record' });
    await this.finish(em, tenantId, data, status, result, failure);
    return { status, ...result };
  }

  /**
   * Ends the run, applied or not: its state final, its staged batches gone, `run.finished` in the outbox. A held run's
   * removals stay, as its problems do: after the decision they are what was reviewed (and, approved, what it removed),
   * as the run itself keeps its first 100 (`pendingRemovals`).
   */
  async finish(
    em: EntityManager,
    tenantId: string,
    data: RecordsComplete['data'],
    status: 'succeeded' | 'partially-succeeded' | 'failed',
    result: { counts: RunCounts; problemCount: number; problems: RowProblem[] },
    failure: RunFailure | undefined,
  ): Promise<void> {
    await sql(em,
      `update ${qualified(em, 'run_states')} set status = ?, counts = ?::jsonb, problem_count = ?, completion = null, finished_at = now() where run_id = ?`,
      [status === 'failed' ? 'failed' : 'applied', JSON.stringify(result.counts), result.problemCount, data.runId],
    );
    await sql(em, `delete from ${qualified(em, 'staged_batches')} where run_id = ?`, [data.runId]);
    await this.outbox.add(
      em,
      'run.finished',
      {
        runId: data.runId,
        directoryId: data.directoryId,
        status,
        counts: result.counts,
        problems: result.problems,
        problemCount: result.problemCount,
        failure,
        fileName: data.fileName,
        notify: data.notify,
        finishedAt: new Date().toISOString(),
      },
      { tenantId, runId: data.runId, id: `${data.runId}:finished` },
    );
  }

  private async alreadyFinished(runId: string): Promise<boolean> {
    const [row] = await sql<{ status: string }>(this.orm.em.fork(), `select status from ${qualified(this.orm.em, 'run_states')} where run_id = ?`, [runId]);
    return row?.status === 'applied' || row?.status === 'failed';
  }

  /** The run's staged batches of the completion's fetch. */
  private async stagedCount(runId: string, fetchId: string | undefined): Promise<number> {
    const [row] = await sql<{ n: string }>(this.orm.em.fork(), `select count(*) as n from ${qualified(this.orm.em, 'staged_batches')} where run_id = ? and fetch_id = ?`, [
      runId,
      fetchId ?? '',
    ]);
    return Number(row.n);
  }

  /**
   * Locks the run's state row; false when the run was already applied or failed (a redelivery). Once claimed,
   * the batches of any other fetch of the run (an HR-API request fetched again after a crash) are dropped, so
   * everything the apply reads by run — the batches, the emails they claim, the keys they saw — is one fetch.
   */
  private async claim(em: EntityManager, event: RecordsComplete): Promise<boolean> {
    const states = qualified(em, 'run_states');
    await sql(em,
      `insert into ${states} (run_id, tenant_id, directory_id, status) values (?, ?, ?, 'staging') on conflict do nothing`,
      [event.data.runId, event.tenantid, event.data.directoryId],
    );
    const [state] = await sql<{ status: string }>(em, `select status from ${states} where run_id = ? for update`, [event.data.runId]);
    if (state.status !== 'staging') return false;
    // One apply per directory at a time, across replicas: two runs of one directory (an event directory's
    // micro-batches) writing the same users at once would each write what it read before the other committed — a
    // lost update of fields and of their event sequences (R-EVT-02).
    await sql(em, `select pg_advisory_xact_lock(hashtext(?))`, [`roster:apply:${event.data.directoryId}`]);
    await sql(em, `delete from ${qualified(em, 'staged_batches')} where run_id = ? and fetch_id <> ?`, [event.data.runId, event.data.fetchId ?? '']);
    return true;
  }

  private async apply(
    em: EntityManager,
    tenantId: string,
    data: RecordsComplete['data'],
    policy: UserPolicy,
    orphans: RunOrphans,
    safeguard: RunSafeguard,
    clock: PhaseClock,
  ) {
    const { runId, directoryId } = data;
    const users = new UsersRepository(em, tenantId);
    const ctx = { directoryId, now: new Date() };
    const dateFormat = data.dateFormat ?? 'dd/mm/yyyy';
    const problems = new ProblemLog(em, tenantId, runId);
    const scratch = new RunScratch(em);
    await scratch.create();
    let counts = emptyRunCounts();
    const analyzer = await StatisticsRefresh.start(em, tenantId);

    // R-SFTP-03: the teams file is applied before any user.
    const customFields = new CustomFieldsRepository(em, tenantId);
    const definitions = await customFields.load();
    const scan = await scanRun(em, runId, data.batchCount, definitions, dateFormat);
    const teams = new TeamsApplier(em, this.outbox, tenantId, runId, directoryId, data.tenantOwnerEmail ?? null);
    await teams.load();
    await problems.add(await teams.applyTeamsFile(scan.teams));
    await customFields.create(scan.customFields, runId);
    for (const { label, type } of scan.customFields) definitions.set(label, type);
    // R-API-08: the directory's groups before any user; R-API-10: each email claimed by the run's first record.
    const groups = await GroupsPhase.start(em, this.outbox, { tenantId, runId, directoryId }, runGroupPolicyOf(data));
    const emailClaims = await RunEmailClaims.start(em, runId, policy.matchByExternalId, policy.matchByUsername);
    clock.lap('prepare');

    const digests = digestsApply({ policy, directoryType: data.directoryType, tracksGroups: groups.tracksUsers });
    const batches = new UserBatches({ em, outbox: this.outbox, users, scratch, groups, problems, emailClaims, safeguard, analyzer, clock }, {
      tenantId,
      runId,
      directoryId,
      policy,
      ctx,
      definitions,
      dateFormat,
      digestContext: digests ? sourceDigestContext({ directoryId, policy, dateFormat, definitions }) : null,
      batchCount: data.batchCount,
    });
    for (let batchNo = 0; batchNo < data.batchCount; batchNo++) counts = addRunCounts(counts, await batches.apply(batchNo));
    await scratch.index();
    this.logger.log({ tenantId, directoryId, runId, skippedByDigest: batches.skippedByDigest }, 'records planned');
    await analyzer.settle();
    clock.lap('analyze');
    if (await safeguard.holdIfOver()) return 'held' as const;
    clock.lap('safeguard');

    // R-API-06: the orphans, before the managers' placeholders exist (a placeholder is never this run's orphan).
    counts = addRunCounts(counts, await orphans.apply(policy, this.outbox, safeguard.approved));
    clock.lap('orphans');
    const managerPhase = new ManagerPhase(em, tenantId, users, scratch, problems);
    counts = addRunCounts(counts, await managerPhase.apply(policy, ctx));
    clock.lap('managers');
    // Creations first, then the manager changes of users who existed before: a consumer never meets an id it
    // has not been told about.
    for await (const ids of scratch.createdIds()) await announceCreated(em, this.outbox, ids, runId, tenantId);
    for await (const changes of managerPhase.changesOfExistingUsers()) await announceManagerChanges(this.outbox, em, users, changes, runId, tenantId);
    clock.lap('announce users');
    for await (const wanted of scratch.wantedTeams({ tenantId, directoryId })) {
      const changed = await teams.applyMemberships(wanted);
      // Touched matters only for users found unchanged (counted as updated); the run's new users never are.
      const created = new Set(wanted.filter((w) => w.newUser).map((w) => w.email));
      await scratch.addTouched([...changed].filter((email) => !created.has(email)));
      await analyzer.inserted(changed.size, 'memberships'); // a first run fills team_memberships here
    }
    clock.lap('memberships');
    // R-API-08 memberships of the directory's groups, R-API-09 local / other directories' groups.
    await scratch.addTouched(await groups.finish());
    clock.lap('groups');
    // A user whose only change is a manager link or a membership counts as updated, not unchanged.
    const touched = await scratch.unchangedButTouched();
    counts.unchanged -= touched;
    counts.updated += touched;
    await teams.resolveOwners();
    return { counts, problemCount: problems.count, problems: problems.first };
  }
}
