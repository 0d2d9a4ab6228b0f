import { Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  CanonicalEmployee,
  CloudEvent,
  PayloadOf,
  RowProblem,
  RunCounts,
  emptyRunCounts,
} from '@roster/contracts';
import { EventPublisher, Outbox, OutboxRelay, OutgoingMessage, RetryLaterError } from '@roster/messaging';
import { qualified } from '@roster/persistence';
import {
  CSV_USER_POLICY,
  ManagerLink,
  StoredUser,
  addRunCounts,
  placeholderUser,
  planManagerLinks,
  planUserChunk,
  summarize,
} from '@roster/reconciliation';
import { UsersRepository, toDirectoryUser } from '../users/users.repository';

type RecordsComplete = CloudEvent<PayloadOf<'records.complete'>>;
const FIRST_PROBLEMS = 100;

/**
 * Applies a complete run in one transaction: plan each staged batch against the stored users (one read per
 * batch), write creates and updates set-based, then managers (phase 2), the directory events (outbox) and
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
      const result = data.outcome === 'complete' ? await this.apply(em, event) : { counts: emptyRunCounts(), problemCount: 0, problems: [] };
      const status = data.outcome !== 'complete' ? 'failed' : result.problemCount > 0 ? 'partially-succeeded' : 'succeeded';
      await em.execute(
        `update ${qualified(em, 'run_states')} set status = ?, counts = ?::jsonb, problem_count = ?, finished_at = now() where run_id = ?`,
        [status === 'failed' ? 'failed' : 'applied', JSON.stringify(result.counts), result.problemCount, data.runId],
      );
      await em.execute(`delete from ${qualified(em, 'staged_batches')} where run_id = ?`, [data.runId]);
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
          failure: data.outcome === 'complete' ? undefined : (data.failure ?? { code: 'INCOMPLETE', message: 'the source did not deliver every record' }),
          fileName: data.fileName,
          notify: data.notify,
          finishedAt: new Date().toISOString(),
        },
        { tenantId, runId: data.runId, id: `${data.runId}:finished` },
      );
      return { status, ...result };
    });
    this.relay.kick();
    if (finished) this.logger.log({ ...log, status: finished.status, counts: finished.counts, problems: finished.problemCount }, 'run finished');
  }

  private async stagedCount(runId: string): Promise<number> {
    const [row] = await this.orm.em
      .fork()
      .execute<{ n: string }[]>(`select count(*) as n from ${qualified(this.orm.em, 'staged_batches')} where run_id = ?`, [runId]);
    return Number(row.n);
  }

  /** Locks the run's state row; false when the run was already applied or failed (a redelivery). */
  private async claim(em: EntityManager, event: RecordsComplete): Promise<boolean> {
    const states = qualified(em, 'run_states');
    await em.execute(
      `insert into ${states} (run_id, tenant_id, directory_id, status) values (?, ?, ?, 'staging') on conflict do nothing`,
      [event.data.runId, event.tenantid, event.data.directoryId],
    );
    const [state] = await em.execute<{ status: string }[]>(`select status from ${states} where run_id = ? for update`, [event.data.runId]);
    return state.status === 'staging';
  }

  private async apply(em: EntityManager, event: RecordsComplete) {
    const { runId, directoryId } = event.data;
    const tenantId = event.tenantid;
    const users = new UsersRepository(em, tenantId);
    const ctx = { directoryId, now: new Date() };
    const problems = new ProblemLog(em, tenantId, runId);
    let counts = emptyRunCounts();
    const links: ManagerLink[] = [];
    const unchangedEmails = new Set<string>();
    const managerOf = new Map<string, string | null>();

    for (let batchNo = 0; batchNo < event.data.batchCount; batchNo++) {
      const [batch] = await em.execute<{ employees: CanonicalEmployee[]; problems: RowProblem[] }[]>(
        `select employees, problems from ${qualified(em, 'staged_batches')} where run_id = ? and batch_no = ?`,
        [runId, batchNo],
      );
      const current = await users.findByEmails(batch.employees.map((e) => e.email.toLowerCase()));
      const plan = planUserChunk(current, batch.employees, CSV_USER_POLICY, ctx);
      const writes: StoredUser[] = [];
      const events: OutgoingMessage[] = [];
      for (const op of plan.operations) {
        if (op.kind === 'create') {
          const user = users.withId(op.user);
          writes.push(user);
          events.push(this.outbox.message('user.created', { runId, user: toDirectoryUser(user, null) }, { tenantId, runId }));
        } else if (op.kind === 'update') {
          writes.push(op.next);
          const managerId = current.get(op.email)?.managerId ?? null;
          events.push(
            this.outbox.message('user.updated', { runId, user: toDirectoryUser(op.next, managerId), changes: op.changes }, { tenantId, runId }),
          );
        } else {
          unchangedEmails.add(op.email);
        }
      }
      for (const [email, user] of current) managerOf.set(email, user.managerEmail);
      await users.upsert(writes);
      await this.outbox.addMessages(em, events);
      const batchProblems = [...batch.problems, ...plan.problems];
      await problems.add(batchProblems);
      counts = addRunCounts(counts, summarize(plan.operations, batchProblems));
      links.push(...plan.managerLinks);
      em.clear();
    }

    counts = addRunCounts(counts, await this.applyManagers(em, users, links, unchangedEmails, problems, ctx, runId, tenantId));
    return { counts, problemCount: problems.count, problems: problems.first };
  }

  /** Phase 2: placeholders for unknown managers (R-CSV-08), then the links that close no loop (R-CSV-15). */
  private async applyManagers(
    em: EntityManager,
    users: UsersRepository,
    links: ManagerLink[],
    unchangedEmails: Set<string>,
    problems: ProblemLog,
    ctx: { directoryId: string; now: Date },
    runId: string,
    tenantId: string,
  ): Promise<RunCounts> {
    const counts = emptyRunCounts();
    if (links.length === 0) return counts;
    const current = await users.managerMap();
    const plan = planManagerLinks(links, { has: (email) => current.has(email) }, current);
    await problems.add(plan.problems);
    counts.failed += new Set(plan.problems.map((p) => p.rowNumber)).size;

    const placeholders = plan.placeholders.map((email) => users.withId(placeholderUser(email, CSV_USER_POLICY, ctx)));
    await users.upsert(placeholders);
    await this.outbox.addMessages(
      em,
      placeholders.map((user) => this.outbox.message('user.created', { runId, user: toDirectoryUser(user, null) }, { tenantId, runId })),
    );
    counts.created += placeholders.length;

    const linked = await users.setManagers(plan.setManager);
    const changed = await users.findByEmails([...linked.keys()]);
    const events: OutgoingMessage[] = [];
    for (const change of plan.setManager) {
      const user = changed.get(change.email);
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
      // A user whose only change is the manager link counts as updated, not unchanged.
      if (unchangedEmails.delete(change.email)) {
        counts.unchanged -= 1;
        counts.updated += 1;
      }
    }
    await this.outbox.addMessages(em, events);
    return counts;
  }
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
      await this.em.execute(
        `insert into ${qualified(this.em, 'run_problems')} (run_id, seq, tenant_id, row_number, external_id, field, code, message)
         values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((p, j) => [this.runId, this.count + j, this.tenantId, p.rowNumber ?? null, p.externalId ?? null, p.field ?? null, p.code, p.message]),
      );
      this.count += chunk.length;
    }
    for (const p of problems) if (this.first.length < FIRST_PROBLEMS) this.first.push(p);
  }
}
