import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Metrics } from '@roster/observability';
import { openDatabase, qualified } from '@roster/persistence';
import { runRetentionCutoff } from '@roster/platform';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { PruneRunHistoryUseCase, RECONCILER_EXTRA_RETENTION_DAYS } from './prune-run-history.usecase';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2027-06-01T12:00:00Z');
const ago = (ms: number, from = NOW) => new Date(from.getTime() - ms);

/**
 * Run history retention, the reconciler's side, against real PostgreSQL: a run finished (applied or failed) more
 * than ROSTER_RUN_RETENTION_DAYS and a day ago goes whole — its state, problems and held removals — in bounded
 * batches shared by replicas; a recent run, a staging one and a held one stay whole, with every row.
 */
describe('run history retention (reconciler run states, problems, held removals)', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  const tenantId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_run_prune');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  beforeEach(async () => {
    await orm.em.fork().execute(`truncate ${['run_states', 'run_problems', 'held_removals'].map((t) => qualified(orm, t)).join(', ')}`);
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  const pruner = (o: MikroORM = orm, days = 90, batchSize = 500, metrics = new Metrics()) => new PruneRunHistoryUseCase(o, { days, batchSize }, metrics);

  /** A run in `status`, finished at `finishedAt` (null: not yet), with `problems` problems and `removals` held removals. */
  async function run(status: string, finishedAt: Date | null, problems = 0, removals = 0): Promise<string> {
    const runId = randomUUID();
    const em = orm.em.fork();
    await em.execute(
      `insert into ${qualified(orm, 'run_states')} (run_id, tenant_id, directory_id, status, problem_count, created_at, finished_at) values (?, ?, ?, ?, ?, ?, ?)`,
      [runId, tenantId, randomUUID(), status, problems, ago(60_000, finishedAt ?? NOW).toISOString(), finishedAt?.toISOString() ?? null],
    );
    await em.execute(
      `insert into ${qualified(orm, 'run_problems')} (run_id, seq, tenant_id, row_number, code, message) select ?, n, ?, n + 1, 'INVALID_EMAIL', 'bad' from generate_series(1, ?) n`,
      [runId, tenantId, problems],
    );
    await em.execute(
      `insert into ${qualified(orm, 'held_removals')} (run_id, user_id, email, action) select ?, gen_random_uuid(), 'u' || n || '@acme.test', 'deactivate' from generate_series(1, ?) n`,
      [runId, removals],
    );
    return runId;
  }

  /** Per run still stored: its problems and held removals. */
  async function stored(): Promise<Record<string, { problems: number; removals: number }>> {
    const rows = await orm.em.fork().execute<{ run_id: string; problems: number; removals: number }[]>(
      `select s.run_id,
              (select count(*) from ${qualified(orm, 'run_problems')} p where p.run_id = s.run_id)::int as problems,
              (select count(*) from ${qualified(orm, 'held_removals')} h where h.run_id = s.run_id)::int as removals
         from ${qualified(orm, 'run_states')} s`,
    );
    return Object.fromEntries(rows.map((r) => [r.run_id, { problems: r.problems, removals: r.removals }]));
  }
  const orphans = async () =>
    (
      await orm.em.fork().execute<{ n: number }[]>(
        `select ((select count(*) from ${qualified(orm, 'run_problems')} p where not exists (select 1 from ${qualified(orm, 'run_states')} s where s.run_id = p.run_id))
              + (select count(*) from ${qualified(orm, 'held_removals')} h where not exists (select 1 from ${qualified(orm, 'run_states')} s where s.run_id = h.run_id)))::int as n`,
      )
    )[0]?.n;

  it("deletes a run finished before the retention and a day whole, and keeps recent, staging and held runs whole", async () => {
    const cutoff = runRetentionCutoff(NOW, 90, RECONCILER_EXTRA_RETENTION_DAYS);
    expect(cutoff.toISOString()).toBe(ago(91 * DAY_MS).toISOString());
    await run('applied', ago(400 * DAY_MS), 40, 3);
    await run('failed', ago(60_000, cutoff), 2);
    await run('applied', ago(1, cutoff), 0, 12); // a held run approved long ago: what it removed goes with it
    const kept = {
      // Past directory-config's 90 days but within the extra day: directory-config may still list the run.
      [await run('applied', ago(90 * DAY_MS + 60_000), 5, 1)]: { problems: 5, removals: 1 },
      [await run('applied', ago(DAY_MS), 7)]: { problems: 7, removals: 0 },
      [await run('staging', null)]: { problems: 0, removals: 0 },
      [await run('held', null, 3, 250)]: { problems: 3, removals: 250 },
    };
    const metrics = new Metrics();

    const result = await pruner(orm, 90, 500, metrics).execute(NOW);

    expect(result).toEqual({ before: cutoff.toISOString(), pruned: 3, batches: 1, deleted: { run_states: 3, run_problems: 42, held_removals: 15 } });
    expect(await stored()).toEqual(kept);
    expect(await orphans()).toBe(0);
    const counted = (await metrics.registry.getSingleMetric('roster_run_history_pruned_total')?.get())?.values ?? [];
    expect(Object.fromEntries(counted.map((v) => [v.labels['table'], v.value]))).toEqual({ run_states: 3, run_problems: 42, held_removals: 15 });
  });

  it('deletes in batches until one comes back short, replicas sharing the runs; 0 keeps every run', async () => {
    for (let i = 0; i < 12; i++) await run(i % 2 === 0 ? 'applied' : 'failed', ago((100 + i) * DAY_MS), 3, 1);
    const recent = await run('applied', ago(DAY_MS), 1);
    expect(await pruner(orm, 0).execute(NOW)).toBeNull();
    expect(Object.keys(await stored())).toHaveLength(13);

    const other = await openDatabase(databaseOptions(db.url));
    try {
      const [a, b] = await Promise.all([pruner(orm, 90, 2).execute(NOW), pruner(other, 90, 2).execute(NOW)]);
      expect((a?.pruned ?? 0) + (b?.pruned ?? 0)).toBe(12);
      expect((a?.deleted['run_problems'] ?? 0) + (b?.deleted['run_problems'] ?? 0)).toBe(36);
    } finally {
      await other.close(true);
    }
    expect(await stored()).toEqual({ [recent]: { problems: 1, removals: 0 } });
    expect(await orphans()).toBe(0);
  });
});
