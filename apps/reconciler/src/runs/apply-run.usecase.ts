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
  ManagerLink,
  StoredUser,
  WantedMemberships,
  type CustomFieldType,
  type DateFormat,
  addRunCounts,
  checkCustomFields,
  inferCustomFieldType,
  placeholderUser,
  planManagerLinks,
  planUserChunk,
  summarize,
  userPolicyOf,
  type UserPolicy,
} from '@roster/reconciliation';
import { RunOrphans } from './orphans';
import { holdIfOverThreshold } from './safeguard';
import { TeamsApplier, wantedTeamsOf } from '../teams/apply-teams';
import { CustomFieldsRepository } from '../teams/custom-fields.repository';
import { UsersRepository, toDirectoryUser } from '../users/users.repository';

type RecordsComplete = CloudEvent<PayloadOf<'records.complete'>>;
const FIRST_PROBLEMS = 100;
/** Users read, written and announced at a time in phase 2 (bounded memory however large the run). */
const ANNOUNCE_CHUNK = 1000;
/** How often (in batches) a run refreshes the planner statistics of the tables it is filling. */
const STATS_EVERY_BATCHES = 10;

/**
 * A first run fills users, teams and memberships from nothing inside one transaction; the planner's statistics
 * still say "empty", and it then picks plans that scan the growing tables for every chunk (quadratic; seen at
 * 100k rows in the bench). ANALYZE in the transaction counts its own inserted rows, so the keyed lookups stay
 * index lookups. Cheap: it samples at most 30k rows per table.
 */
