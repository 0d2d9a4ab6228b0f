import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Metrics } from '@roster/observability';
import { openDatabase, qualified } from '@roster/persistence';
import { MIN_RUN_RETENTION_DAYS, RunRetentionConfig, runRetentionCutoff, runRetentionSettings } from '@roster/platform';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { z } from 'zod';
import { databaseOptions } from '../database';
import { PruneRunsUseCase } from './prune-runs.usecase';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2027-06-01T12:00:00Z');
const ago = (ms: number, from = NOW) => new Date(from.getTime() - ms);

/**
 * Run history retention, against real PostgreSQL: finished runs older than ROSTER_RUN_RETENTION_DAYS are deleted in
 * bounded batches, by any number of replicas at once; recent runs and runs not final (running, awaiting approval)
 * stay whatever their age; 0 keeps everything.
 */
describe('run history retention (directory-config runs)', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  const tenantId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase('directory_config_run_prune');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  beforeEach(async () => {
    await orm.em.fork().execute(`truncate ${qualified(orm, 'runs')}`);
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  const pruner = (o: MikroORM = orm, days = 90, batchSize = 500, metrics = new Metrics()) => new PruneRunsUseCase(o, { days, batchSize }, metrics);

  /** `count` runs of `status`, created a minute before `finishedAt` (null: not final, `active`). */
  async function runs(count: number, status: string, finishedAt: Date | null, createdAt = finishedAt ?? NOW): Promise<string[]> {
    const ids = Array.from({ length: count }, () => randomUUID());
    await orm.em.fork().execute(
      `insert into ${qualified(orm, 'runs')} (id, tenant_id, directory_id, trigger, status, active, problems, created_at, finished_at)
       select k.id, ?, ?, 'schedule', ?, ?, '[]', ?, ? from unnest(?::uuid[]) as k(id)`,
      [tenantId, randomUUID(), status, finishedAt === null ? true : null, ago(60_000, createdAt).toISOString(), finishedAt?.toISOString() ?? null, `{${ids.join(',')}}`],
    );
    return ids;
  }
  const remaining = async () =>
    (await orm.em.fork().execute<{ id: string }[]>(`select id from ${qualified(orm, 'runs')} order by id`)).map((r) => r.id).sort();

  it('deletes runs that finished before the retention and keeps recent ones and those not final, however old', async () => {
    const cutoff = runRetentionCutoff(NOW, 90);
    expect(cutoff.toISOString()).toBe(ago(90 * DAY_MS).toISOString());
    await runs(3, 'succeeded', ago(400 * DAY_MS));
    await runs(2, 'failed', ago(60_000, cutoff));
    await runs(1, 'partially-succeeded', ago(1, cutoff));
    const kept = [
      ...(await runs(2, 'succeeded', ago(-60_000, cutoff))), // just within the retention
      ...(await runs(2, 'succeeded', ago(DAY_MS))),
      ...(await runs(1, 'running', null, ago(400 * DAY_MS))), // started long ago and never finished: not final
      ...(await runs(1, 'awaiting-approval', null, ago(200 * DAY_MS))),
    ];
    const metrics = new Metrics();

    const result = await pruner(orm, 90, 500, metrics).execute(NOW);

    expect(result).toEqual({ before: cutoff.toISOString(), pruned: 6, batches: 1, deleted: { runs: 6 } });
    expect(await remaining()).toEqual(kept.sort());
    const counted = (await metrics.registry.getSingleMetric('roster_run_history_pruned_total')?.get())?.values ?? [];
    expect(counted.map((v) => ({ table: v.labels['table'], value: v.value }))).toEqual([{ table: 'runs', value: 6 }]);
    // A second prune finds nothing more.
    expect(await pruner().execute(NOW)).toMatchObject({ pruned: 0, batches: 1 });
  });

  it('deletes in batches of batchSize until one comes back short, and replicas pruning at once share the runs', async () => {
    await runs(23, 'succeeded', ago(200 * DAY_MS));
    const kept = await runs(3, 'succeeded', ago(DAY_MS));
    expect(await pruner(orm, 90, 5).execute(NOW)).toMatchObject({ pruned: 23, batches: 5 });
    expect(await remaining()).toEqual(kept.sort());

    await runs(300, 'succeeded', ago(200 * DAY_MS));
    const other = await openDatabase(databaseOptions(db.url));
    try {
      const [a, b] = await Promise.all([pruner(orm, 90, 20).execute(NOW), pruner(other, 90, 20).execute(NOW)]);
      expect((a?.pruned ?? 0) + (b?.pruned ?? 0)).toBe(300);
    } finally {
      await other.close(true);
    }
    expect(await remaining()).toEqual(kept.sort());
  });

  it('keeps every run when the retention is 0, and its loop does not start', async () => {
    const all = await runs(4, 'succeeded', ago(5000 * DAY_MS));
    expect(await pruner(orm, 0).execute(NOW)).toBeNull();
    expect(await remaining()).toEqual(all.sort());
    const config = z.object(RunRetentionConfig);
    expect(runRetentionSettings(config.parse({ ROSTER_RUN_RETENTION_DAYS: '0' })).intervalMs).toBe(0);
    expect(runRetentionSettings(config.parse({})).intervalMs).toBe(3_600_000);
  });

  it(`refuses a retention shorter than the longest stream's (${MIN_RUN_RETENTION_DAYS} days), when a message about a run could still come`, () => {
    const config = z.object(RunRetentionConfig);
    expect(config.parse({})).toEqual({ ROSTER_RUN_RETENTION_DAYS: 90, ROSTER_RUN_PRUNE_INTERVAL_MS: 3_600_000 });
    expect(config.parse({ ROSTER_RUN_RETENTION_DAYS: String(MIN_RUN_RETENTION_DAYS) }).ROSTER_RUN_RETENTION_DAYS).toBe(31);
    const refused = config.safeParse({ ROSTER_RUN_RETENTION_DAYS: '30' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe(
      'expected 0 (keep every run) or at least 31 days (the longest stream retention and a day: a message about a run can come until then)',
    );
    expect(config.safeParse({ ROSTER_RUN_RETENTION_DAYS: '-1' }).success).toBe(false);
    expect(config.safeParse({ ROSTER_RUN_PRUNE_INTERVAL_MS: 'hourly' }).success).toBe(false);
  });
});
