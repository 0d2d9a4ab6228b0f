import type { EntityManager } from '@mikro-orm/postgresql';
import { qualified, sql } from '@roster/persistence';

/** The least number of new rows worth an ANALYZE of the tables a run fills. */
export const MIN_ROWS_BEFORE_ANALYZE = 2000;
/** Rows of a tenant the planner believes nearly empty that make an ANALYZE worth it at a run's start. */
const UNSEEN_ROWS_BEFORE_ANALYZE = 1000;
/** After phase 1, the share of the table a run must have added since the last ANALYZE to be worth one more. */
const SETTLE_GROWTH = 0.25;

/**
 * The users columns a run's statements look up and join by. Only theirs are analyzed: the row count and these
 * columns are what the plans of a run depend on, and an ANALYZE of every column (a dozen text columns sorted under
 * the collation, two jsonb) cost ~5× more — 0.5 against 0.1 s on 150k users, and 4.1 s of a 50k-event inbound
 * burst's 11.5 s apply (bench, 2026-12-07). The other columns and the search indexes' expressions keep the
 * statistics autovacuum's full ANALYZE gives them.
 */
export const USERS_KEY_COLUMNS = ['tenant_id', 'id', 'email', 'manager_id', 'source_directory_id', 'external_id', 'username', 'status'] as const;

/**
 * A first run fills users, teams and memberships from nothing inside one transaction; the planner's statistics
 * still say "empty", and it then picks plans that scan the growing tables for every chunk (quadratic; seen at
 * 100k rows in the bench). ANALYZE in the transaction counts its own inserted rows, so the keyed lookups stay
 * index lookups. It samples at most 30k rows per table, but is not free (a quarter of an unchanged re-sync's
 * database time when it ran every 10 batches): so it runs each time the run has doubled the tenant's users (a plan
 * changes when a table grows by a factor, not by a count). After phase 1 it runs once more only if the run has
 * added a quarter of them since (`settle`): an event directory's micro-batch of 2000 users into 100k paid an
 * ANALYZE per run, a sixth of its apply, for statistics that were already right.
 *
 * What counts is the run's tenant, not the table: every lookup is by tenant, and a tenant the statistics have not
 * seen is "one row" to the planner however large the table is. With another tenant's 100k users analyzed, a new
 * tenant's lookups (`unnest(<1000 keys>) join users on tenant and key`) became a loop over the new tenant's rows
 * for every key — 1.7 s a batch at 20k rows, 12 s of a 50k-event inbound burst's matching (bench, 2026-12-07).
 * So the baseline is the planner's own estimate of the tenant's rows, and a tenant it believes nearly empty is
 * counted (at most 1000 rows past the estimate read) and analyzed at once if it has that many more.
 */
export class StatisticsRefresh {
  private sinceLast = 0;
  /** Whether the run has added memberships: the largest table, analyzed only when it grew (not for event runs). */
  private membershipsGrew = false;

  private constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
    private rows: number,
  ) {}

  static async start(em: EntityManager, tenantId: string): Promise<StatisticsRefresh> {
    const refresh = new StatisticsRefresh(em, tenantId, await StatisticsRefresh.plannedRows(em, tenantId));
    if (refresh.rows < MIN_ROWS_BEFORE_ANALYZE) {
      // A batch's lookup is a loop over every row the planner does not expect, once per key: a thousand of them
      // cost more than the ANALYZE. Counting stops there.
      const [row] = await sql<{ n: number }>(em, `select count(*)::int as n from (select 1 from ${qualified(em, 'users')} where tenant_id = ? limit ?) x`, [
        tenantId,
        Math.ceil(refresh.rows) + UNSEEN_ROWS_BEFORE_ANALYZE,
      ]);
      refresh.sinceLast = Math.max(0, Number(row?.n ?? 0) - Math.ceil(refresh.rows));
      if (refresh.sinceLast >= UNSEEN_ROWS_BEFORE_ANALYZE) await refresh.refresh();
    }
    return refresh;
  }

  /** The rows of the tenant the planner expects (its estimate for `tenant_id = ?`). */
  private static async plannedRows(em: EntityManager, tenantId: string): Promise<number> {
    const [row] = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(em,
      `explain (format json) select 1 from ${qualified(em, 'users')} where tenant_id = ?`,
      [tenantId],
    );
    return Number(row?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0);
  }

  /** `count` new rows: users, or (`memberships`) team memberships, which also grow with the tenant's users. */
  async inserted(count: number, table: 'users' | 'memberships' = 'users'): Promise<void> {
    if (table === 'memberships' && count > 0) this.membershipsGrew = true;
    this.sinceLast += count;
    if (this.sinceLast >= Math.max(MIN_ROWS_BEFORE_ANALYZE, this.rows)) await this.refresh();
  }

  /** The end of phase 1: the later phases (managers, announcements, memberships) read the grown tables. */
  async settle(): Promise<void> {
    if (this.sinceLast >= Math.max(MIN_ROWS_BEFORE_ANALYZE, this.rows * SETTLE_GROWTH)) await this.refresh();
  }

  private async refresh(): Promise<void> {
    if (this.sinceLast === 0) return;
    const tables = [`${qualified(this.em, 'users')} (${USERS_KEY_COLUMNS.join(', ')})`, qualified(this.em, 'teams')];
    if (this.membershipsGrew) tables.push(qualified(this.em, 'team_memberships'));
    await sql(this.em, `analyze ${tables.join(', ')}`);
    this.rows = await StatisticsRefresh.plannedRows(this.em, this.tenantId);
    this.sinceLast = 0;
    this.membershipsGrew = false;
  }
}
