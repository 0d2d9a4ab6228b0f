import { Logger } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { NatsConnection, StoredMsg, connect, headers } from 'nats';
import { CloudEvent, EventName, PayloadOf } from '@roster/contracts';
import { ConsumerDefinition, DLQ_HEADERS, DeadLetterInfo, EventPublisher, JetStreamContext, JetStreamServer, durableName, ensureStreams } from '@roster/messaging';
import { openDatabase } from '@roster/persistence';
import { SmtpSink, createTestDatabase, startNatsServer, startSmtpSink, waitFor } from '@roster/testing';
import { databaseOptions } from '../database';
import { Notification, NotificationEntity } from '../entities/notification.entity';
import { LoggedMailer } from './logged-mailer';
import { Mailer } from './mailer';

/** Test-only helpers: one notifier consumer on real servers (nats-server, PostgreSQL, the SMTP sink). */

export interface MailConsumer {
  orm: MikroORM;
  nc: NatsConnection;
  sink: SmtpSink;
  /** Publishes as the other services do (source `test/reconciler`). */
  publisher: EventPublisher;
  /** Every dead letter the consumer wrote, in order. */
  deadLetters: DeadLetterInfo[];
  /** The dead letter of the message stored at `sequence`, once the consumer has written it. */
  deadLetterOf(sequence: number): Promise<DeadLetterInfo>;
  /** The notification log row of an event. */
  logRow(eventId: string): Promise<Notification>;
  /** The row once it is `sent`. */
  sentRow(eventId: string): Promise<Notification>;
  /** Re-publishes a stored message's payload and its publisher's headers under a new message id (a replay, a redrive). */
  republish(subject: string, stored: StoredMsg, msgID: string): Promise<void>;
  /** Redrives the consumer's latest dead letter as directory-config does: to the original subject; returns the letter. */
  redriveLast(): Promise<StoredMsg>;
  stop(): Promise<void>;
}

/**
 * Starts the notifier's consumer `consumer` (the real JetStreamServer, giving up after `maxDeliver` deliveries with a
 * 300 ms backoff) with a handler for `event` made by `handler` from the log (a `LoggedMailer` with the same limit).
 */
export async function startMailConsumer<N extends EventName>(options: {
  label: string;
  consumer: ConsumerDefinition;
  event: N;
  maxDeliver: number;
  handler: (parts: { logged: LoggedMailer; orm: MikroORM; nc: NatsConnection; publisher: EventPublisher }) => (event: CloudEvent<PayloadOf<N>>, lastDelivery: boolean) => Promise<void>;
}): Promise<MailConsumer> {
  Logger.overrideLogger(false);
  const deadLetters: DeadLetterInfo[] = [];
  const [db, nats, sink] = await Promise.all([createTestDatabase(options.label), startNatsServer(), startSmtpSink()]);
  const orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  const nc = await connect({ servers: nats.url });
  await ensureStreams(await nc.jetstreamManager());
  const publisher = new EventPublisher(nc, 'test/reconciler');
  const mailer = new Mailer({ smtpUrl: `smtp://${sink.host}:${sink.port}`, from: 'roster@acme.test' });
  const handle = options.handler({ logged: new LoggedMailer(orm, mailer), orm, nc, publisher });
  const server = new JetStreamServer({
    servers: nats.url,
    service: 'notifier',
    consumers: [options.consumer],
    maxDeliver: options.maxDeliver,
    backoffMs: [300],
    connection: nc,
    onDeadLetter: (info) => deadLetters.push(info),
  });
  server.addHandler(options.event, (event: CloudEvent<PayloadOf<N>>, ctx: JetStreamContext) => handle(event, ctx.lastDelivery), true);
  await new Promise<void>((resolve, reject) => void server.listen((e?: unknown) => (e ? reject(e) : resolve())));

  const logRow = (eventId: string) => orm.em.fork().findOneOrFail(NotificationEntity, { eventId });
  const republish = async (subject: string, stored: StoredMsg, msgID: string) => {
    const h = headers();
    const dlq = new Set<string>(Object.values(DLQ_HEADERS).map((k) => k.toLowerCase()));
    for (const [key, values] of stored.header) {
      if (/^nats-/i.test(key) || dlq.has(key.toLowerCase())) continue;
      for (const value of values) h.append(key, value);
    }
    await nc.jetstream().publish(subject, stored.data, { msgID, headers: h });
  };
  return {
    orm,
    nc,
    sink,
    publisher,
    deadLetters,
    deadLetterOf: (sequence) =>
      waitFor(() => deadLetters.find((d) => d.streamSequence === sequence), { timeoutMs: 15_000, description: `the dead letter of stream message ${sequence}` }),
    logRow,
    sentRow: (eventId) =>
      waitFor(async () => {
        const row = await logRow(eventId);
        return row.status === 'sent' && row;
      }, { timeoutMs: 5000, description: `${eventId} logged sent` }),
    republish,
    redriveLast: async () => {
      const subject = `roster.dlq.notifier.${durableName('notifier', options.consumer.name)}`;
      const letter = await (await nc.jetstreamManager()).streams.getMessage('ROSTER_DLQ', { last_by_subj: subject });
      await republish(letter.header.get(DLQ_HEADERS.subject), letter, `redrive:${letter.header.get(DLQ_HEADERS.stream)}:${letter.header.get(DLQ_HEADERS.sequence)}`);
      return letter;
    },
    stop: async () => {
      await server.close();
      mailer.onApplicationShutdown();
      publisher.close();
      await nc.drain();
      await orm.close(true);
      await Promise.all([nats.stop(), sink.stop(), db.drop()]);
    },
  };
}
