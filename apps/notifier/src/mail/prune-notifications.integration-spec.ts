import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Metrics } from '@roster/observability';
import { openDatabase, qualified } from '@roster/persistence';
import { runRetentionCutoff } from '@roster/platform';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { PruneNotificationsUseCase } from './prune-notifications.usecase';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2027-06-01T12:00:00Z');
const ago = (ms: number, from = NOW) => new Date(from.getTime() - ms);

/**
 * Run history retention, the notifier's side, against real PostgreSQL: settled mails (sent, skipped, failed) logged
 * more than ROSTER_RUN_RETENTION_DAYS ago are deleted in bounded batches; recent ones and a mail still pending stay.
 */
describe('run history retention (notifier mail log)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('notifier_prune');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  /** `count` mails of `status` logged at `createdAt`; returns their event ids. */
  async function logged(count: number, status: string, createdAt: Date): Promise<string[]> {
    const ids = Array.from({ length: count }, () => randomUUID());
    await orm.em.fork().execute(
      `insert into ${qualified(orm, 'notifications')} (event_id, tenant_id, run_id, kind, recipients, subject, status, created_at)
       select k.id, ?, gen_random_uuid(), 'run-report', '["ops@acme.test"]', 'Roster sync', ?, ? from unnest(?::text[]) as k(id)`,
      [randomUUID(), status, createdAt.toISOString(), `{${ids.join(',')}}`],
    );
    return ids;
  }
  const remaining = async () => (await orm.em.fork().execute<{ event_id: string }[]>(`select event_id from ${qualified(orm, 'notifications')}`)).map((r) => r.event_id).sort();

  it('deletes settled mails logged before the retention, in batches, and keeps recent ones and pending ones', async () => {
    const cutoff = runRetentionCutoff(NOW, 90);
    await logged(5, 'sent', ago(400 * DAY_MS));
    await logged(2, 'skipped', ago(1, cutoff));
    await logged(3, 'failed', ago(100 * DAY_MS));
    const kept = [...(await logged(2, 'sent', ago(-60_000, cutoff))), ...(await logged(1, 'pending', ago(400 * DAY_MS))), ...(await logged(4, 'sent', ago(DAY_MS)))];
    const metrics = new Metrics();

    const result = await new PruneNotificationsUseCase(orm, { days: 90, batchSize: 4 }, metrics).execute(NOW);

    expect(result).toEqual({ before: cutoff.toISOString(), pruned: 10, batches: 3, deleted: { notifications: 10 } });
    expect(await remaining()).toEqual(kept.sort());
    const counted = (await metrics.registry.getSingleMetric('roster_run_history_pruned_total')?.get())?.values ?? [];
    expect(counted.map((v) => ({ table: v.labels['table'], value: v.value }))).toEqual([{ table: 'notifications', value: 10 }]);
    expect(await new PruneNotificationsUseCase(orm, { days: 0, batchSize: 4 }, new Metrics()).execute(NOW)).toBeNull();
  });
});
