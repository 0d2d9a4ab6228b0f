import { Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  CanonicalEmployee,
  CanonicalTeam,
  CloudEvent,
  PayloadOf,
  RowProblem,
  RunCounts,
  RunFailure,
  emptyRunCounts,
} from '@roster/contracts';
import { EventPublisher, Outbox, OutboxRelay, OutgoingMessage, RetryLaterError } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import {
  ManagerChange,
  StoredUser,
  type CustomFieldType,
  type DateFormat,
  CustomFieldTypeInference,
  addRunCounts,
  checkCustomFields,
  normalizeEmail,
  normalizeUsername,
  planUserChunk,
  summarize,
  runUserPolicyOf,
  runGroupPolicyOf,
  type UserPolicy,
} from '@roster/reconciliation';
import { ManagerPhase, managersAtInsert } from './apply-managers';
import { RunEmailClaims } from './email-claims';
import { GroupsPhase } from '../groups/apply-groups';
import { RunOrphans } from './orphans';
import { ProblemLog } from './problem-log';
import { PhaseClock, RunMetrics } from './run-metrics';
import { RunScratch } from './run-scratch';
import { RunSafeguard } from './safeguard';
import { TeamsApplier, wantedTeamsOf } from '../teams/apply-teams';
import { CustomFieldsRepository } from '../teams/custom-fields.repository';
import { UsersRepository, toDirectoryUser } from '../users/users.repository';

type RecordsComplete = CloudEvent<PayloadOf<'records.complete'>>;
/** Users read, written and announced at a time in phase 2 (bounded memory however large the run). */
const ANNOUNCE_CHUNK = 1000;
/** The least number of new rows worth an ANALYZE of the tables a run fills. */
const MIN_ROWS_BEFORE_ANALYZE = 2000;

/**
 * A first run fills users, teams and memberships from nothing inside one transaction; the planner's statistics
 * still say "empty", and it then picks plans that scan the growing tables for every chunk (quadratic; seen at
 * 100k rows in the bench). ANALYZE in the transaction counts its own inserted rows, so the keyed lookups stay
 * index lookups. It samples at most 30k rows per table, but is not free (a quarter of an unchanged re-sync's
 * database time when it ran every 10 batches): so it runs each time the run has doubled the table (a plan changes
 * when a table grows by a factor, not by a count).
 */
class StatisticsRefresh {
  private sinceLast = 0;

  private constructor(
    private readonly em: EntityManager,
    private rows: number,
  ) {}

  static async start(em: EntityManager): Promise<StatisticsRefresh> {
    const [row] = await sql<{ rows: number }>(em, `select greatest(reltuples, 0)::float8 as rows from pg_class where oid = ?::regclass`, [
      qualified(em, 'users'),
    ]);
    return new StatisticsRefresh(em, Number(row?.rows ?? 0));
  }

  async inserted(count: number): Promise<void> {
    this.sinceLast += count;
    if (this.sinceLast >= Math.max(MIN_ROWS_BEFORE_ANALYZE, this.rows)) await this.refresh();
  }

