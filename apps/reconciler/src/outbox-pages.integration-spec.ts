import { MikroORM } from '@mikro-orm/postgresql';
import { NatsConnection, connect } from 'nats';
import { EventPublisher, Outbox, OutboxRelay, ensureStreams, outboxEvents, type OutgoingMessage } from '@roster/messaging';
import { qualified, serviceOrmOptions, sql } from '@roster/persistence';
import { createTestDatabase, startNatsServer, waitFor } from '@roster/testing';
import { databaseOptions } from './database';
import { migrations } from './migrations';

const TENANT = '3f1c2b9e-8a1f-4f7e-9d57-1f6f1c3b2a10';
/** The last migration with a row per outbox event. */
const BEFORE_PAGES = 'Migration20261206224133';

/**
 * The outbox as pages of events (R-EVT-01 through the transactional outbox), on the reconciler's own schema and
 * migrations, real Postgres and nats-server: events written before the upgrade survive it, pages keep the order,
 * and the relay publishes every event once.
 */
describe('the outbox in pages, on real Postgres and nats-server', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let nc: NatsConnection;
  let orm: MikroORM;
  let publisher: EventPublisher;
  const outbox = new Outbox('roster/reconciler');

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase('outbox_pages'), startNatsServer()]);
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    publisher = new EventPublisher(nc, 'roster/reconciler');
    orm = await MikroORM.init(serviceOrmOptions(databaseOptions(db.url)));
    await orm.em.getConnection().execute(`create schema if not exists "reconciler"`);
  });

  afterAll(async () => {
    await orm?.close(true);
    await nc?.drain();
    await nats?.stop();
    await db?.drop();
  });

  const userCreated = (i: number, runId = '7b0e5c2a-8a1f-4f7e-9d57-1f6f1c3b2a10'): OutgoingMessage =>
    outbox.message(
      'user.created',
      {
        runId,
        user: {
          userId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          email: `user${i}@example.com`,
          firstName: `Line\nbreak ${i}`, // a line break inside a value must not split a page wrongly
          lastName: null,
          displayName: null,
          managerUserId: null,
          status: 'active',
          isOrgAdmin: false,
          sourceDirectoryId: null,
          profile: {},
          customFields: {},
        },
      },
      { tenantId: TENANT, runId, id: `upgrade-test:${i}` },
    );

  const stored = async (filter: string) => {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('ROSTER_DIRECTORY', { subjects_filter: filter });
    return info.state.subjects?.[filter] ?? 0;
  };

  it('R-EVT-01 events written before the upgrade move into pages with the migration, and are published once', async () => {
    await orm.getMigrator().up({ to: BEFORE_PAGES });
    const legacy = [userCreated(1), userCreated(2), userCreated(3)];
    for (const m of legacy) {
      await sql(orm.em.fork(), `insert into ${qualified(orm, 'outbox')} (id, subject, envelope) values (?, ?, ?::jsonb)`, [m.envelope.id, m.subject, JSON.stringify(m.envelope)]);
    }
    await orm.getMigrator().up();
    expect((await orm.getMigrator().getPendingMigrations()).length).toBe(0);
    const events = await sql<{ id: string; email: string }>(orm.em.fork(),
      `select envelope->>'id' as id, envelope->'data'->'user'->>'email' as email from ${outboxEvents(qualified(orm, 'outbox'))} order by seq, n`,
    );
    expect(events).toEqual(legacy.map((m, i) => ({ id: m.envelope.id, email: `user${i + 1}@example.com` })));

    const relay = new OutboxRelay(orm, publisher);
    expect(await relay.relayOnce()).toBe(3);
    expect(await relay.relayOnce()).toBe(0);
    expect(await stored(`roster.directory.${TENANT}.user.created.v1`)).toBe(3);
  });

  it('R-EVT-01 a run\'s events are stored as pages and relayed in order, whole pages per relay transaction, once each', async () => {
    const runId = '9c0e5c2a-8a1f-4f7e-9d57-1f6f1c3b2a10';
    const messages = Array.from({ length: 2500 }, (_, i) => userCreated(1000 + i, runId));
    await orm.em.fork().transactional((em) => outbox.addMessages(em, messages));
    const pages = await sql<{ events: number }>(orm.em.fork(), `select events from ${qualified(orm, 'outbox')} order by seq`);
    expect(pages.map((p) => p.events)).toEqual([1000, 1000, 500]);

    const relay = new OutboxRelay(orm, publisher, { batchSize: 1500 });
    const sizes: number[] = [];
    for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) sizes.push(n);
    // Whole pages up to the batch: 1000 (a second page would pass 1500), then 1000 + 500; never half of a page.
    expect(sizes).toEqual([1000, 1500]);

    const jsm = await nc.jetstreamManager();
    const ids: string[] = [];
    const names: string[] = [];
    const consumer = await jsm.consumers.add('ROSTER_DIRECTORY', { filter_subject: `roster.directory.${TENANT}.user.created.v1`, inactive_threshold: 60_000_000_000 });
    const c = await nc.jetstream().consumers.get('ROSTER_DIRECTORY', consumer.name);
    const batch = await c.fetch({ max_messages: 3000, expires: 2000 });
    for await (const m of batch) {
      const envelope = JSON.parse(m.string());
      if (envelope.data.runId === runId) {
        ids.push(envelope.id);
        names.push(envelope.data.user.firstName);
      }
      m.ack();
      if (ids.length === 2500) break;
    }
    expect(ids).toEqual(messages.map((m) => m.envelope.id));
    expect(names[7]).toBe('Line\nbreak 1007');
  });

  it('R-EVT-01 a relay transaction holds whole pages up to a byte bound as well as an event count, at least one page', async () => {
    const runId = 'bc0e5c2a-8a1f-4f7e-9d57-1f6f1c3b2a10';
    const messages = Array.from({ length: 1800 }, (_, i) => userCreated(20_000 + i, runId));
    for (let p = 0; p < 3; p++) await orm.em.fork().transactional((em) => outbox.addMessages(em, messages.slice(p * 600, (p + 1) * 600)));
    const bytes = (await sql<{ bytes: number }>(orm.em.fork(), `select octet_length(payload) as bytes from ${qualified(orm, 'outbox')} order by seq`)).map((r) => r.bytes);
    expect(bytes).toHaveLength(3);
    const before = await stored(`roster.directory.${TENANT}.user.created.v1`);
    // Room for two pages' bytes, whatever the event count allows: 1200, then 600.
    const twoPages = new OutboxRelay(orm, publisher, { batchSize: 100_000, batchBytes: bytes[0] + bytes[1] });
    expect([await twoPages.relayOnce(), await twoPages.relayOnce(), await twoPages.relayOnce()]).toEqual([1200, 600, 0]);
    // Less than one page's bytes still moves a page a pass.
    await orm.em.fork().transactional((em) => outbox.addMessages(em, messages.slice(0, 600)));
    const tiny = new OutboxRelay(orm, publisher, { batchBytes: 1 });
    expect([await tiny.relayOnce(), await tiny.relayOnce()]).toEqual([600, 0]);
    // Re-sent ids are stored once (Nats-Msg-Id): every event of the test exactly once.
    expect(await stored(`roster.directory.${TENANT}.user.created.v1`)).toBe(before + 1800);
  });

  it('R-EVT-01 a running relay drains pages that end short of its batch without pausing between them', async () => {
    const runId = 'ac0e5c2a-8a1f-4f7e-9d57-1f6f1c3b2a10';
    // Three pages of 600 against a batch of 1000: every pass takes one page and ends short of the batch.
    for (let p = 0; p < 3; p++) {
      await orm.em.fork().transactional((em) => outbox.addMessages(em, Array.from({ length: 600 }, (_, i) => userCreated(10_000 + p * 600 + i, runId))));
    }
    const before = await stored(`roster.directory.${TENANT}.user.created.v1`);
    // Ten-minute idle pauses: a relay that took a short pass for an empty outbox would sleep past the deadline.
    const relay = new OutboxRelay(orm, publisher, { batchSize: 1000, idleMs: 600_000, maxIdleMs: 600_000 });
    relay.start();
    try {
      await waitFor(async () => (await stored(`roster.directory.${TENANT}.user.created.v1`)) === before + 1800 || undefined, {
        timeoutMs: 15_000,
        description: 'the three pages relayed',
      });
    } finally {
      await relay.stop();
    }
  });

  it('the migration down turns pages back into a row per event, nothing lost', async () => {
    await orm.em.fork().transactional((em) => outbox.addMessages(em, [userCreated(5001), userCreated(5002)]));
    const last = migrations[migrations.length - 1].name;
    await orm.getMigrator().down({ to: BEFORE_PAGES });
    const rows = await sql<{ id: string }>(orm.em.fork(), `select id from ${qualified(orm, 'outbox')} order by seq`);
    expect(rows.map((r) => r.id)).toEqual(['upgrade-test:5001', 'upgrade-test:5002']);
    await orm.getMigrator().up({ to: last });
    const back = await sql<{ id: string }>(orm.em.fork(), `select envelope->>'id' as id from ${outboxEvents(qualified(orm, 'outbox'))} order by seq, n`);
    expect(back.map((r) => r.id)).toEqual(['upgrade-test:5001', 'upgrade-test:5002']);
  });
});