async function refreshStatistics(em: EntityManager): Promise<void> {
  await sql(em, `analyze ${['users', 'teams', 'team_memberships'].map((t) => qualified(em, t)).join(', ')}`);
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
  ) {}

  async execute(event: RecordsComplete): Promise<void> {
    const { data, tenantid: tenantId } = event;
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId };
    if (data.outcome === 'complete') {
      const staged = await this.stagedCount(data.runId);
      if (staged < data.batchCount) {
        throw new RetryLaterError(`run ${data.runId}: ${staged} of ${data.batchCount} batches staged`, 1000);
      }
      await this.publisher.publish(
        'run.progress',
        { runId: data.runId, directoryId: data.directoryId, status: 'reconciling', fileName: data.fileName },
        { tenantId, runId: data.runId, id: `${data.runId}:reconciling` },
      );
    }
    const finished = await this.orm.em.fork().transactional(async (em) => {
      if (!(await this.claim(em, event))) return undefined;
      return this.applyAndFinish(em, tenantId, data, false);
    });
    this.relay.kick();
    if (finished) this.logger.log({ ...log, status: finished.status, counts: finished.counts, problems: finished.problemCount }, 'run finished');
  }

  /**
   * In the caller's transaction (the run's state row locked): R-SAFE-01 first — a run over the threshold is held
   * and nothing is written — then the records, the orphans (R-API-06), `run.finished`. `approved` is the apply of
   * a held run after an admin's approval: the same single transaction, limited to the held removals.
   */
  async applyAndFinish(em: EntityManager, tenantId: string, data: RecordsComplete['data'], approved: boolean) {
    const policy = userPolicyOf(data.policy);
    const orphans = new RunOrphans(em, tenantId, data.directoryId, data.runId);
    if (data.outcome === 'complete' && !approved && (await holdIfOverThreshold(em, this.outbox, tenantId, data, policy, orphans))) {
      return { status: 'awaiting-approval' as const, counts: emptyRunCounts(), problemCount: 0 };
    }
    const result =
      data.outcome === 'complete'
        ? await this.apply(em, tenantId, data, policy, orphans, approved)
        : { counts: emptyRunCounts(), problemCount: 0, problems: [] };
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

  private async stagedCount(runId: string): Promise<number> {
    const [row] = await sql<{ n: string }>(this.orm.em.fork(), `select count(*) as n from ${qualified(this.orm.em, 'staged_batches')} where run_id = ?`, [
      runId,
    ]);
    return Number(row.n);
  }

  /** Locks the run's state row; false when the run was already applied or failed (a redelivery). */
  private async claim(em: EntityManager, event: RecordsComplete): Promise<boolean> {
    const states = qualified(em, 'run_states');
    await sql(em,
      `insert into ${states} (run_id, tenant_id, directory_id, status) values (?, ?, ?, 'staging') on conflict do nothing`,
      [event.data.runId, event.tenantid, event.data.directoryId],
    );
    const [state] = await sql<{ status: string }>(em, `select status from ${states} where run_id = ? for update`, [event.data.runId]);
    return state.status === 'staging';
  }

  private async apply(em: EntityManager, tenantId: string, data: RecordsComplete['data'], policy: UserPolicy, orphans: RunOrphans, approved: boolean) {
    const { runId, directoryId } = data;
    const users = new UsersRepository(em, tenantId);
    const ctx = { directoryId, now: new Date() };
    const dateFormat = data.dateFormat ?? 'dd/mm/yyyy';
    const problems = new ProblemLog(em, tenantId, runId);
    let counts = emptyRunCounts();
    const links: ManagerLink[] = [];
    const unchangedEmails = new Set<string>();
    const created = new Map<string, string>(); // email -> id of each user this run creates
    const wantedTeams: WantedMemberships[] = [];

    // R-SFTP-03: the teams file is applied before any user.
    const customFields = new CustomFieldsRepository(em, tenantId);
    const definitions = await customFields.load();
    const scan = await this.scanRun(em, runId, definitions);
    const teams = new TeamsApplier(em, this.outbox, tenantId, runId, directoryId, data.tenantOwnerEmail ?? null);
    await teams.load();
    await problems.add(await teams.applyTeamsFile(scan.teams));
    await this.defineCustomFields(customFields, definitions, runId, scan.customFields, dateFormat);

    for (let batchNo = 0; batchNo < data.batchCount; batchNo++) {
      const [batch] = await sql<{ employees: CanonicalEmployee[]; problems: RowProblem[]; teams: CanonicalTeam[] | null }>(em,
        `select employees, problems, teams from ${qualified(em, 'staged_batches')} where run_id = ? and batch_no = ?`,
        [runId, batchNo],
      );
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
      const managerIds = new Map([...current.values(), ...linked.values()].map((u) => [u.id, u.managerId]));
      const plan = planUserChunk(current, employees, policy, ctx, linked);
      const writes: StoredUser[] = [];
      const events: OutgoingMessage[] = [];
      for (const op of plan.operations) {
        if (op.kind === 'create') {
          // Announced after the managers are linked, so user.created carries the manager (see announceCreated).
          const user = users.withId(op.user);
          writes.push(user);
          created.set(user.email, user.id);
        } else if (op.kind === 'update') {
          writes.push(op.next);
          const managerId = managerIds.get(op.userId) ?? null;
          events.push(
            this.outbox.message('user.updated', { runId, user: toDirectoryUser(op.next, managerId), changes: op.changes }, { tenantId, runId }),
          );
        } else {
          unchangedEmails.add(op.email);
        }
      }
      for (const e of employees) {
        if (e.teams !== undefined && e.teams.length > 0) wantedTeams.push({ rowNumber: e.rowNumber, email: e.email.toLowerCase(), teams: wantedTeamsOf(e.teams) });
      }
      await users.upsert(writes);
      await this.outbox.addMessages(em, events);
      const batchProblems = [...batch.problems, ...fieldProblems, ...plan.problems];
      await problems.add(batchProblems);
      counts = addRunCounts(counts, summarize(plan.operations, batchProblems));
      links.push(...plan.managerLinks);
      em.clear();
      if (batchNo % STATS_EVERY_BATCHES === STATS_EVERY_BATCHES - 1) await refreshStatistics(em);
    }
    await refreshStatistics(em);

    // R-API-06: the orphans, before the managers' placeholders exist (a placeholder is never this run's orphan).
    counts = addRunCounts(counts, await orphans.apply(policy, this.outbox, approved));
    const managers = await this.applyManagers(users, links, unchangedEmails, problems, ctx, created, policy);
    counts = addRunCounts(counts, managers.counts);
    // Creations first, then the manager changes of users who existed before: a consumer never meets an id it
    // has not been told about.
    await this.announceCreated(em, users, [...created.values()], runId, tenantId);
    await this.announceManagerChanges(em, users, managers.changedExisting, runId, tenantId);
    // A user whose only change is a membership counts as updated, not unchanged (like a manager link).
    for (const email of await teams.applyMemberships(wantedTeams)) {
      if (unchangedEmails.delete(email)) {
        counts.unchanged -= 1;
        counts.updated += 1;
      }
    }
    await teams.resolveOwners();
    return { counts, problemCount: problems.count, problems: problems.first };
  }

  /** One read of the run's staged batches: the teams-file records and the values of labels not yet defined. */
  private async scanRun(em: EntityManager, runId: string, defined: ReadonlyMap<string, unknown>) {
    const rows = await sql<{ teams: CanonicalTeam[] | null; custom: Record<string, string>[] }>(em,
      `select teams, (select coalesce(jsonb_agg(e->'customFields'), '[]'::jsonb) from jsonb_array_elements(employees) e where e->'customFields' is not null) as custom
         from ${qualified(em, 'staged_batches')} where run_id = ? order by batch_no`,
      [runId],
    );
    const teams: CanonicalTeam[] = [];
    const customFields = new Map<string, string[]>();
    for (const row of rows) {
      if (row.teams) teams.push(...row.teams);
      for (const record of row.custom) {
        for (const [label, value] of Object.entries(record)) {
          if (defined.has(label)) continue;
          const values = customFields.get(label) ?? [];
          values.push(value);
          customFields.set(label, values);
        }
      }
    }
    return { teams, customFields };
  }

  /**
   * R-CSV-04: a label with no definition yet becomes a custom field, its type inferred from every value the
   * run has for it (the staged values, so one early row cannot decide alone). Later runs check against it.
   */
  private async defineCustomFields(
    repo: CustomFieldsRepository,
    definitions: Map<string, CustomFieldType>,
    runId: string,
    values: Map<string, string[]>,
    dateFormat: DateFormat,
  ): Promise<void> {
    const created: { label: string; type: NonNullable<ReturnType<typeof inferCustomFieldType>> }[] = [];
    for (const [label, labelValues] of values) {
      if (definitions.has(label)) continue;
      const type = inferCustomFieldType(labelValues, dateFormat);
      if (type !== undefined) created.push({ label, type });
    }
    await repo.create(created, runId);
    for (const { label, type } of created) definitions.set(label, type);
  }

  /**
   * Phase 2: placeholders for unknown managers (R-CSV-08), then the links that close no loop (R-CSV-15), written
   * in chunks. Returns the counts and the link changes of users that existed before this run (to announce).
   */
  private async applyManagers(
    users: UsersRepository,
    links: ManagerLink[],
    unchangedEmails: Set<string>,
    problems: ProblemLog,
    ctx: { directoryId: string; now: Date },
    created: Map<string, string>,
    policy: UserPolicy,
  ): Promise<{ counts: RunCounts; changedExisting: ManagerChange[] }> {
    const counts = emptyRunCounts();
    if (links.length === 0) return { counts, changedExisting: [] };
    const current = await users.managerMap();
    const plan = planManagerLinks(links, { has: (email) => current.has(email) }, current);
    await problems.add(plan.problems);
    counts.failed += new Set(plan.problems.map((p) => p.rowNumber)).size;

    const placeholders = plan.placeholders.map((email) => users.withId(placeholderUser(email, policy, ctx)));
    await users.upsert(placeholders);
    for (const u of placeholders) created.set(u.email, u.id);
    counts.created += placeholders.length;

    // Users created by this run are not "changed": their user.created event will carry the manager.
    const changedExisting = plan.setManager.filter((change) => !created.has(change.email));
    for (let i = 0; i < plan.setManager.length; i += ANNOUNCE_CHUNK) {
      await users.setManagers(plan.setManager.slice(i, i + ANNOUNCE_CHUNK));
    }
    for (const change of changedExisting) {
      // A user whose only change is the manager link counts as updated, not unchanged.
      if (unchangedEmails.delete(change.email)) {
        counts.unchanged -= 1;
        counts.updated += 1;
      }
    }
    return { counts, changedExisting };
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

function externalIdsOf(employees: readonly CanonicalEmployee[]): string[] {
  return [...new Set(employees.map((e) => e.externalId?.trim()).filter((id): id is string => !!id))];
}

/** Every problem of the run goes to run_problems; the first ones also travel on `run.finished`. */
class ProblemLog {
  count = 0;
  readonly first: RowProblem[] = [];

  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
    private readonly runId: string,
  ) {}

  async add(problems: readonly RowProblem[]): Promise<void> {
    for (let i = 0; i < problems.length; i += 1000) {
      const chunk = problems.slice(i, i + 1000);
      await sql(this.em,
        `insert into ${qualified(this.em, 'run_problems')} (run_id, seq, tenant_id, row_number, external_id, field, code, message)
         values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((p, j) => [this.runId, this.count + j, this.tenantId, p.rowNumber ?? null, p.externalId ?? null, p.field ?? null, p.code, p.message]),
      );
      this.count += chunk.length;
    }
    for (const p of problems) if (this.first.length < FIRST_PROBLEMS) this.first.push(p);
  }
}
