// The JetStream transport's batch consumers (R-EVT-02 micro-batches) on a real nats-server: messages are handed to
// one handler per (key, window or count), acked by the batch's outcome, refused one by one, retried, dead-lettered,
// kept alive while held, and drained on shutdown.
import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { NatsConnection, connect } from 'nats';
import { type PayloadOf } from '@roster/contracts';
import { logContext, type LogContext } from '@roster/observability';
import { startNatsServer, waitFor } from '@roster/testing';
import {
  type BatchDelivery,
  type BatchOutcome,
  DLQ_HEADERS,
  EventPublisher,
  JetStreamBatchContext,
  JetStreamServer,
  PermanentError,
  ensureStreams,
} from './index';
import { userCreated } from '../test/harness';

interface Seen {
  key: string;
  emails: string[];
  deliveries: number[];
  context: LogContext | undefined;
}

interface Behaviour {
  /** Refuse these emails one by one (`poison…`: permanently). */
  refuse?: (email: string) => unknown;
  /** Throw for the whole batch while this says so. */
  failBatch?: (emails: string[]) => boolean;
  /** Hold the batch this long before answering. */
  holdMs?: number;
}

const email = (d: BatchDelivery) => (d.event.data as PayloadOf<'user.created'>).user.email;

describe('JetStream batch consumers (micro-batches) on a real nats-server', () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let nc: NatsConnection;
  let publisher: EventPublisher;
  const apps: INestMicroservice[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    publisher = new EventPublisher(nc, 'test/batch');
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  /** A service whose consumer of `roster.directory.<tenant>.>` hands user.created events to a batch handler. */
  const start = async (service: string, tenants: string[], behaviour: Behaviour, batch: { maxItems: number; windowMs: number }, ackWaitMs = 2000) => {
    const seen: Seen[] = [];
    @Controller()
    class BatchHandler {
      @EventPattern('users.batch')
      async onBatch(@Payload() deliveries: BatchDelivery[], @Ctx() ctx: JetStreamBatchContext): Promise<BatchOutcome> {
        const emails = deliveries.map(email);
        seen.push({ key: ctx.key, emails, deliveries: deliveries.map((d) => d.deliveryCount), context: logContext() });
        if (behaviour.holdMs) await new Promise((r) => setTimeout(r, behaviour.holdMs));
        if (behaviour.failBatch?.(emails)) throw new Error(`batch of ${emails.length} failed`);
        const refused = new Map<number, unknown>();
        emails.forEach((e, i) => {
          const error = behaviour.refuse?.(e);
          if (error) refused.set(i, error);
        });
        return { refused };
      }
    }
    @Module({ controllers: [BatchHandler] })
    class BatchModule {}
    const app = await NestFactory.createMicroservice(BatchModule, {
      strategy: new JetStreamServer({
        servers: nats.url,
        service,
        consumers: tenants.map((tenant, i) => ({
          name: `users${i}`,
          stream: 'ROSTER_DIRECTORY' as const,
          filterSubject: `roster.directory.${tenant}.>`,
          concurrency: 2 * batch.maxItems,
          ack: 'sent' as const,
          batch: { pattern: 'users.batch', keyOf: (event) => event.tenantid, ...batch },
        })),
        maxDeliver: 3,
        backoffMs: [50, 100],
        ackWaitMs,
      }),
      logger: false,
    });
    await app.listen();
    apps.push(app);
    return seen;
  };

  const publishUsers = async (tenant: string, emails: string[]) => {
    for (const e of emails) await publisher.publish('user.created', userCreated(e), { tenantId: tenant });
  };

  const settled = (durable: string) =>
    waitFor(
      async () => {
        const info = await (await nc.jetstreamManager()).consumers.info('ROSTER_DIRECTORY', durable);
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.ack_floor.stream_seq === info.delivered.stream_seq ? info : undefined;
      },
      { timeoutMs: 15_000, description: `${durable} acknowledged every message` },
    );

  const deadLetters = async (subject: string) => {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('ROSTER_DLQ');
    const found: { code: string; reason: string; email: string }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
      const m = await jsm.streams.getMessage('ROSTER_DLQ', { seq }).catch(() => undefined);
      if (m?.subject !== subject) continue;
      let body: { data?: PayloadOf<'user.created'> } = {};
      try {
        body = JSON.parse(Buffer.from(m.data).toString('utf8')) as typeof body;
      } catch {
        // not JSON: the message a test published broken
      }
      found.push({ code: m.header.get(DLQ_HEADERS.code), reason: m.header.get(DLQ_HEADERS.reason), email: body.data?.user.email ?? '' });
    }
    return found;
  };

  it('R-EVT-02 hands events over in batches per key, cut at the count or the window, in stream order, each acked once', async () => {
    const seen = await start('batch-order', ['tenant-bo1', 'tenant-bo2'], {}, { maxItems: 4, windowMs: 300 });
    const a = Array.from({ length: 10 }, (_, i) => `a${i}@example.com`);
    const b = ['b0@example.com', 'b1@example.com'];
    await publishUsers('tenant-bo1', a);
    await publishUsers('tenant-bo2', b);
    await settled('batch-order-users0');
    await settled('batch-order-users1');
    const ofKey = (key: string) => seen.filter((s) => s.key === key);
    expect(ofKey('tenant-bo1').flatMap((s) => s.emails)).toEqual(a);
    expect(ofKey('tenant-bo2').flatMap((s) => s.emails)).toEqual(b);
    for (const s of seen) expect(s.emails.length).toBeLessThanOrEqual(4);
    expect(ofKey('tenant-bo1').length).toBeGreaterThanOrEqual(3);
    expect(seen.flatMap((s) => s.deliveries).every((d) => d === 1)).toBe(true);
    // R-OPS-03: the batch's lines carry the tenant its events share, not one event's id.
    expect(seen[0]?.context).toMatchObject({ tenantId: expect.stringMatching(/^tenant-bo/) });
    expect(seen[0]?.context?.eventId).toBeUndefined();
  });

  it('R-EVT-02 a refused delivery is dead-lettered (at once when permanent, after the retries otherwise); the rest of its batch is acked once', async () => {
    const seen = await start(
      'batch-refuse',
      ['tenant-br'],
      {
        refuse: (e) =>
          e.startsWith('poison') ? new PermanentError(`cannot take ${e}`, 'POISON') : e.startsWith('flaky') ? new Error(`not yet: ${e}`) : undefined,
      },
      { maxItems: 10, windowMs: 200 },
    );
    await publishUsers('tenant-br', ['ok1@example.com', 'poison@example.com', 'flaky@example.com', 'ok2@example.com']);
    await settled('batch-refuse-users0');
    const handled = (e: string) => seen.filter((s) => s.emails.includes(e)).length;
    expect(handled('ok1@example.com')).toBe(1);
    expect(handled('ok2@example.com')).toBe(1);
    expect(handled('poison@example.com')).toBe(1);
    expect(handled('flaky@example.com')).toBe(3);
    const dead = await deadLetters('roster.dlq.batch-refuse.batch-refuse-users0');
    expect(dead).toEqual(
      expect.arrayContaining([
        { code: 'POISON', reason: 'cannot take poison@example.com', email: 'poison@example.com' },
        { code: 'MAX_DELIVERIES', reason: expect.stringMatching(/failed 3 times: not yet: flaky@example\.com$/), email: 'flaky@example.com' },
      ]),
    );
    expect(dead).toHaveLength(2);
  });

  it('R-EVT-02 a batch whose handler throws is delivered again whole, and acked once it succeeds', async () => {
    let failures = 0;
    const seen = await start('batch-retry', ['tenant-bt'], { failBatch: () => failures++ < 1 }, { maxItems: 10, windowMs: 200 });
    await publishUsers('tenant-bt', ['r1@example.com', 'r2@example.com']);
    await settled('batch-retry-users0');
    const all = seen.flatMap((s) => s.emails.map((e, i) => `${e}#${s.deliveries[i]}`)).sort();
    expect(all).toEqual(['r1@example.com#1', 'r1@example.com#2', 'r2@example.com#1', 'r2@example.com#2']);
    expect(await deadLetters('roster.dlq.batch-retry.batch-retry-users0')).toEqual([]);
  });

  it('R-EVT-02 an invalid message is dead-lettered at once and the valid ones of its window are handled', async () => {
    const seen = await start('batch-invalid', ['tenant-bi'], {}, { maxItems: 10, windowMs: 200 });
    await nc.jetstream().publish('roster.directory.tenant-bi.user.created.v1', Buffer.from('not json'));
    await publishUsers('tenant-bi', ['valid@example.com']);
    await settled('batch-invalid-users0');
    expect(seen.flatMap((s) => s.emails)).toEqual(['valid@example.com']);
    expect((await deadLetters('roster.dlq.batch-invalid.batch-invalid-users0')).map((d) => d.code)).toEqual(['NOT_JSON']);
  });

  it('R-EVT-02 messages held longer than the ack wait are kept alive, not redelivered', async () => {
    // A 1 s ack wait, a 3.5 s batch handler and a second batch waiting behind it (one key's batches go in order).
    const seen = await start('batch-hold', ['tenant-bh'], { holdMs: 3500 }, { maxItems: 2, windowMs: 100 }, 1000);
    await publishUsers('tenant-bh', ['h1@example.com', 'h2@example.com', 'h3@example.com', 'h4@example.com']);
    const info = await settled('batch-hold-users0');
    expect(seen.flatMap((s) => s.emails)).toEqual(['h1@example.com', 'h2@example.com', 'h3@example.com', 'h4@example.com']);
    expect(seen.flatMap((s) => s.deliveries).every((d) => d === 1)).toBe(true);
    expect(info.num_redelivered).toBe(0);
  }, 30_000);

  it('R-OPS-03 closing the transport hands over the open batch and acks it before it returns (graceful shutdown)', async () => {
    const seen = await start('batch-close', ['tenant-bc'], {}, { maxItems: 100, windowMs: 60_000 });
    await publishUsers('tenant-bc', ['c1@example.com', 'c2@example.com']);
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => (await jsm.consumers.info('ROSTER_DIRECTORY', 'batch-close-users0')).num_ack_pending === 2, {
      timeoutMs: 5000,
      description: 'both messages held in the open batch',
    });
    expect(seen).toEqual([]);
    await apps.pop()?.close();
    expect(seen.flatMap((s) => s.emails)).toEqual(['c1@example.com', 'c2@example.com']);
    await settled('batch-close-users0');
  });
});
