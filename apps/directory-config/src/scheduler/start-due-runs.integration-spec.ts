import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { EventName, PayloadOf } from '@roster/contracts';
import { Outbox, outboxEvents, type OutboxRelay, type PublishContext } from '@roster/messaging';
import { Metrics } from '@roster/observability';
import { openDatabase, qualified } from '@roster/persistence';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import type { Schedule } from '../directories/schedule';
import { DirectoryEntity } from '../entities/directory.entity';
import { TenantEntity } from '../entities/tenant.entity';
import { startRunIn } from '../runs/runs.usecase';
import { StartDueRunsUseCase } from './start-due-runs.usecase';

const relay = { kick: () => undefined } as unknown as OutboxRelay;
const EVERY_DAY: Schedule = { kind: 'every', hours: 24 };

/** An outbox whose writes wait at a gate: holds a tick inside its claim transaction, rows locked, nothing committed. */
class GatedOutbox extends Outbox {
  readonly entered: Promise<void>;
  private enter!: () => void;
  constructor(private readonly gate: Promise<void>) {
    super('roster/directory-config');
    this.entered = new Promise((resolve) => (this.enter = resolve));
  }

  override async add<N extends EventName>(em: EntityManager, name: N, data: PayloadOf<N>, ctx: PublishContext): Promise<void> {
    this.enter();
    await this.gate;
    return super.add(em, name, data, ctx);
  }
}

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * R-DIR-04 scheduled runs against real Postgres, with an injected clock (no sleeps): each due directory starts
 * once across replicas (claims FOR UPDATE SKIP LOCKED), a directory with an active run is skipped and advanced,
 * and the run, its outbox command and the next due time commit together, so neither a restart nor a crash
 * mid-tick starts a due time twice or loses it.
 */
