import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { NatsConnection, connect } from 'nats';
import { parseEvent } from '@roster/contracts';
import { createTestDatabase, startNatsServer, waitFor } from '@roster/testing';
import { DLQ_HEADERS, EventPublisher, Outbox, OutboxRelay, buildMessage, ensureStreams } from './index';
import { type HarnessHooks, openTestOrm, startHarness, userCreated, TEST_SCHEMA } from '../test/harness';

const root = join(__dirname, '../../..');
const TENANT = 'tenant-a';

describe('JetStream transport, inbox and outbox on real nats-server and Postgres', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let orm: MikroORM;
  let nc: NatsConnection;
  let publisher: EventPublisher;
  const apps: INestMicroservice[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/libs/messaging/test/crash-consumer.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it) before this test');
    }
    [db, nats] = await Promise.all([createTestDatabase('messaging'), startNatsServer()]);
    orm = await openTestOrm(db.url);
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    publisher = new EventPublisher(nc, 'test/messaging');
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const app of apps.splice(0)) await app.close();
  });

  afterAll(async () => {
    await nc?.drain();
    await orm?.close(true);
    await nats?.stop();
    await db?.drop();
  });

  const effects = async (email: string) =>
    Number(
      (await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ${TEST_SCHEMA}.effects where email = ?`, [email]))[0].n,
    );

  const start = async (hooks: HarnessHooks = { attempts: new Map<string, number>() }, service = 'harness', ack?: 'confirmed' | 'sent') => {
    const app = await startHarness(orm, nats.url, hooks, { service, ack });
    apps.push(app);
    return hooks;
  };

  const spawnChild = (script: string, args: string[]) => {
    const child = spawn(process.execPath, [join(root, 'dist/libs/messaging/test', script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    return { child, output: () => out };
  };

  it('handles a message published while its consumer was down, once it starts', async () => {
    await publisher.publish('user.created', userCreated('early@example.com'), { tenantId: TENANT });
    await start();
    await waitFor(async () => (await effects('early@example.com')) === 1, { timeoutMs: 10_000, description: 'effect of early event' });
  });

  it('R-OPS-03 a handler runs inside the event\'s log context: tenant, directory and run ids on every line it logs', async () => {
    const hooks = await start({ attempts: new Map<string, number>(), contexts: new Map() });
    const runId = '7b0e5c2a-8a1f-4f7e-9d57-1f6f1c3b2a10';
    await publisher.publish('user.created', userCreated('context@example.com'), { tenantId: TENANT, runId });
    await waitFor(() => hooks.contexts?.get('context@example.com'), { timeoutMs: 10_000, description: 'the handler ran' });
    expect(hooks.contexts?.get('context@example.com')).toMatchObject({ tenantId: TENANT, runId, eventId: expect.any(String) });
  });

  it('retries a failing handler, then dead-letters it with its reason; later events are unaffected', async () => {
    const hooks = await start();
    const ack = await publisher.publish('user.created', userCreated('fail@example.com'), { tenantId: TENANT });
    await publisher.publish('user.created', userCreated('after-fail@example.com'), { tenantId: TENANT });
    const jsm = await nc.jetstreamManager();
    const dead = await waitFor(
      async () => {
        const info = await jsm.streams.info('ROSTER_DLQ');
        return info.state.messages > 0 ? jsm.streams.getMessage('ROSTER_DLQ', { last_by_subj: 'roster.dlq.harness.harness-users' }) : undefined;
      },
      { timeoutMs: 10_000, description: 'dead letter' },
    );
    expect(hooks.attempts.get('fail@example.com')).toBe(3);
    expect(dead.header.get(DLQ_HEADERS.code)).toBe('MAX_DELIVERIES');
    expect(dead.header.get(DLQ_HEADERS.reason)).toMatch(/failed 3 times: handler failed for fail@example\.com {3}insert into effects … {3}- syntax error$/);
    expect(dead.header.get(DLQ_HEADERS.sequence)).toBe(String(ack.seq));
    expect(parseEvent(dead.data).event.data).toMatchObject({ user: { email: 'fail@example.com' } });
    await waitFor(async () => (await effects('after-fail@example.com')) === 1, { timeoutMs: 5000, description: 'later event' });
  });

  it('dead-letters an invalid payload at once with the validation error, and keeps consuming', async () => {
    await start();
    const js = nc.jetstream();
    await js.publish(`roster.directory.${TENANT}.user.created.v1`, Buffer.from('{"specversion":"1.0","oops":true}'));
    await js.publish(`roster.directory.${TENANT}.user.created.v1`, Buffer.from('not json'));
    await publisher.publish('user.created', userCreated('valid@example.com'), { tenantId: TENANT });
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => (await effects('valid@example.com')) === 1, { timeoutMs: 5000, description: 'valid event' });
    const codes = await waitFor(
      async () => {
        const info = await jsm.streams.info('ROSTER_DLQ');
        const found: string[] = [];
        for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
          const m = await jsm.streams.getMessage('ROSTER_DLQ', { seq }).catch(() => undefined);
          if (m) found.push(`${m.header.get(DLQ_HEADERS.code)}: ${m.header.get(DLQ_HEADERS.reason)}`);
        }
        return found.filter((c) => c.startsWith('BAD_ENVELOPE') || c.startsWith('NOT_JSON')).length === 2 ? found : undefined;
      },
      { timeoutMs: 5000, description: 'two contract violations in the DLQ' },
    );
    expect(codes.join('\n')).toMatch(/BAD_ENVELOPE: not a CloudEvents 1.0 envelope/);
    expect(codes.join('\n')).toMatch(/NOT_JSON: message is not JSON/);
  });

  it('R-EVT-02 a consumer with sent (unconfirmed) acks acknowledges what it handled, once, and still retries and dead-letters a failure', async () => {
    const hooks = await start(undefined, 'harness-sent', 'sent');
    for (const email of ['sent-1@example.com', 'sent-2@example.com', 'sent-3@example.com']) await publisher.publish('user.created', userCreated(email), { tenantId: TENANT });
    await publisher.publish('user.created', userCreated('fail-sent@example.com'), { tenantId: TENANT });
    const jsm = await nc.jetstreamManager();
    await waitFor(
      async () => {
        const info = await jsm.consumers.info('ROSTER_DIRECTORY', 'harness-sent-users');
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.ack_floor.stream_seq === info.delivered.stream_seq ? info : undefined;
      },
      { timeoutMs: 10_000, description: 'every message acknowledged' },
    );
    for (const email of ['sent-1@example.com', 'sent-2@example.com', 'sent-3@example.com']) {
      expect(await effects(email)).toBe(1);
      expect(hooks.attempts.get(email)).toBe(1); // acked: never delivered again, though nothing confirmed the ack
    }
    expect(hooks.attempts.get('fail-sent@example.com')).toBe(3);
    const dead = await jsm.streams.getMessage('ROSTER_DLQ', { last_by_subj: 'roster.dlq.harness-sent.harness-sent-users' });
    expect(dead.header.get(DLQ_HEADERS.code)).toBe('MAX_DELIVERIES');
  });

  it('applies the same event delivered twice only once (inbox)', async () => {
    const hooks = await start();
    const message = buildMessage('test', 'user.created', userCreated('twice@example.com'), { tenantId: TENANT });
    await publisher.publishMessage(message);
    // A replay re-delivers the same event id under a new message id (outside the dedup window).
    await nc.jetstream().publish(message.subject, Buffer.from(JSON.stringify(message.envelope)), { msgID: `${message.envelope.id}-replay` });
    await waitFor(async () => hooks.attempts.get('twice@example.com') === 2, { timeoutMs: 5000, description: 'both deliveries' });
    expect(await effects('twice@example.com')).toBe(1);
  });

  it('R-OPS-03 finishes and acks an in-flight message when the transport closes (graceful shutdown)', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const hooks = { attempts: new Map<string, number>(), afterCommit: () => released };
    // Its own tenant's subject: the new durable consumer does not replay the other tests' messages first.
    const app = await startHarness(orm, nats.url, hooks, { service: 'graceful', filterSubject: 'roster.directory.tenant-graceful.>' });
    apps.push(app);
    await publisher.publish('user.created', userCreated('inflight@example.com'), { tenantId: 'tenant-graceful' });
    await waitFor(async () => hooks.attempts.get('inflight@example.com') === 1, { timeoutMs: 5000, description: 'handler started' });
    const closing = app.close();
    release();
    await closing;
    apps.splice(apps.indexOf(app), 1);
    const jsm = await nc.jetstreamManager();
    const info = await jsm.consumers.info('ROSTER_DIRECTORY', 'graceful-users');
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
    expect(await effects('inflight@example.com')).toBe(1);
  });

  it('redelivers to a new consumer process after SIGKILL before the ack, and the effect is applied once', async () => {
    const { child, output } = spawnChild('crash-consumer.js', [db.url, nats.url, 'roster.directory.tenant-crash.>']);
    await waitFor(async () => output().includes('READY'), { timeoutMs: 60_000, description: 'child consumer ready' });
    await publisher.publish('user.created', userCreated('crash@example.com'), { tenantId: 'tenant-crash' });
    await waitFor(async () => output().includes('COMMITTED crash@example.com'), { timeoutMs: 30_000, description: 'child commit' });
    child.kill('SIGKILL');
    const hooks = { attempts: new Map<string, number>() };
    apps.push(await startHarness(orm, nats.url, hooks, { service: 'crash', filterSubject: 'roster.directory.tenant-crash.>' }));
    // The redelivery comes after the ack wait; the inbox recognises the committed event.
    await waitFor(async () => hooks.attempts.get('crash@example.com') === 1, { timeoutMs: 10_000, description: 'redelivery' });
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => (await jsm.consumers.info('ROSTER_DIRECTORY', 'crash-users')).num_ack_pending === 0, {
      timeoutMs: 5000,
      description: 'ack of the redelivered message',
    });
    expect(await effects('crash@example.com')).toBe(1);
  }, 120_000);

  it('a message queued behind a handler longer than the ack wait is not redelivered while it waits', async () => {
    // One at a time, an ack wait of 1 s, and a first handler of 3.5 s: a message pulled ahead into a client buffer
    // (no heartbeat there) would be redelivered while it waited, and handled again after.
    const deliveries = new Map<string, number[]>();
    const hooks: HarnessHooks = {
      attempts: new Map<string, number>(),
      deliveries,
      afterCommit: async (email) => {
        if (email.startsWith('slow')) await new Promise((r) => setTimeout(r, 3500));
      },
    };
    apps.push(await startHarness(orm, nats.url, hooks, { service: 'queue', ackWaitMs: 1000, filterSubject: 'roster.directory.tenant-queue.>' }));
    await publisher.publish('user.created', userCreated('slow@example.com'), { tenantId: 'tenant-queue' });
    await publisher.publish('user.created', userCreated('queued@example.com'), { tenantId: 'tenant-queue' });
    const jsm = await nc.jetstreamManager();
    await waitFor(
      async () => (await effects('queued@example.com')) === 1 && (await jsm.consumers.info('ROSTER_DIRECTORY', 'queue-users')).num_ack_pending === 0,
      { timeoutMs: 20_000, description: 'both handled and acked' },
    );
    expect(deliveries.get('slow@example.com')).toEqual([1]);
    expect(deliveries.get('queued@example.com')).toEqual([1]);
    expect((await jsm.consumers.info('ROSTER_DIRECTORY', 'queue-users')).num_redelivered).toBe(0);
  }, 60_000);

  it('publishes an outbox event exactly once when the relay is killed between PubAck and commit', async () => {
    const { child, output } = spawnChild('crash-relay.js', [db.url, nats.url, 'tenant-relay']);
    await waitFor(async () => output().includes('PUBLISHED 1'), { timeoutMs: 60_000, description: 'child relay publish' });
    child.kill('SIGKILL');
    const pending = await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ${TEST_SCHEMA}.outbox`);
    expect(Number(pending[0].n)).toBe(1); // the row survived the crash: the relay will send it again
    const relay = new OutboxRelay(orm, publisher);
    await waitFor(async () => (await relay.relayOnce()) === 1 || undefined, { timeoutMs: 5000, description: 'relay resend' });
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('ROSTER_DIRECTORY', { subjects_filter: 'roster.directory.tenant-relay.>' });
    expect(info.state.subjects?.['roster.directory.tenant-relay.user.created.v1']).toBe(1);
    const left = await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ${TEST_SCHEMA}.outbox`);
    expect(Number(left[0].n)).toBe(0);
  }, 120_000);

  it('refuses, in the writer\'s transaction, an envelope over the bus\'s max_payload (UTF-8 bytes), so the relay never stops at it', async () => {
    const outbox = new Outbox('test/size');
    const withNotes = (email: string, notes: string) => {
      const data = userCreated(email);
      data.user.customFields = { notes };
      return outbox.message('user.created', data, { tenantId: 'tenant-size' });
    };
    const rows = async () =>
      Number((await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ${TEST_SCHEMA}.outbox where subjects[1] like 'roster.directory.tenant-size.%'`))[0].n);
    // 600 000 two-byte characters: under the bound in UTF-16 units, 1.2 MB in UTF-8.
    const tooBig = orm.em.fork().transactional((em) => outbox.addMessages(em, [withNotes('small@example.com', 'ok'), withNotes('big@example.com', 'é'.repeat(600_000))]));
    await expect(tooBig).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE', message: expect.stringMatching(/is 12\d{5} bytes; the bus takes 1044480 at most/) });
    expect(await rows()).toBe(0); // the page with the small event did not go in either: the writer's transaction failed
    // 400 000 of them (0.8 MB) fit, and the relay publishes it.
    await orm.em.fork().transactional((em) => outbox.addMessages(em, [withNotes('fits@example.com', 'é'.repeat(400_000))]));
    expect(await rows()).toBe(1);
    const relay = new OutboxRelay(orm, publisher);
    await waitFor(async () => (await relay.relayOnce()) > 0 || undefined, { timeoutMs: 5000, description: 'the relay publishes the 0.8 MB event' });
    const jsm = await nc.jetstreamManager();
    const stored = await jsm.streams.getMessage('ROSTER_DIRECTORY', { last_by_subj: 'roster.directory.tenant-size.user.created.v1' });
    expect(parseEvent(stored.data).event.data).toMatchObject({ user: { email: 'fits@example.com' } });
  });

  it('refuses an event PostgreSQL builds (addBuilt) over the bus\'s max_payload, and takes a page over it made of small events', async () => {
    const outbox = new Outbox('test/built-size');
    const tenantId = 'tenant-built-size';
    const rows = async () =>
      Number((await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ${TEST_SCHEMA}.outbox where subjects[1] like 'roster.directory.${tenantId}.%'`))[0].n);
    const data = `'{"runId":"r","user":{"email":"' || k.n || '@example.com","notes":"' || repeat(?::text, k.size) || '"}}'`;
    // Two small events and, third, one of 600 000 two-byte characters: 1.2 MB in UTF-8.
    const tooBig = orm.em.fork().transactional((em) =>
      outbox.addBuilt(em, 'user.created', { tenantId }, `select k.n, ${data} from unnest(?::int[], ?::int[]) as k(n, size)`, ['é', [1, 2, 3], [10, 10, 600_000]]),
    );
    await expect(tooBig).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      message: expect.stringMatching(/^io\.roster\.directory\.user\.created\.v1 [0-9a-f-]{36} is 12\d{5} bytes; the bus takes 1044480 at most/),
    });
    expect(await rows()).toBe(0);
    // 1000 events of 1 500 characters: a 3 MB page, every envelope well under the bound.
    const written = await orm.em.fork().transactional((em) =>
      outbox.addBuilt(em, 'user.created', { tenantId }, `select k.n, ${data} from unnest(?::int[], ?::int[]) as k(n, size)`, [
        'é',
        Array.from({ length: 1000 }, (_, i) => i + 1),
        Array.from({ length: 1000 }, () => 1500),
      ]),
    );
    expect(written).toBe(1000);
    expect(await rows()).toBe(1);
    await orm.em.fork().execute(`delete from ${TEST_SCHEMA}.outbox where subjects[1] like 'roster.directory.${tenantId}.%'`);
  });

  it('R-EVT-02 writes a message given as JSON text as it is, beside built ones, and the relay publishes both in order', async () => {
    const outbox = new Outbox('test/json');
    const tenantId = 'tenant-json';
    const data = userCreated('json@example.com');
    // Key order and spacing of its own: the text is put in the envelope as given, not parsed and serialised again.
    const dataJson = `{"runId":${JSON.stringify(data.runId)},"user":${JSON.stringify(data.user)}}`;
    await orm.em.fork().transactional((em) =>
      outbox.addMessages(em, [
        outbox.jsonMessage('user.created', dataJson, { tenantId, id: 'json-1' }),
        outbox.message('user.created', userCreated('built@example.com'), { tenantId, id: 'json-2' }),
      ]),
    );
    const [row] = await orm.em.fork().execute<{ payload: string; ids: string[] }[]>(`select payload, ids from ${TEST_SCHEMA}.outbox where subjects[1] like 'roster.directory.${tenantId}.%'`);
    expect(row.ids).toEqual(['json-1', 'json-2']);
    expect(row.payload.split('\n')[0]).toContain(`"data":${dataJson}}`);
    const relay = new OutboxRelay(orm, publisher);
    await waitFor(async () => (await relay.relayOnce()) > 0 || undefined, { timeoutMs: 5000, description: 'the relay publishes both' });
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('ROSTER_DIRECTORY', { subjects_filter: `roster.directory.${tenantId}.>` });
    expect(info.state.subjects?.[`roster.directory.${tenantId}.user.created.v1`]).toBe(2);
    const last = await jsm.streams.getMessage('ROSTER_DIRECTORY', { last_by_subj: `roster.directory.${tenantId}.user.created.v1` });
    const before = await jsm.streams.getMessage('ROSTER_DIRECTORY', { seq: last.seq - 1 });
    expect(parseEvent(before.data).event).toMatchObject({ id: 'json-1', source: 'test/json', data: { user: { email: 'json@example.com' } } });
    expect(parseEvent(last.data).event).toMatchObject({ id: 'json-2', data: { user: { email: 'built@example.com' } } });
  });

  it('refuses JSON text with a line break (a page keeps one envelope per line) and JSON text over the bus\'s max_payload', async () => {
    const outbox = new Outbox('test/json-refused');
    const tenantId = 'tenant-json-refused';
    const pretty = JSON.stringify(userCreated('pretty@example.com'), null, 2);
    await expect(orm.em.fork().transactional((em) => outbox.addMessages(em, [outbox.jsonMessage('user.created', pretty, { tenantId })]))).rejects.toThrow(
      /line break/,
    );
    const data = userCreated('big-json@example.com');
    data.user.customFields = { notes: 'é'.repeat(600_000) };
    await expect(
      orm.em.fork().transactional((em) => outbox.addMessages(em, [outbox.jsonMessage('user.created', JSON.stringify(data), { tenantId })])),
    ).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    const [n] = await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from ${TEST_SCHEMA}.outbox where subjects[1] like 'roster.directory.${tenantId}.%'`);
    expect(Number(n.n)).toBe(0);
  });

  it('an idle relay, backed off after empty polls, publishes at once when a commit kicks it', async () => {
    // Pauses of ten minutes: without the kick nothing would be published within the test's deadline.
    const pauses: number[] = [];
    const relay = new OutboxRelay(orm, publisher, { idleMs: 600_000, maxIdleMs: 600_000, onIdle: (ms) => pauses.push(ms) });
    const published: number[] = [];
    const jsm = await nc.jetstreamManager();
    const stored = async () =>
      (await jsm.streams.info('ROSTER_DIRECTORY', { subjects_filter: 'roster.directory.tenant-kick.>' })).state.subjects?.['roster.directory.tenant-kick.user.created.v1'] ?? 0;
    relay.start();
    try {
      // The first poll finds nothing; then the relay sleeps.
      await waitFor(async () => pauses.length > 0 || undefined, { timeoutMs: 10_000, description: 'the relay goes idle' });
      expect(pauses).toEqual([600_000]);
      await orm.em.fork().transactional((em) => new Outbox('test/kick').add(em, 'user.created', userCreated('kick@example.com'), { tenantId: 'tenant-kick' }));
      relay.kick();
      await waitFor(async () => (await stored()) === 1 || undefined, { timeoutMs: 10_000, description: 'the kicked relay publishes' });
      published.push(await stored());
    } finally {
      await relay.stop();
    }
    expect(published).toEqual([1]);
  }, 60_000);
});
