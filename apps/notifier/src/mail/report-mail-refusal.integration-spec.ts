import { Logger } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { NatsConnection, connect } from 'nats';
import { CloudEvent, PayloadOf, emptyRunCounts, filterOf } from '@roster/contracts';
import { DLQ_HEADERS, DeadLetterInfo, EventPublisher, JetStreamServer, ensureStreams } from '@roster/messaging';
import { openDatabase } from '@roster/persistence';
import { InjectedRefusal, NatsServerFixture, SmtpSink, TestDatabase, createTestDatabase, startNatsServer, startSmtpSink, waitFor } from '@roster/testing';
import { databaseOptions } from '../database';
import { NotificationEntity } from '../entities/notification.entity';
import { LoggedMailer } from './logged-mailer';
import { Mailer } from './mailer';
import { NotifyRunFinishedUseCase } from './notify-run-finished.usecase';

const TENANT = '7e1a0000-0000-4000-8000-000000000001';
const DIRECTORY = '7e1a0000-0000-4000-8000-0000000000d1';

/**
 * R-NOT-01 with R-OPS-02: run reports through the notifier's real consumer (JetStreamServer on a real nats-server,
 * the notification log on real PostgreSQL, the mail to a real SMTP server, the test sink). A mail the server
 * refuses for good is dead-lettered on its first delivery with the server's reply; one it defers is retried.
 */
describe('run report mails the SMTP server refuses (R-NOT-01, R-OPS-02)', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let nats: NatsServerFixture;
  let nc: NatsConnection;
  let sink: SmtpSink;
  let mailer: Mailer;
  let server: JetStreamServer;
  let publisher: EventPublisher;
  const deadLetters: DeadLetterInfo[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    [db, nats, sink] = await Promise.all([createTestDatabase('notifier_refusal'), startNatsServer(), startSmtpSink()]);
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    publisher = new EventPublisher(nc, 'test/reconciler');
    mailer = new Mailer({ smtpUrl: `smtp://${sink.host}:${sink.port}`, from: 'roster@acme.test' });
    const notify = new NotifyRunFinishedUseCase(new LoggedMailer(orm, mailer));
    server = new JetStreamServer({
      servers: nats.url,
      service: 'notifier',
      consumers: [{ name: 'run-finished', stream: 'ROSTER_RUNS', filterSubject: filterOf('run.finished') }],
      // The production default of 5 deliveries; a short backoff so the retried case takes a second, not 6.
      backoffMs: [300],
      connection: nc,
      onDeadLetter: (info) => deadLetters.push(info),
    });
    server.addHandler('run.finished', (event: CloudEvent<PayloadOf<'run.finished'>>) => notify.execute(event), true);
    await new Promise<void>((resolve, reject) => void server.listen((e?: unknown) => (e ? reject(e) : resolve())));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    mailer?.onApplicationShutdown();
    publisher?.close();
    await nc?.drain();
    await orm?.close(true);
    await Promise.all([nats?.stop(), sink?.stop(), db?.drop()]);
  });

  let runs = 0;
  /** Publishes a run.finished as the reconciler does; its report goes to `recipients`. */
  const finishRun = async (recipients: string[]) => {
    runs += 1;
    const runId = `7e1a0000-0000-4000-8000-${String(runs).padStart(12, '0')}`;
    const fileName = `users-${runs}.csv`;
    const ack = await publisher.publish(
      'run.finished',
      { runId, directoryId: DIRECTORY, status: 'succeeded', counts: { ...emptyRunCounts(), created: 2 }, problems: [], problemCount: 0, fileName, notify: { directoryName: 'HR drop', recipients }, finishedAt: new Date().toISOString() },
      { tenantId: TENANT, runId, id: `${runId}:finished` },
    );
    return { eventId: `${runId}:finished`, fileName, sequence: ack.seq };
  };
  const logRow = (eventId: string) => orm.em.fork().findOneOrFail(NotificationEntity, { eventId });

  it.each<[string, number, InjectedRefusal, string]>([
    ['a 552 at DATA', 552, { text: '5.3.4 Message too big' }, 'SMTP 552 5.3.4 Message too big (refused at DATA)'],
    ['a 550 at RCPT TO', 550, { text: '5.1.1 <hr@acme.test>: mailbox unavailable', at: 'RCPT TO' }, 'SMTP 550 5.1.1 <hr@acme.test>: mailbox unavailable (refused at RCPT TO)'],
  ])('R-NOT-01 R-OPS-02 a report refused for good (%s) is dead-lettered on its first delivery, SMTP_REFUSED with the reply', async (_, code, refusal, reason) => {
    sink.failNext(1, code, refusal);
    const run = await finishRun(['hr@acme.test']);
    const dead = await waitFor(() => deadLetters.find((d) => d.streamSequence === run.sequence), { timeoutMs: 15_000, description: `the dead letter of ${run.eventId}` });
    expect(dead).toEqual({ consumer: 'notifier-run-finished', subject: `roster.runs.${TENANT}.run.finished.v1`, streamSequence: run.sequence, deliveries: 1, code: 'SMTP_REFUSED', reason });

    // What an operator lists and redrives (ROSTER_DLQ), and the notification log: one attempt, the reply kept.
    const stored = await (await nc.jetstreamManager()).streams.getMessage('ROSTER_DLQ', { last_by_subj: 'roster.dlq.notifier.notifier-run-finished' });
    expect(stored.header.get(DLQ_HEADERS.msgId)).toBe(run.eventId);
    expect(stored.header.get(DLQ_HEADERS.deliveries)).toBe('1');
    expect(stored.header.get(DLQ_HEADERS.code)).toBe('SMTP_REFUSED');
    expect(stored.header.get(DLQ_HEADERS.reason)).toBe(reason);
    expect(await logRow(run.eventId)).toMatchObject({ status: 'pending', attempts: 1, lastError: reason });
    expect(sink.messages.filter((m) => m.subject.includes(run.fileName))).toEqual([]);
  });

  it('R-NOT-01 R-OPS-02 a report the SMTP server defers (451, twice) is retried with backoff and mailed once it clears, never dead-lettered', async () => {
    sink.failNext(2, 451, { text: '4.3.0 Try again later' });
    const run = await finishRun(['hr@acme.test']);
    const mail = await sink.waitForMail((m) => m.subject.includes(run.fileName), 15_000);
    expect(mail.to).toEqual(['hr@acme.test']);
    const sent = await waitFor(async () => {
      const row = await logRow(run.eventId);
      return row.status === 'sent' && row;
    }, { timeoutMs: 5000, description: `${run.eventId} logged sent` });
    // Delivered three times: two refused, the third sent.
    expect(sent).toMatchObject({ attempts: 3, lastError: 'Message failed: 451 4.3.0 Try again later' });
    expect(deadLetters.filter((d) => d.streamSequence === run.sequence)).toEqual([]);
    expect(sink.messages.filter((m) => m.subject.includes(run.fileName))).toHaveLength(1);
  });
});