describe('StartDueRunsUseCase (R-DIR-04)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('directory_config_scheduler');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  // Each test starts from an empty schema: what one leaves due must not show up in the next one's tick.
  beforeEach(async () => {
    await orm.em.fork().execute(`truncate ${['runs', 'outbox', 'directories', 'tenants'].map((t) => qualified(orm, t)).join(', ')}`);
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  const useCase = (o: MikroORM, outbox: Outbox = new Outbox('roster/directory-config'), metrics = new Metrics()) =>
    new StartDueRunsUseCase(o, outbox, relay, metrics);

  async function seed(count: number, o: { schedule?: Schedule; nextRunAt: Date | null; enabled?: boolean }): Promise<{ tenantId: string; ids: string[] }> {
    const em = orm.em.fork();
    const tenantId = randomUUID();
    em.create(TenantEntity, { id: tenantId, name: `tenant ${tenantId}`, ownerEmail: 'owner@acme.test', createdAt: new Date() });
    const ids = Array.from({ length: count }, () => {
      const id = randomUUID();
      em.create(DirectoryEntity, {
        id,
        tenantId,
        name: `HR drop ${id}`,
        type: 'sftp-csv',
        settings: { host: 'sftp.acme.test', port: 22, username: 'acme', folder: '/in', hostKeyFingerprint: `SHA256:${'a'.repeat(43)}`, dateFormat: 'dd/mm/yyyy', headerMapping: {} },
        secrets: { password: { v: 1, iv: 'iv', tag: 'tag', data: 'sealed' } },
        recipients: [],
        schedule: o.schedule ?? EVERY_DAY,
        enabled: o.enabled ?? true,
        nextRunAt: o.nextRunAt,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      return id;
    });
    await em.flush();
    return { tenantId, ids };
  }

  const runsOf = async (tenantId: string) =>
    orm.em.fork().execute<{ directory_id: string; trigger: string; active: boolean | null }[]>(
      `select directory_id, trigger, active from ${qualified(orm, 'runs')} where tenant_id = ? order by directory_id`,
      [tenantId],
    );
  const syncRequestsOf = async (tenantId: string) =>
    Number(
      (
        await orm.em.fork().execute<{ n: string }[]>(
          `select count(*) as n from ${outboxEvents(qualified(orm, 'outbox'))} where envelope->>'tenantid' = ? and envelope->>'type' = 'io.roster.runs.sync.requested.v1' and envelope->'data'->>'trigger' = 'schedule'`,
          [tenantId],
        )
      )[0]?.n,
    );
  const nextRunsOf = async (ids: string[]) =>
    (await orm.em.fork().find(DirectoryEntity, { id: { $in: ids } })).map((d) => d.nextRunAt?.toISOString() ?? null);
  const counted = async (metrics: Metrics) =>
    Object.fromEntries(((await metrics.registry.getSingleMetric('roster_scheduled_runs_total')?.get())?.values ?? []).map((v) => [v.labels['outcome'], v.value]));

  it('R-DIR-04 two replicas ticking at the same time start each due directory exactly once, and advance it', async () => {
    const now = new Date('2025-06-02T10:00:00Z');
    const due = await seed(25, { nextRunAt: new Date('2025-06-02T09:59:00Z') });
    const later = await seed(3, { nextRunAt: new Date('2025-06-02T10:00:01Z') });
    const disabled = await seed(1, { nextRunAt: null, enabled: false });

    // Replica A claims a first batch and stops inside its transaction (rows locked); replica B, with its own
    // pool as another process would have, ticks meanwhile; then A goes on.
    const other = await openDatabase({ ...databaseOptions(db.url), migrate: false });
    try {
      const held = gate();
      const outboxA = new GatedOutbox(held.opened);
      const tickA = useCase(orm, outboxA).execute(now);
      await outboxA.entered;
      const b = await useCase(other).execute(now);
      held.open();
      const a = await tickA;

      expect(a.started.length).toBeGreaterThan(0);
      expect(b.started.length).toBeGreaterThan(0);
      const started = [...a.started, ...b.started].map((s) => s.directoryId).sort();
      expect(started).toEqual([...due.ids].sort());
      expect([...a.skipped, ...b.skipped, ...a.failed, ...b.failed]).toEqual([]);
    } finally {
      await other.close(true);
    }

    const runs = await runsOf(due.tenantId);
    expect(runs.map((r) => r.directory_id)).toEqual([...due.ids].sort());
    expect(runs.every((r) => r.trigger === 'schedule' && r.active === true)).toBe(true);
    expect(await syncRequestsOf(due.tenantId)).toBe(25);
    expect(new Set(await nextRunsOf(due.ids))).toEqual(new Set(['2025-06-03T09:59:00.000Z']));
    expect(await runsOf(later.tenantId)).toEqual([]);
    expect(await runsOf(disabled.tenantId)).toEqual([]);

    // A restarted process (new ORM, same database) ticking at the same instant finds nothing due.
    const restarted = await openDatabase({ ...databaseOptions(db.url), migrate: false });
    try {
      const again = await useCase(restarted).execute(now);
      expect(again.started.filter((s) => due.ids.includes(s.directoryId))).toEqual([]);
      expect(again.skipped.filter((s) => due.ids.includes(s.directoryId))).toEqual([]);
    } finally {
      await restarted.close(true);
    }
    expect(await runsOf(due.tenantId)).toHaveLength(25);
  }, 60_000);

  it('R-DIR-04 a due directory whose run is still active is skipped (runs never overlap), counted and advanced', async () => {
    const now = new Date('2025-06-05T10:00:00Z');
    const { tenantId, ids } = await seed(1, { schedule: { kind: 'daily', time: '09:00', timeZone: 'Europe/Berlin' }, nextRunAt: new Date('2025-06-05T07:00:00Z') });
    const manual = await orm.em.fork().transactional((em) => startRunIn(em, new Outbox('roster/directory-config'), { tenantId, directoryId: ids[0]!, trigger: 'manual' }));

    const metrics = new Metrics();
    const tick = await useCase(orm, undefined, metrics).execute(now);

    expect(tick.started.filter((s) => s.tenantId === tenantId)).toEqual([]);
    expect(tick.skipped).toEqual([
      { tenantId, directoryId: ids[0], dueAt: '2025-06-05T07:00:00.000Z', nextRunAt: '2025-06-06T07:00:00.000Z', activeRunId: manual.id },
    ]);
    expect(await counted(metrics)).toEqual({ skipped: 1 });
    expect(await runsOf(tenantId)).toEqual([{ directory_id: ids[0], trigger: 'manual', active: true }]);
    expect(await nextRunsOf(ids)).toEqual(['2025-06-06T07:00:00.000Z']);
    expect(await syncRequestsOf(tenantId)).toBe(0);
  }, 60_000);

  it('R-DIR-04 a replica that dies mid-tick started and advanced nothing; after a restart the due time starts once', async () => {
    const now = new Date('2025-06-10T10:00:00Z');
    const { tenantId, ids } = await seed(3, { nextRunAt: new Date('2025-06-10T09:00:00Z') });

    // The crash: the tick is inside its claim transaction (a run row inserted, not committed) when its
    // connection dies.
    const crashing = await openDatabase({ ...databaseOptions(db.url), migrate: false });
    const held = gate();
    const outbox = new GatedOutbox(held.opened);
    const tick = useCase(crashing, outbox).execute(now);
    const failed = tick.then(
      () => undefined,
      (e: unknown) => e,
    );
    await outbox.entered;
    await orm.em
      .fork()
      .execute(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and state = 'idle in transaction' and pid <> pg_backend_pid()`);
    held.open();
    expect(await failed).toBeInstanceOf(Error);
    await crashing.close(true).catch(() => undefined);

    expect(await runsOf(tenantId)).toEqual([]);
    expect(await nextRunsOf(ids)).toEqual(['2025-06-10T09:00:00.000Z', '2025-06-10T09:00:00.000Z', '2025-06-10T09:00:00.000Z']);

    const restarted = await openDatabase({ ...databaseOptions(db.url), migrate: false });
    try {
      const metrics = new Metrics();
      const first = await useCase(restarted, undefined, metrics).execute(now);
      expect(first.started.filter((s) => s.tenantId === tenantId).map((s) => s.directoryId).sort()).toEqual([...ids].sort());
      expect(await counted(metrics)).toEqual({ started: 3 });
      const second = await useCase(restarted).execute(now);
      expect(second.started.filter((s) => s.tenantId === tenantId)).toEqual([]);
    } finally {
      await restarted.close(true);
    }
    expect(await runsOf(tenantId)).toHaveLength(3);
    expect(await syncRequestsOf(tenantId)).toBe(3);
  }, 60_000);

  it('R-DIR-04 a directory saved before the scheduler existed (no next run yet) gets one from its schedule', async () => {
    const now = new Date('2025-06-20T10:00:00Z');
    const every = await seed(1, { schedule: { kind: 'every', hours: 6 }, nextRunAt: null });
    const daily = await seed(1, { schedule: { kind: 'daily', time: '02:00', timeZone: 'UTC' }, nextRunAt: null });
    const off = await seed(1, { schedule: { kind: 'disabled' }, nextRunAt: null });

    const tick = await useCase(orm).execute(now);

    // Every N hours with no run yet is due at once; daily waits for its time; a disabled schedule stays off.
    expect(tick.started.filter((s) => s.tenantId === every.tenantId).map((s) => s.directoryId)).toEqual(every.ids);
    expect(await nextRunsOf(every.ids)).toEqual(['2025-06-20T16:00:00.000Z']);
    expect(await nextRunsOf(daily.ids)).toEqual(['2025-06-21T02:00:00.000Z']);
    expect(await nextRunsOf(off.ids)).toEqual([null]);
    expect(await runsOf(daily.tenantId)).toEqual([]);
  }, 60_000);
});
