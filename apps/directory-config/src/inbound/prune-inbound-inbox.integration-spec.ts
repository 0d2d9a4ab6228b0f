import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Streams } from '@roster/contracts';
import { Outbox, type OutboxRelay } from '@roster/messaging';
import { Metrics } from '@roster/observability';
import { openDatabase, qualified } from '@roster/persistence';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { DirectoryEntity } from '../entities/directory.entity';
import { TenantEntity } from '../entities/tenant.entity';
import { ApplyInboundBatchUseCase } from './apply-inbound-batch.usecase';
import { INBOUND_DURABLE } from './inbound-events.handler';
import type { InboundEvent } from './inbound-employees';
import { PruneInboxUseCase, RUN_LIFECYCLE_INBOX, inboxCutoff } from './prune-inbound-inbox.usecase';

const relay = { kick: () => undefined } as unknown as OutboxRelay;
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
const NOW = new Date('2027-03-10T12:00:00Z');
/** The other consumers whose ids share directory-config's inbox (main.ts), each on a stream of its own retention. */
const OTHER_CONSUMERS = ['directory-config-run-lifecycle', 'directory-config-exports', 'directory-config-export-mail-failures'];

const ago = (ms: number, from = NOW) => new Date(from.getTime() - ms);

/**
 * R-EVT-02 idempotency over time, against real PostgreSQL: the inbound consumer's inbox rows (one per applied
 * `<tenant>:<event id>`) are deleted once ROSTER_INBOUND can no longer deliver their events (its retention plus a
 * day), in bounded batches, by any number of replicas at once; every other consumer's rows and every recent row
 * stay, so a recent event delivered again is still applied once.
 */