  async refresh(): Promise<void> {
    if (this.sinceLast === 0) return;
    await sql(this.em, `analyze ${['users', 'teams', 'team_memberships'].map((t) => qualified(this.em, t)).join(', ')}`);
    this.rows += this.sinceLast;
    this.sinceLast = 0;
  }
}

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

  async execute(event: RecordsComplete): Promise<void> {
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

  /** Ends the run, applied or not: state, staged batches and held removals gone, `run.finished` in the outbox. */
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
    await sql(em, `delete from ${qualified(em, 'held_removals')} where run_id = ?`, [data.runId]);
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
    const analyzer = await StatisticsRefresh.start(em);

    // R-SFTP-03: the teams file is applied before any user.
    const customFields = new CustomFieldsRepository(em, tenantId);
    const definitions = await customFields.load();
    const scan = await this.scanRun(em, runId, data.batchCount, definitions, dateFormat);
    const teams = new TeamsApplier(em, this.outbox, tenantId, runId, directoryId, data.tenantOwnerEmail ?? null);
    await teams.load();
    await problems.add(await teams.applyTeamsFile(scan.teams));
    await customFields.create(scan.customFields, runId);
    for (const { label, type } of scan.customFields) definitions.set(label, type);
    // R-API-08: the directory's groups before any user; R-API-10: each email claimed by the run's first record.
    const groups = await GroupsPhase.start(em, this.outbox, { tenantId, runId, directoryId }, runGroupPolicyOf(data));
    const emailClaims = await RunEmailClaims.start(em, runId, policy.matchByExternalId, policy.matchByUsername);
    clock.lap('prepare');

    for (let batchNo = 0; batchNo < data.batchCount; batchNo++) {
      const batch = await this.stagedBatch(em, runId, batchNo);
      clock.lap('read');
      if (batch.teams !== null) {
        // A teams-file batch: its records were applied above; its row problems are the teams file's.
        await problems.add(batch.problems);
        continue;
      }
      const fieldProblems: RowProblem[] = [];
      const employees = batch.employees.map((e) => checkCustomFields(e, definitions, dateFormat, fieldProblems));
      const current = await users.findByEmails(employees.map((e) => e.email.toLowerCase()));
      // R-API-04: API directories match the users linked to the records' external ids first.
      const linked = policy.matchByExternalId ? await users.findByExternalIds(directoryId, externalIdsOf(employees)) : new Map<string, StoredUser & { managerId: string | null }>();
      // R-API-04 with a username attribute: the tenant's users with the batch's usernames.
      const usernames = policy.matchByUsername ? usernamesOf(employees) : [];
      const named = usernames.length > 0 ? await users.findByUsernames(usernames) : new Map<string, StoredUser & { managerId: string | null }>();
      const managerIds = new Map([...current.values(), ...linked.values(), ...named.values()].map((u) => [u.id, u.managerId]));
      const claimed = await emailClaims.claimedBefore(batchNo, employees.map((e) => e.email));
      const byUsername = { users: named, claimedEarlier: await emailClaims.usernamesClaimedBefore(batchNo, usernames) };
      clock.lap('match');
      const plan = planUserChunk(current, employees, policy, ctx, linked, claimed, byUsername);
      plan.operations = await safeguard.review(plan.operations, ctx.now); // R-SAFE-01
      const writes: StoredUser[] = [];
      const created: StoredUser[] = [];
      const unchanged: string[] = [];
      const sequences: { id: string; fieldSequences: Record<string, number> }[] = [];
      const events: OutgoingMessage[] = [];
      for (const op of plan.operations) {
        if (op.kind === 'create') {
          // Announced after the managers are linked, so user.created carries the manager (see announceCreated).
          const user = users.withId(op.user);
          writes.push(user);
          created.push(user);
        } else if (op.kind === 'update') {
          writes.push(op.next);
          const managerId = managerIds.get(op.userId) ?? null;
          events.push(
            this.outbox.message('user.updated', { runId, user: toDirectoryUser(op.next, managerId), changes: op.changes }, { tenantId, runId }),
          );
        } else {
          unchanged.push(op.email);
          if (op.fieldSequences) sequences.push({ id: op.userId, fieldSequences: op.fieldSequences });
        }
      }
      clock.lap('plan');
      await users.upsert(writes, await managersAtInsert(users, created, plan.managerLinks));
      await users.setFieldSequences(sequences);
      await this.outbox.addMessages(em, events);
      clock.lap('write users');
      await scratch.addCreated(created);
      await scratch.addUnchanged(unchanged);
      await scratch.addLinks(plan.managerLinks);
      // R-EVT-02: teams and groups an event record names after a newer event set them do not apply.
      const stale = plan.staleMemberships;
      const applied = stale === undefined ? employees : employees.filter((e) => !stale.has(normalizeEmail(e.email)));
      await groups.addSynced(applied, stale === undefined ? plan.operations : plan.operations.filter((op) => !stale.has(op.kind === 'create' ? op.user.email : op.email)));
      await scratch.addWantedTeams(
        applied
          .filter((e) => e.teams !== undefined && e.teams.length > 0)
          .map((e) => ({ rowNumber: e.rowNumber, email: normalizeEmail(e.email), teams: wantedTeamsOf(e.teams ?? []) })),
      );
      const batchProblems = [...batch.problems, ...fieldProblems, ...plan.problems];
      await problems.add(batchProblems);
      counts = addRunCounts(counts, summarize(plan.operations, batchProblems));
      em.clear();
      clock.lap('keep run state');
      await analyzer.inserted(created.length);
      clock.lap('analyze');
    }
    await analyzer.refresh();
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
    for await (const ids of scratch.createdIds()) await this.announceCreated(em, users, ids, runId, tenantId);
    for await (const changes of managerPhase.changesOfExistingUsers()) await this.announceManagerChanges(em, users, changes, runId, tenantId);
    clock.lap('announce users');
    for await (const wanted of scratch.wantedTeams()) {
      const changed = await teams.applyMemberships(wanted);
      // Touched matters only for users found unchanged (counted as updated); the run's new users never are.
      const created = new Set(wanted.filter((w) => w.newUser).map((w) => w.email));
      await scratch.addTouched([...changed].filter((email) => !created.has(email)));
      await analyzer.inserted(changed.size); // a first run fills team_memberships here
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

  private async stagedBatch(em: EntityManager, runId: string, batchNo: number) {
    const [batch] = await sql<{ employees: CanonicalEmployee[]; problems: RowProblem[]; teams: CanonicalTeam[] | null }>(em,
      `select employees, problems, teams from ${qualified(em, 'staged_batches')} where run_id = ? and batch_no = ?`,
      [runId, batchNo],
    );
    return batch;
  }

  /**
   * A first read of the staged batches, one at a time: the teams-file records (R-SFTP-03: applied before any
   * user), and for each label with no definition yet (R-CSV-04) a custom field whose type is inferred from every
   * value the run has for it (so one early row cannot decide alone), without holding the values.
   */
  private async scanRun(em: EntityManager, runId: string, batchCount: number, defined: ReadonlyMap<string, unknown>, dateFormat: DateFormat) {
    const teams: CanonicalTeam[] = [];
    const inferences = new Map<string, CustomFieldTypeInference>();
    for (let batchNo = 0; batchNo < batchCount; batchNo++) {
      const [row] = await sql<{ teams: CanonicalTeam[] | null; custom: Record<string, string>[] }>(em,
        `select teams, (select coalesce(jsonb_agg(e->'customFields'), '[]'::jsonb) from jsonb_array_elements(employees) e where e->'customFields' is not null) as custom
           from ${qualified(em, 'staged_batches')} where run_id = ? and batch_no = ?`,
        [runId, batchNo],
      );
      if (row.teams) teams.push(...row.teams);
      for (const record of row.custom) {
        for (const [label, value] of Object.entries(record)) {
          if (defined.has(label)) continue;
          let inference = inferences.get(label);
          if (!inference) inferences.set(label, (inference = new CustomFieldTypeInference(dateFormat)));
          inference.observe(value);
        }
      }
    }
    const customFields: { label: string; type: CustomFieldType }[] = [];
    for (const [label, inference] of inferences) {
      if (inference.type !== undefined) customFields.push({ label, type: inference.type });
    }
    return { teams, customFields };
  }

  /** user.created for every user this run created, from the stored rows (manager included), chunk by chunk. */
  private async announceCreated(em: EntityManager, users: UsersRepository, ids: readonly string[], runId: string, tenantId: string) {
    for (let i = 0; i < ids.length; i += ANNOUNCE_CHUNK) {
      const rows = await users.findByIds(ids.slice(i, i + ANNOUNCE_CHUNK));
      await this.outbox.addMessages(
        em,
        [...rows.values()].map((user) =>
          this.outbox.message('user.created', { runId, user: toDirectoryUser(user, user.managerId) }, { tenantId, runId }),
        ),
      );
    }
  }

  /** user.updated for each manager link that changed on a user who existed before this run. */
  private async announceManagerChanges(
    em: EntityManager,
    users: UsersRepository,
    changes: readonly ManagerChange[],
    runId: string,
    tenantId: string,
  ) {
    for (let i = 0; i < changes.length; i += ANNOUNCE_CHUNK) {
      const chunk = changes.slice(i, i + ANNOUNCE_CHUNK);
      const rows = await users.findByEmails(chunk.map((c) => c.email));
      const events: OutgoingMessage[] = [];
      for (const change of chunk) {
        const user = rows.get(change.email);
        if (!user) continue;
        events.push(
          this.outbox.message(
            'user.updated',
            {
              runId,
              user: toDirectoryUser(user, user.managerId),
              changes: { managerEmail: { from: change.previousManagerEmail, to: change.managerEmail } },
            },
            { tenantId, runId },
          ),
        );
      }
      await this.outbox.addMessages(em, events);
    }
  }
}

function usernamesOf(employees: readonly CanonicalEmployee[]): string[] {
  return [...new Set(employees.map((e) => (e.username === undefined ? '' : normalizeUsername(e.username))).filter((u) => u !== ''))];
}

function externalIdsOf(employees: readonly CanonicalEmployee[]): string[] {
  return [...new Set(employees.map((e) => e.externalId?.trim()).filter((id): id is string => !!id))];
}
