// The JetStream transport's lanes (the reconciler's records consumer): one lane's messages one at a time in stream
// order, several lanes at once up to a bound, held messages kept alive, and the not-yet-started ones handed back on
// shutdown. On a real nats-server.
import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { NatsConnection, connect } from 'nats';
import { type CloudEvent, type PayloadOf, tenantOfSubject } from '@roster/contracts';
import { startNatsServer, waitFor } from '@roster/testing';
import { EventPublisher, JetStreamContext, JetStreamServer, ensureStreams } from './index';
import { userCreated } from '../test/harness';

interface Handled {
  lane: string;
  email: string;
  delivery: number;
  startedAt: number;
  endedAt?: number;
}

describe('JetStream consumers with lanes on a real nats-server', () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let nc: NatsConnection;
  let publisher: EventPublisher;
  const apps: INestMicroservice[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    publisher = new EventPublisher(nc, 'test/lanes');
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  /**
   * Emails starting `slow` wait for `release(email)`; the handlings of this service's emails (`…@<service>.test`) are
   * recorded. A consumer of several tenants also gets the earlier tests' events (a new durable starts at the
   * stream's first message): it passes them by.
   */
  const start = async (service: string, filterSubject: string, lanes: number, ackWaitMs = 2000) => {
    const handled: Handled[] = [];
    const gates = new Map<string, () => void>();
    const release = (email: string) => gates.get(email)?.();
    @Controller()
    class UsersHandler {
      @EventPattern('user.created')
      async onUser(@Payload() event: CloudEvent<PayloadOf<'user.created'>>, @Ctx() ctx: JetStreamContext): Promise<void> {
        const entry: Handled = { lane: event.tenantid, email: event.data.user.email, delivery: ctx.deliveryCount, startedAt: Date.now() };
        if (!entry.email.endsWith(`@${service}.test`)) return;
        handled.push(entry);
        if (entry.email.startsWith('slow')) await new Promise<void>((resolve) => gates.set(entry.email, resolve));
        entry.endedAt = Date.now();
      }
    }
    @Module({ controllers: [UsersHandler] })
    class LanesModule {}
    const app = await NestFactory.createMicroservice(LanesModule, {
      strategy: new JetStreamServer({
        servers: nats.url,
        service,
        consumers: [{ name: 'users', stream: 'ROSTER_DIRECTORY', filterSubject, concurrency: 4 * lanes, lanes: { keyOf: tenantOfSubject, concurrency: lanes } }],
        maxDeliver: 3,
        backoffMs: [50],
        ackWaitMs,
      }),
      logger: false,
    });
    await app.listen();
    apps.push(app);
    return { handled, release, app };
  };

  const publishUser = (tenant: string, email: string) => publisher.publish('user.created', userCreated(email), { tenantId: tenant });
  const info = async (durable: string) => (await nc.jetstreamManager()).consumers.info('ROSTER_DIRECTORY', durable);
  const settled = (durable: string) =>
    waitFor(
      async () => {
        const i = await info(durable);
        return i.num_pending === 0 && i.num_ack_pending === 0 ? i : undefined;
      },
      { timeoutMs: 15_000, description: `${durable} acknowledged every message` },
    );

  it('R-DIR-04 a lane\'s messages go one at a time in stream order, while another lane goes on past a long one', async () => {
    const { handled, release } = await start('lanes-order', 'roster.directory.*.user.created.v1', 2);
    await publishUser('tenant-la', 'slow-a1@lanes-order.test');
    await publishUser('tenant-la', 'a2@lanes-order.test');
    await publishUser('tenant-lb', 'b1@lanes-order.test');
    await publishUser('tenant-lb', 'b2@lanes-order.test');
    // Tenant b's two messages are handled while a's first is still running; a's second waits for it.
    await waitFor(() => handled.filter((h) => h.lane === 'tenant-lb' && h.endedAt).length === 2, { timeoutMs: 10_000, description: "tenant b's messages" });
    expect(handled.map((h) => h.email)).not.toContain('a2@lanes-order.test');
    release('slow-a1@lanes-order.test');
    await settled('lanes-order-users');
    const ofLane = (lane: string) => handled.filter((h) => h.lane === lane);
    expect(ofLane('tenant-la').map((h) => h.email)).toEqual(['slow-a1@lanes-order.test', 'a2@lanes-order.test']);
    expect(ofLane('tenant-lb').map((h) => h.email)).toEqual(['b1@lanes-order.test', 'b2@lanes-order.test']);
    const [a1, a2] = ofLane('tenant-la');
    expect(a2!.startedAt).toBeGreaterThanOrEqual(a1!.endedAt!);
    expect(handled.every((h) => h.delivery === 1)).toBe(true);
  });

  it('R-DIR-04 no more lanes at work than the bound; the next lane starts when one ends', async () => {
    const { handled, release } = await start('lanes-bound', 'roster.directory.*.user.created.v1', 2);
    for (const lane of ['tenant-b1', 'tenant-b2', 'tenant-b3']) await publishUser(lane, `slow-${lane}@lanes-bound.test`);
    await waitFor(() => handled.length === 2, { timeoutMs: 10_000, description: 'two lanes at work' });
    await new Promise((r) => setTimeout(r, 300)); // a third would have started by now
    expect(handled).toHaveLength(2);
    release(handled[0]!.email);
    await waitFor(() => handled.length === 3, { timeoutMs: 10_000, description: 'the third lane, once a slot is free' });
    for (const h of handled) release(h.email);
    await settled('lanes-bound-users');
  });

  it('R-DIR-04 messages waiting in their lane past the ack wait are kept alive, not redelivered', async () => {
    const { handled, release } = await start('lanes-hold', 'roster.directory.tenant-lh.user.created.v1', 1, 1000);
    await publishUser('tenant-lh', 'slow-h1@lanes-hold.test');
    await publishUser('tenant-lh', 'h2@lanes-hold.test');
    await new Promise((r) => setTimeout(r, 3500)); // three ack waits
    release('slow-h1@lanes-hold.test');
    const i = await settled('lanes-hold-users');
    expect(handled.map((h) => `${h.email}#${h.delivery}`)).toEqual(['slow-h1@lanes-hold.test#1', 'h2@lanes-hold.test#1']);
    expect(i.num_redelivered).toBe(0);
  }, 30_000);

  it('R-OPS-03 on shutdown the running message finishes and is acked; one waiting in its lane is handed back, and handled by the next consumer', async () => {
    const first = await start('lanes-close', 'roster.directory.tenant-lc.user.created.v1', 1);
    await publishUser('tenant-lc', 'slow-c1@lanes-close.test');
    await publishUser('tenant-lc', 'c2@lanes-close.test');
    await waitFor(async () => (await info('lanes-close-users')).num_ack_pending === 2, { timeoutMs: 5000, description: 'both held' });
    const closing = first.app.close();
    apps.splice(apps.indexOf(first.app), 1);
    first.release('slow-c1@lanes-close.test');
    await closing;
    expect(first.handled.map((h) => h.email)).toEqual(['slow-c1@lanes-close.test']);
    const second = await start('lanes-close', 'roster.directory.tenant-lc.user.created.v1', 1);
    await settled('lanes-close-users');
    expect(second.handled.map((h) => h.email)).toEqual(['c2@lanes-close.test']);
  });
});
