import type { EntityManager } from '@mikro-orm/postgresql';
import { type RowProblem, type RunCounts, emptyRunCounts } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import {
  type ManagerChange,
  type ManagerLink,
  type PlanContext,
  type StoredUser,
  type UserPolicy,
  normalizeEmail,
  placeholderUser,
  planManagerLinks,
  wantedManagerLinks,
} from '@roster/reconciliation';
import type { UsersRepository } from '../users/users.repository';
import type { ProblemLog } from './problem-log';
import { type LinkRow, type RunScratch, toLink } from './run-scratch';

const PAGE = 1000;
/**
 * How far the loop check follows manager chains in SQL. Org charts are a few dozen levels deep; a chain longer
 * than this (or a loop longer than this) is left to the in-memory planner, which is exact at any depth.
 */
export const MAX_CHAIN_STEPS = 64;


/**
 * Phase 2 of a run (R-CSV-08, R-CSV-15), set-based over the run's scratch tables: the links that change a
 * user's manager go into `run_changed`; a walk up the resulting manager chains, one step per statement for
 * every changed user at once, proves that none closes a loop. Then placeholders for unknown managers, one
 * update of every changed link, and `user.updated` for users who existed before the run, a page at a time.
 * Memory holds a page, not the run. A file with a loop (a data error, rare) is planned by `planManagerLinks`
 * in memory instead, which decides which links to refuse exactly as it always has.
 */
