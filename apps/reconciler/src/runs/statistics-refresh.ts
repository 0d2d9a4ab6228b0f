import type { EntityManager } from '@mikro-orm/postgresql';
import { qualified, sql } from '@roster/persistence';

/** The least number of new rows worth an ANALYZE of the tables a run fills. */
export const MIN_ROWS_BEFORE_ANALYZE = 2000;
/** After phase 1, the share of the table a run must have added since the last ANALYZE to be worth one more. */
const SETTLE_GROWTH = 0.25;

/**
 * A first run fills users, teams and memberships from nothing inside one transaction; the planner's statistics
 * still say "empty", and it then picks plans that scan the growing tables for every chunk (quadratic; seen at
 * 100k rows in the bench). ANALYZE in the transaction counts its own inserted rows, so the keyed lookups stay
 * index lookups. It samples at most 30k rows per table, but is not free (a quarter of an unchanged re-sync's
 * database time when it ran every 10 batches): so it runs each time the run has doubled the table (a plan changes
 * when a table grows by a factor, not by a count). After phase 1 it runs once more only if the run has added a
 * quarter of the table since (`settle`): an event directory's micro-batch of 2000 users into a table of 100k paid
 * an ANALYZE per run, a sixth of its apply, for statistics that were already right.
 */
export class StatisticsRefresh {
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

  /** The end of phase 1: the later phases (managers, announcements, memberships) read the grown tables. */
  async settle(): Promise<void> {
    if (this.sinceLast >= Math.max(MIN_ROWS_BEFORE_ANALYZE, this.rows * SETTLE_GROWTH)) await this.refresh();
  }

  private async refresh(): Promise<void> {
    if (this.sinceLast === 0) return;
    await sql(this.em, `analyze ${['users', 'teams', 'team_memberships'].map((t) => qualified(this.em, t)).join(', ')}`);
    this.rows += this.sinceLast;
    this.sinceLast = 0;
  }
}