describe('inbound inbox pruning (R-EVT-02)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('directory_config_inbox_prune');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  beforeEach(async () => {
    await orm.em.fork().execute(`truncate ${['inbox', 'runs', 'outbox', 'directories', 'tenants'].map((t) => qualified(orm, t)).join(', ')}`);
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  const pruner = (o: MikroORM = orm, batchSize = 5000, metrics = new Metrics()) => new PruneInboxUseCase(o, { batchSize }, metrics);

  /** `count` inbox rows of `consumer`, handled at `handledAt`; returns their ids. */
  async function handled(consumer: string, count: number, handledAt: Date, label: string = randomUUID()): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, i) => `${label}:${i}`);
    await orm.em.fork().execute(
      `insert into ${qualified(orm, 'inbox')} (consumer, event_id, handled_at) select ?, k.id, ? from unnest(?::text[]) as k(id)`,
      [consumer, handledAt.toISOString(), `{${ids.join(',')}}`],
    );
    return ids;
  }

  const idsOf = async (consumer: string): Promise<string[]> =>
    (await orm.em.fork().execute<{ event_id: string }[]>(`select event_id from ${qualified(orm, 'inbox')} where consumer = ? order by event_id`, [consumer])).map(
      (r) => r.event_id,
    );
  const countOf = async (consumer: string): Promise<number> => (await idsOf(consumer)).length;
  const prunedMetric = async (metrics: Metrics) =>
    ((await metrics.registry.getSingleMetric('roster_inbox_pruned_total')?.get())?.values ?? []).map((v) => ({ consumer: v.labels['consumer'], value: v.value }));

  it("R-EVT-02 the cutoff is ROSTER_INBOUND's retention (the stream's max_age) plus a day before now", () => {
    expect(Streams.ROSTER_INBOUND.maxAgeDays).toBe(7);
    expect(inboxCutoff(NOW).toISOString()).toBe(ago((Streams.ROSTER_INBOUND.maxAgeDays + 1) * DAY_MS).toISOString());
  });

  it("R-EVT-02 deletes the inbound consumer's rows handled before the cutoff and keeps the recent ones and every other consumer's", async () => {
    const cutoff = inboxCutoff(NOW);
    const old = [...(await handled(INBOUND_DURABLE, 3, ago(90 * DAY_MS))), ...(await handled(INBOUND_DURABLE, 4, ago(MINUTE_MS, cutoff)))];
    // Past the stream's 7 days but within the margin: kept (its event may still be in the stream on a skewed clock).
    const withinMargin = await handled(INBOUND_DURABLE, 2, ago(-MINUTE_MS, cutoff));
    const recent = await handled(INBOUND_DURABLE, 5, ago(60 * MINUTE_MS));
    for (const consumer of OTHER_CONSUMERS) await handled(consumer, 3, ago(90 * DAY_MS));
    const metrics = new Metrics();

    const result = await pruner(orm, 5000, metrics).execute(NOW);

    expect(result).toEqual({ consumer: 'directory-config-inbound', before: cutoff.toISOString(), pruned: old.length, batches: 1 });
    expect(await idsOf(INBOUND_DURABLE)).toEqual([...withinMargin, ...recent].sort());
    for (const consumer of OTHER_CONSUMERS) expect(await countOf(consumer)).toBe(3);
    expect(await prunedMetric(metrics)).toEqual([{ consumer: 'directory-config-inbound', value: old.length }]);

    // Nothing old left: the next run deletes nothing (and says so).
    expect(await pruner(orm, 5000, metrics).execute(NOW)).toMatchObject({ pruned: 0, batches: 1 });
    expect(await prunedMetric(metrics)).toEqual([{ consumer: 'directory-config-inbound', value: old.length }]);
  });

  it("the run lifecycle consumer's rows go too, once ROSTER_RUNS no longer holds their events (its retention and a day)", async () => {
    const cutoff = inboxCutoff(NOW, RUN_LIFECYCLE_INBOX);
    expect(cutoff.toISOString()).toBe(ago((Streams.ROSTER_RUNS.maxAgeDays + 1) * DAY_MS).toISOString());
    const lifecycle = RUN_LIFECYCLE_INBOX.consumer;
    expect(lifecycle).toBe('directory-config-run-lifecycle');
    await handled(lifecycle, 6, ago(MINUTE_MS, cutoff));
    const kept = await handled(lifecycle, 4, ago(20 * DAY_MS)); // past ROSTER_INBOUND's retention, within ROSTER_RUNS'
    const inbound = await handled(INBOUND_DURABLE, 3, ago(20 * DAY_MS));
    await handled('directory-config-exports', 2, ago(400 * DAY_MS));
    const metrics = new Metrics();

    const results = await pruner(orm, 5000, metrics).executeAll(NOW);

    expect(results).toEqual([
      { consumer: INBOUND_DURABLE, before: inboxCutoff(NOW).toISOString(), pruned: inbound.length, batches: 1 },
      { consumer: lifecycle, before: cutoff.toISOString(), pruned: 6, batches: 1 },
    ]);
    expect(await idsOf(lifecycle)).toEqual([...kept].sort());
    expect(await countOf('directory-config-exports')).toBe(2);
    expect(await prunedMetric(metrics)).toEqual([
      { consumer: INBOUND_DURABLE, value: 3 },
      { consumer: lifecycle, value: 6 },
    ]);
  });

  it('R-EVT-02 deletes in batches of at most batchSize rows and loops until a batch comes back short', async () => {
    await handled(INBOUND_DURABLE, 25, ago(10 * DAY_MS));
    const recent = await handled(INBOUND_DURABLE, 3, ago(MINUTE_MS));
    expect(await pruner(orm, 10).execute(NOW)).toMatchObject({ pruned: 25, batches: 3 }); // 10, 10, 5

    await handled(INBOUND_DURABLE, 20, ago(10 * DAY_MS));
    expect(await pruner(orm, 10).execute(NOW)).toMatchObject({ pruned: 20, batches: 3 }); // 10, 10, 0
    expect(await idsOf(INBOUND_DURABLE)).toEqual([...recent].sort());
  });

  it('R-EVT-02 two replicas pruning at once both finish, and together delete every old row once and nothing else', async () => {
    const other = await openDatabase({ ...databaseOptions(db.url), migrate: false });
    try {
      await handled(INBOUND_DURABLE, 3000, ago(9 * DAY_MS));
      const recent = await handled(INBOUND_DURABLE, 50, ago(MINUTE_MS));
      await handled(OTHER_CONSUMERS[0] as string, 40, ago(9 * DAY_MS));

      // Each replica with its own pool, as two processes would have; small batches so their loops interleave.
      const [a, b] = await Promise.all([pruner(orm, 50).execute(NOW), pruner(other, 50).execute(NOW)]);

      expect(a.pruned + b.pruned).toBe(3000);
      expect(await idsOf(INBOUND_DURABLE)).toEqual([...recent].sort());
      expect(await countOf(OTHER_CONSUMERS[0] as string)).toBe(40);
    } finally {
      await other.close(true);
    }
  });

  it('R-EVT-02 a batch skips the rows another replica is deleting instead of waiting for them, and they go with its commit', async () => {
    await handled(INBOUND_DURABLE, 30, ago(9 * DAY_MS));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockedNow = new Promise<void>((resolve) => (locked = resolve));
    // Another replica's batch, open: the 5 oldest rows locked for its delete.
    const held = orm.em.fork().transactional(async (em) => {
      await em.execute(
        `select event_id from ${qualified(orm, 'inbox')} where consumer = ? order by handled_at, event_id limit 5 for update`,
        [INBOUND_DURABLE],
      );
      locked();
      await released;
      await em.execute(`delete from ${qualified(orm, 'inbox')} where consumer = ? and event_id in (select event_id from ${qualified(orm, 'inbox')} where consumer = ? order by handled_at, event_id limit 5)`, [INBOUND_DURABLE, INBOUND_DURABLE]);
    });
    await lockedNow;

    // Waiting on the locks would never end while the other holds them: the deadline tells that apart from a skip.
    const result = await Promise.race([
      pruner(orm, 10).execute(NOW),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the prune waited for rows another replica holds')), 10_000).unref()),
    ]);
    expect(result).toMatchObject({ pruned: 25 });
    expect(await countOf(INBOUND_DURABLE)).toBe(5);

    release();
    await held;
    expect(await countOf(INBOUND_DURABLE)).toBe(0);
  });

  describe('dedupe after a prune', () => {
    async function eventDirectory(): Promise<{ tenantId: string; directoryId: string }> {
      const em = orm.em.fork();
      const tenantId = randomUUID();
      const directoryId = randomUUID();
      em.create(TenantEntity, { id: tenantId, name: `tenant ${tenantId}`, ownerEmail: 'owner@acme.test', createdAt: new Date() });
      em.create(DirectoryEntity, {
        id: directoryId,
        tenantId,
        name: 'HR events',
        type: 'event',
        settings: {
          policy: {
            usernameAttribute: 'workEmail',
            activateUsers: true,
            orphans: 'ignore',
            restore: false,
            synchronizeGroups: false,
            preserveGroups: true,
            removeLocalGroups: false,
            removeOtherDirectoryGroups: false,
            safeguard: { count: 50, percent: 20 },
          },
        },
        secrets: {},
        recipients: [],
        schedule: { kind: 'disabled' },
        enabled: true,
        nextRunAt: null,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      await em.flush();
      return { tenantId, directoryId };
    }

    const upsert = (directoryId: string, id: string, sequence: number): InboundEvent => ({
      id,
      kind: 'upserted',
      data: { directoryId, employee: { email: `person-${sequence}@acme.test`, firstName: `Person ${sequence}` } },
      sequence,
    });

    const runsOf = async (tenantId: string) =>
      Number((await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ${qualified(orm, 'runs')} where tenant_id = ?`, [tenantId]))[0]?.n);

    it('R-EVT-02 a recent event delivered again after a prune is still dropped: no second run', async () => {
      const { tenantId, directoryId } = await eventDirectory();
      const apply = new ApplyInboundBatchUseCase(orm, new Outbox('roster/directory-config'), relay);
      const first = await apply.execute({ tenantId, directoryId, consumer: INBOUND_DURABLE, events: [upsert(directoryId, 'evt-recent', 1)] });
      expect(first).toMatchObject({ applied: 1, duplicates: 0 });
      // Old ids of the same tenant, applied long ago, go; the recent one is what the stream may still redeliver.
      await handled(INBOUND_DURABLE, 4, ago(30 * DAY_MS, new Date()), tenantId);

      expect(await pruner().execute(new Date())).toMatchObject({ pruned: 4 });
      expect(await idsOf(INBOUND_DURABLE)).toEqual([`${tenantId}:evt-recent`]);

      const redelivered = await apply.execute({ tenantId, directoryId, consumer: INBOUND_DURABLE, events: [upsert(directoryId, 'evt-recent', 1)] });
      expect(redelivered).toEqual({ runId: null, applied: 0, duplicates: 1 });
      expect(await runsOf(tenantId)).toBe(1);
    });
  });
});
