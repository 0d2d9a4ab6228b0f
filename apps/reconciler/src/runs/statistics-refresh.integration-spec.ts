import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { openDatabase, qualified, schemaOf, sql } from '@roster/persistence';
import { CSV_USER_POLICY, placeholderUser } from '@roster/reconciliation';
import { createTestDatabase, inRolledBackTransaction, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { UsersRepository } from '../users/users.repository';
import { StatisticsRefresh, USERS_KEY_COLUMNS } from './statistics-refresh';

const TENANT = '00000000-0000-4000-8000-0000000000b1';
const NEW_TENANT = '00000000-0000-4000-8000-0000000000b3';
const CTX = { directoryId: '00000000-0000-4000-8000-0000000000b2', now: new Date('2026-01-05T00:00:00Z') };

/**
 * What the planner believes the users table holds (pg_class.reltuples: what the last ANALYZE counted, visible
 * inside the transaction that ran it).
 */
async function plannedRows(em: EntityManager): Promise<number> {
  const [row] = await sql<{ rows: number }>(em, `select reltuples::float8 as rows from pg_class where oid = ?::regclass`, [qualified(em, 'users')]);
  return Number(row.rows);
}

/**
 * The statistics a run keeps fresh for its own statements (R-CSV-01's bulk path at 100k rows, R-EVT-02's
 * micro-batches): analyzed each time a run doubles the table, once more at the end of phase 1 only when the run
 * added a quarter of it since.
 */
describe('StatisticsRefresh (R-CSV-01, R-EVT-02)', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let next = 0;

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_statistics');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  /** Inserts `n` new users in batches of 1000, telling the analyzer as a run does after each batch. */
  async function insert(em: EntityManager, analyzer: StatisticsRefresh | undefined, n: number, tenantId = TENANT): Promise<void> {
    const users = new UsersRepository(em, tenantId);
    for (let done = 0; done < n; done += 1000) {
      const batch = Array.from({ length: Math.min(1000, n - done) }, () => users.withId(placeholderUser(`user${next++}@stats.test`, CSV_USER_POLICY, CTX)));
      await users.upsert(batch);
      await analyzer?.inserted(batch.length);
    }
  }

  it('a first run into an empty table is analyzed each time it doubles the table, and once more after phase 1', async () => {
    await inRolledBackTransaction(orm, async (em) => {
      const analyzer = await StatisticsRefresh.start(em, TENANT);
      await insert(em, analyzer, 2000);
      expect(await plannedRows(em)).toBe(2000);
      await insert(em, analyzer, 1000);
      expect(await plannedRows(em)).toBe(2000); // 3000 rows: not doubled since
      await insert(em, analyzer, 3000);
      expect(await plannedRows(em)).toBe(4000);
      await analyzer.settle(); // 6000 rows, 2000 of them since: a third of the table
      expect(await plannedRows(em)).toBe(6000);
    });
  });

  it('a micro-batch into a large table pays no ANALYZE: its rows are a small share of what the statistics count', async () => {
    await inRolledBackTransaction(orm, async (em) => {
      await insert(em, undefined, 12_000);
      await sql(em, `analyze ${qualified(em, 'users')}`);
      const analyzer = await StatisticsRefresh.start(em, TENANT);
      await insert(em, analyzer, 2500);
      await analyzer.settle();
      expect(await plannedRows(em)).toBe(12_000);
      // A run adding a quarter of the table (as the planner estimates it: 14 500) is analyzed at the end of phase 1.
      const bigger = await StatisticsRefresh.start(em, TENANT);
      await insert(em, bigger, 4000);
      expect(await plannedRows(em)).toBe(12_000);
      await bigger.settle();
      expect(await plannedRows(em)).toBe(18_500);
    });
  });

  /** The estimate of the planner for the tenant's users, and the plan of a run's lookup of 1000 emails of it. */
  async function plannerView(em: EntityManager, tenantId: string) {
    const [estimate] = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(em, `explain (format json) select 1 from ${qualified(em, 'users')} where tenant_id = ?`, [tenantId]);
    const keys = Array.from({ length: 1000 }, (_, i) => `user${next + i}@stats.test`);
    const plan = await sql<{ 'QUERY PLAN': string }>(em,
      `explain select u.* from unnest(?::text[]) as k(key) join ${qualified(em, 'users')} u on u.tenant_id = ? and u.email = k.key`,
      [keys, tenantId],
    );
    return { rows: estimate['QUERY PLAN'][0].Plan['Plan Rows'], plan: plan.map((r) => r['QUERY PLAN']).join('\n') };
  }

  it('a new tenant beside a large one is analyzed by its own growth, and a tenant the statistics miss is analyzed when its next run starts', async () => {
    await inRolledBackTransaction(orm, async (em) => {
      await insert(em, undefined, 12_000);
      await sql(em, `analyze ${qualified(em, 'users')}`);
      // The new tenant is "one row" to the planner. Its first run is analyzed as soon as it has added 2000.
      const first = await StatisticsRefresh.start(em, NEW_TENANT);
      expect((await plannerView(em, NEW_TENANT)).rows).toBeLessThan(10);
      await insert(em, first, 2000, NEW_TENANT);
      expect((await plannerView(em, NEW_TENANT)).rows).toBeGreaterThan(1000);
      // Statistics from before the tenant existed, and 20 000 of its users since (runs that never reached a refresh):
      // a lookup of 1000 keys reads all of them, not the unique index (a hash of the tenant's rows, or a loop over
      // them per key — the 12 s of a 50k-event inbound burst's matching in the bench).
      await sql(em, `delete from ${qualified(em, 'users')} where tenant_id = ?`, [NEW_TENANT]);
      await sql(em, `analyze ${qualified(em, 'users')}`);
      await insert(em, undefined, 20_000, NEW_TENANT);
      const stale = await plannerView(em, NEW_TENANT);
      expect(stale.rows).toBeLessThan(10);
      expect(stale.plan).not.toMatch(/users_tenant_email_unique/);
      // The next run's start finds them: the planner then weighs probes against the tenant's real size (with the
      // other tenant dominating the table, probes: 14 → 2 ms a lookup at 20k rows, measured by hand).
      await StatisticsRefresh.start(em, NEW_TENANT);
      expect((await plannerView(em, NEW_TENANT)).rows).toBeGreaterThan(10_000);
    });
  });

  it('team memberships, the largest table, are analyzed only when the run added some (an event run adds none)', async () => {
    await inRolledBackTransaction(orm, async (em) => {
      const reltuples = async (table: string) =>
        Number((await sql<{ n: number }>(em, `select reltuples::float8 as n from pg_class where oid = ?::regclass`, [qualified(em, table)]))[0]?.n);
      const never = await reltuples('team_memberships');
      const analyzer = await StatisticsRefresh.start(em, TENANT);
      await insert(em, analyzer, 2000);
      expect(await plannedRows(em)).toBe(2000);
      expect(await reltuples('team_memberships')).toBe(never);
      // The memberships phase reports what it added: the next refresh includes the memberships.
      await analyzer.inserted(4000, 'memberships');
      expect(await reltuples('team_memberships')).not.toBe(never);
    });
  });
  it('a refresh analyzes the users columns runs look users up by (USERS_KEY_COLUMNS), not every column', async () => {
    await inRolledBackTransaction(orm, async (em) => {
      const analyzer = await StatisticsRefresh.start(em, TENANT);
      await insert(em, analyzer, 2000);
      const analyzed = await sql<{ attname: string }>(em, `select attname from pg_stats where schemaname = ? and tablename = 'users'`, [schemaOf(em)]);
      const columns = analyzed.map((r) => r.attname).sort();
      expect(columns).toEqual([...USERS_KEY_COLUMNS].sort());
      expect(await plannedRows(em)).toBe(2000);
    });
  });
});