export class ManagerPhase {
  /** How the last apply checked the links for loops: in SQL, or (a loop, a very deep chain) by the planner. */
  checkedBy: 'sql' | 'planner' | undefined;

  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
    private readonly users: UsersRepository,
    private readonly scratch: RunScratch,
    private readonly problems: ProblemLog,
  ) {}

  private get usersTable() {
    return qualified(this.em, 'users');
  }

  /** Links the managers; the run's counts of failed rows and placeholders created. */
  async apply(policy: UserPolicy, ctx: PlanContext): Promise<RunCounts> {
    const counts = emptyRunCounts();
    await this.collectChanged();
    let problems: RowProblem[];
    let checkedBy: 'sql' | 'planner' = 'sql';
    if (await this.closesNoLoop()) {
      problems = await this.duplicateAndSelfLinkProblems();
    } else {
      checkedBy = 'planner';
      await this.unlinkCreated();
      problems = await this.planInMemory();
    }
    await this.problems.add(problems);
    counts.failed += new Set(problems.map((p) => p.rowNumber)).size;
    counts.created += await this.createPlaceholders(policy, ctx);
    await sql(this.em,
      `update ${this.usersTable} u set manager_id = c.manager_id, updated_at = now() from pg_temp.run_changed c where u.id = c.user_id`,
    );
    await sql(this.em, `insert into pg_temp.run_touched (email) select email from pg_temp.run_changed on conflict do nothing`);
    this.checkedBy = checkedBy;
    return counts;
  }

  /**
   * The manager changes of users who existed before the run, a page at a time in file order. Users created by
   * this run are not "changed": their user.created event carries the manager.
   */
  async *changesOfExistingUsers(): AsyncGenerator<ManagerChange[]> {
    let after = 0;
    for (;;) {
      const rows = await sql<{ seq: string; email: string; manager_email: string; previous_manager_email: string | null }>(this.em,
        `select c.seq, c.email, c.manager_email, c.previous_manager_email from pg_temp.run_changed c
          where c.seq > ? and not exists (select 1 from pg_temp.run_created r where r.email = c.email) order by c.seq limit ${PAGE}`,
        [after],
      );
      if (rows.length === 0) return;
      yield rows.map((r) => ({ email: r.email, managerEmail: r.manager_email, previousManagerEmail: r.previous_manager_email }));
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /**
   * `run_changed`: per user, the first link of the run (a later one is a duplicate, a link to oneself is
   * refused) when it names another manager than the stored one, with the user's and the manager's ids.
   */
  private async collectChanged(): Promise<void> {
    await sql(this.em, `drop table if exists pg_temp.run_changed`);
    await sql(this.em,
      `create temp table run_changed on commit drop as
       select f.seq, f.email, f.manager_email, f.user_id, m.id as manager_id, f.previous_manager_email
         from (select distinct on (l.email) l.seq, l.email, l.manager_email, u.id as user_id, cur.email as previous_manager_email
                 from pg_temp.run_links l
                 join ${this.usersTable} u on u.tenant_id = ? and u.email = l.email
                 left join ${this.usersTable} cur on cur.id = u.manager_id
                order by l.email, l.seq) f
         left join ${this.usersTable} m on m.tenant_id = ? and m.email = f.manager_email
        where f.email <> f.manager_email and f.previous_manager_email is distinct from f.manager_email`,
      [this.tenantId, this.tenantId],
    );
    await sql(this.em, `create unique index on pg_temp.run_changed (user_id)`);
    await sql(this.em, `create index on pg_temp.run_changed (seq)`);
    await sql(this.em, `analyze pg_temp.run_changed`);
  }

  /**
   * Walks up from every changed user at once, one manager per statement, on the graph the run would leave (the
   * changed links over the stored ones). A walker that comes back to its start has closed a loop; one that
   * reaches a user without a manager is done. False when a loop was found or a chain ran past MAX_CHAIN_STEPS.
   */
  private async closesNoLoop(): Promise<boolean> {
    await sql(this.em, `drop table if exists pg_temp.run_walk`);
    await sql(this.em,
      `create temp table run_walk on commit drop as select user_id as start, manager_id as cur from pg_temp.run_changed where manager_id is not null`,
    );
    for (let step = 0; step < MAX_CHAIN_STEPS; step++) {
      const [state] = await sql<{ looped: boolean; walking: boolean }>(this.em,
        `select exists (select 1 from pg_temp.run_walk where cur = start) as looped, exists (select 1 from pg_temp.run_walk) as walking`,
      );
      if (state.looped) return false;
      if (!state.walking) return true;
      await sql(this.em, `drop table if exists pg_temp.run_walk_next`);
      await sql(this.em,
        `create temp table run_walk_next on commit drop as
         select w.start, case when c.user_id is not null then c.manager_id else u.manager_id end as cur
           from pg_temp.run_walk w
           left join pg_temp.run_changed c on c.user_id = w.cur
           left join ${this.usersTable} u on u.id = w.cur
          where (case when c.user_id is not null then c.manager_id else u.manager_id end) is not null`,
      );
      await sql(this.em, `drop table pg_temp.run_walk`);
      await sql(this.em, `alter table pg_temp.run_walk_next rename to run_walk`);
    }
    return false;
  }

  /** The problems of users with more than one link or a link to themselves (few), as the planner words them. */
  private async duplicateAndSelfLinkProblems(): Promise<RowProblem[]> {
    const links = await sql<LinkRow>(this.em,
      `select l.row_number, l.external_id, l.email, l.manager_email from pg_temp.run_links l
        where l.email = l.manager_email or exists (select 1 from pg_temp.run_links o where o.email = l.email and o.seq <> l.seq)
        order by l.seq`,
    );
    const problems: RowProblem[] = [];
    wantedManagerLinks(links.map(toLink), problems);
    return problems;
  }

  /**
   * The run's new users were inserted with the links whose manager was already stored (managersAtInsert in the
   * apply); the planner must see them unlinked, as they were before that shortcut, to refuse the same links.
   */
  private async unlinkCreated(): Promise<void> {
    await sql(this.em,
      `update ${this.usersTable} u set manager_id = null from pg_temp.run_created c where u.id = c.id and u.manager_id is not null`,
    );
  }

  /** The fallback: the whole run's links and the tenant's manager map in memory, planned as they always were. */
  private async planInMemory(): Promise<RowProblem[]> {
    const links: ManagerLink[] = [];
    for await (const page of this.scratch.links()) links.push(...page);
    const current = await this.users.managerMap();
    const plan = planManagerLinks(links, { has: (email) => current.has(email) }, current);
    await sql(this.em, `truncate pg_temp.run_changed`);
    for (let i = 0; i < plan.setManager.length; i += PAGE) {
      await sql(this.em,
        `insert into pg_temp.run_changed (seq, email, manager_email, user_id, manager_id, previous_manager_email)
         select x.seq, x.email, x.manager_email, u.id, m.id, x.previous_manager_email
           from jsonb_to_recordset(?::jsonb) as x(seq bigint, email text, manager_email text, previous_manager_email text)
           join ${this.usersTable} u on u.tenant_id = ? and u.email = x.email
           left join ${this.usersTable} m on m.tenant_id = ? and m.email = x.manager_email`,
        [
          JSON.stringify(
            plan.setManager.slice(i, i + PAGE).map((c, j) => ({ seq: i + j + 1, email: c.email, manager_email: c.managerEmail, previous_manager_email: c.previousManagerEmail })),
          ),
          this.tenantId,
          this.tenantId,
        ],
      );
    }
    return plan.problems;
  }

  /** R-CSV-08: a user for every manager the accepted links name who does not exist yet; their count. */
  private async createPlaceholders(policy: UserPolicy, ctx: PlanContext): Promise<number> {
    let created = 0;
    let after = '';
    for (;;) {
      const rows = await sql<{ manager_email: string }>(this.em,
        `select distinct manager_email from pg_temp.run_changed where manager_id is null and manager_email > ? order by manager_email limit ${PAGE}`,
        [after],
      );
      if (rows.length === 0) break;
      const placeholders = rows.map((r) => this.users.withId(placeholderUser(r.manager_email, policy, ctx)));
      await this.users.upsert(placeholders);
      await this.scratch.addCreated(placeholders);
      created += placeholders.length;
      after = rows[rows.length - 1].manager_email;
    }
    if (created > 0) {
      await sql(this.em,
        `update pg_temp.run_changed c set manager_id = m.id from ${this.usersTable} m where c.manager_id is null and m.tenant_id = ? and m.email = c.manager_email`,
        [this.tenantId],
      );
    }
    return created;
  }
}

/**
 * Issue 4: a new user whose manager is already stored (before this batch, so also one an earlier batch created) is
 * inserted with the link — one write instead of an insert and the manager phase's update. Only the user's first
 * link of the batch, and never a link to oneself, exactly the link the manager phase would take (the run's first
 * link of the email). The phase still decides: a link it would not take is changed there, and when a loop is
 * found it unlinks the run's new users first and plans every link in memory as before (ManagerPhase). A loop
 * cannot be made of such links alone: each points at a user stored before its own insert.
 */
export async function managersAtInsert(users: UsersRepository, created: readonly StoredUser[], links: readonly ManagerLink[]): Promise<Map<string, string>> {
  if (created.length === 0 || links.length === 0) return new Map();
  const createdByEmail = new Map(created.map((u) => [normalizeEmail(u.email), u.id]));
  const firstLink = new Map<string, string | null>();
  for (const link of links) {
    const email = normalizeEmail(link.email);
    if (!createdByEmail.has(email) || firstLink.has(email)) continue;
    const managerEmail = normalizeEmail(link.managerEmail);
    firstLink.set(email, managerEmail === email ? null : managerEmail);
  }
  const managerEmails = [...new Set([...firstLink.values()].filter((m): m is string => m !== null))];
  if (managerEmails.length === 0) return new Map();
  const stored = await users.idsByEmails(managerEmails);
  const managerIds = new Map<string, string>();
  for (const [email, managerEmail] of firstLink) {
    const managerId = managerEmail === null ? undefined : stored.get(managerEmail);
    const userId = createdByEmail.get(email);
    if (managerId !== undefined && userId !== undefined) managerIds.set(userId, managerId);
  }
  return managerIds;
}
