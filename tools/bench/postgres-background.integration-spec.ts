import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { checkpointCount, watchPostgresBackground } from './probes';

/**
 * The bench reports PostgreSQL's own work beside each run (checkpoints, the writers, autovacuum), so a slow run says
 * whether the server was busy with itself. Against this machine's PostgreSQL.
 */
describe('watchPostgresBackground (issue 4 bench)', () => {
  let db: TestDatabase;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('bench_pg_background');
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 60_000);

  afterAll(async () => {
    await pg?.end();
    await db?.drop();
  });

  it('counts the checkpoints made while it watched, and the CPU of the server\'s own processes', async () => {
    expect(await checkpointCount(pg)).toEqual(expect.any(Number));
    const watch = await watchPostgresBackground(pg);
    // Work for the checkpointer to write out, then a checkpoint (the bench's database user is a superuser here).
    await pg.query('create table churn as select g, repeat(md5(g::text), 8) as pad from generate_series(1, 20000) g');
    await pg.query('checkpoint');
    const seen = await watch.stop();
    expect(seen.checkpoints).toBeGreaterThanOrEqual(1);
    // The checkpointer wrote the table's pages: its CPU is read from /proc, as the services' is.
    expect(seen.cpuMs).toBeGreaterThan(0);
  });
});
