import { PayloadOf, emptyRunCounts, filterOf } from '@roster/contracts';
import { DLQ_HEADERS } from '@roster/messaging';
import type { InjectedRefusal } from '@roster/testing';
import { MailConsumer, startMailConsumer } from './mail-consumer.test-helpers';
import { NotifyRunFinishedUseCase } from './notify-run-finished.usecase';

const TENANT = '7e1a0000-0000-4000-8000-000000000001';
const DIRECTORY = '7e1a0000-0000-4000-8000-0000000000d1';
/** The transport's deliveries before it dead-letters: the production default (ROSTER_MAX_DELIVER). */
const MAX_DELIVER = 5;

/**
 * R-NOT-01 with R-OPS-02: run reports through the notifier's real consumer (JetStreamServer on a real nats-server,
 * the notification log on real PostgreSQL, the mail to a real SMTP server, the test sink). A mail the server
 * refuses for good is dead-lettered on its first delivery with the server's reply; one it defers is retried. The
 * log says what became of each mail: `failed` with the reason once the notifier gives up, `sent` once it is mailed
 * (a redriven dead letter too), and the recipients the server refused.
 */
describe('run report mails the SMTP server refuses (R-NOT-01, R-OPS-02)', () => {
  let mail: MailConsumer;

  beforeAll(async () => {
    mail = await startMailConsumer({
      label: 'notifier_refusal',
      consumer: { name: 'run-finished', stream: 'ROSTER_RUNS', filterSubject: filterOf('run.finished') },
      event: 'run.finished',
      maxDeliver: MAX_DELIVER,
      handler: ({ logged }) => {
        const notify = new NotifyRunFinishedUseCase(logged);
        return (event, lastDelivery) => notify.execute(event, lastDelivery);
      },
    });
  }, 60_000);

  afterAll(() => mail?.stop());

  let runs = 0;
  /** Publishes a run.finished as the reconciler does; its report goes to `recipients`. */
  const finishRun = async (recipients: string[]) => {
    runs += 1;
    const runId = `7e1a0000-0000-4000-8000-${String(runs).padStart(12, '0')}`;
    const fileName = `users-${runs}.csv`;
    const finished: PayloadOf<'run.finished'> = {
      runId,
      directoryId: DIRECTORY,
      status: 'succeeded',
      counts: { ...emptyRunCounts(), created: 2 },
      problems: [],
      problemCount: 0,
      fileName,
      notify: { directoryName: 'HR drop', recipients },
      finishedAt: new Date().toISOString(),
    };
    const ack = await mail.publisher.publish('run.finished', finished, { tenantId: TENANT, runId, id: `${runId}:finished` });
    return { eventId: `${runId}:finished`, fileName, sequence: ack.seq };
  };
  const mailsOf = (run: { fileName: string }) => mail.sink.messages.filter((m) => m.subject.includes(run.fileName));

  it.each<[string, number, InjectedRefusal, string, string[]]>([
    ['a 552 at DATA', 552, { text: '5.3.4 Message too big' }, 'SMTP 552 5.3.4 Message too big (refused at DATA)', []],
    ['a 550 at RCPT TO', 550, { text: '5.1.1 <hr@acme.test>: mailbox unavailable', at: 'RCPT TO' }, 'SMTP 550 5.1.1 <hr@acme.test>: mailbox unavailable (refused at RCPT TO)', ['hr@acme.test']],
  ])('R-NOT-01 R-OPS-02 a report refused for good (%s) is dead-lettered on its first delivery, SMTP_REFUSED with the reply, and logged failed', async (_, code, refusal, reason, refusedRecipients) => {
    mail.sink.failNext(1, code, refusal);
    const run = await finishRun(['hr@acme.test']);
    const dead = await mail.deadLetterOf(run.sequence);
    expect(dead).toEqual({ consumer: 'notifier-run-finished', subject: `roster.runs.${TENANT}.run.finished.v1`, streamSequence: run.sequence, deliveries: 1, code: 'SMTP_REFUSED', reason });

    // What an operator lists and redrives (ROSTER_DLQ), and the notification log: one attempt, failed with the reply.
    const stored = await (await mail.nc.jetstreamManager()).streams.getMessage('ROSTER_DLQ', { last_by_subj: 'roster.dlq.notifier.notifier-run-finished' });
    expect(stored.header.get(DLQ_HEADERS.msgId)).toBe(run.eventId);
    expect(stored.header.get(DLQ_HEADERS.deliveries)).toBe('1');
    expect(stored.header.get(DLQ_HEADERS.code)).toBe('SMTP_REFUSED');
    expect(stored.header.get(DLQ_HEADERS.reason)).toBe(reason);
    expect(await mail.logRow(run.eventId)).toMatchObject({ status: 'failed', attempts: 1, lastError: reason, refusedRecipients, sentAt: null });
    expect(mailsOf(run)).toEqual([]);
  });

  it('R-NOT-01 R-OPS-02 a report the SMTP server defers (451, twice) is retried with backoff and mailed once it clears, never dead-lettered', async () => {
    mail.sink.failNext(2, 451, { text: '4.3.0 Try again later' });
    const run = await finishRun(['hr@acme.test']);
    const sent = await mail.sink.waitForMail((m) => m.subject.includes(run.fileName), 15_000);
    expect(sent.to).toEqual(['hr@acme.test']);
    // Delivered three times: two refused, the third sent.
    expect(await mail.sentRow(run.eventId)).toMatchObject({ attempts: 3, lastError: 'Message failed: 451 4.3.0 Try again later', refusedRecipients: [] });
    expect(mail.deadLetters.filter((d) => d.streamSequence === run.sequence)).toEqual([]);
    expect(mailsOf(run)).toHaveLength(1);
  });

  it('R-NOT-01 R-OPS-02 a report that fails every delivery (451 each time) is dead-lettered MAX_DELIVERIES after the last one and logged failed with the last error', async () => {
    mail.sink.failNext(MAX_DELIVER, 451, { text: '4.3.0 Try again later' });
    const run = await finishRun(['hr@acme.test']);
    expect(await mail.deadLetterOf(run.sequence)).toMatchObject({ deliveries: MAX_DELIVER, code: 'MAX_DELIVERIES' });
    // The row is written before the transport dead-letters the event: it is final by the time the letter exists.
    expect(await mail.logRow(run.eventId)).toMatchObject({ status: 'failed', attempts: MAX_DELIVER, lastError: 'Message failed: 451 4.3.0 Try again later', sentAt: null });
    expect(mailsOf(run)).toEqual([]);
  });

  it('R-OPS-02 R-NOT-01 redriving the dead letter of a refused report, once the server takes it, mails it and moves the log row from failed to sent', async () => {
    mail.sink.failNext(1, 554, { text: '5.7.1 Rejected by policy' });
    const run = await finishRun(['hr@acme.test']);
    await mail.deadLetterOf(run.sequence);
    expect(await mail.logRow(run.eventId)).toMatchObject({ status: 'failed', lastError: 'SMTP 554 5.7.1 Rejected by policy (refused at DATA)' });

    const letter = await mail.redriveLast();
    expect(letter.header.get(DLQ_HEADERS.msgId)).toBe(run.eventId);
    expect((await mail.sink.waitForMail((m) => m.subject.includes(run.fileName), 15_000)).to).toEqual(['hr@acme.test']);
    expect(await mail.sentRow(run.eventId)).toMatchObject({ attempts: 2, sentAt: expect.any(Date) });
    expect(mailsOf(run)).toHaveLength(1);
  });

  it('R-NOT-01 a report some of whose recipients the server refuses is mailed to the others and logged sent with the refused recipients and the reply', async () => {
    // The first RCPT TO is refused for good, the second accepted: nodemailer sends to the one it took.
    mail.sink.failNext(1, 550, { text: '5.1.1 <gone@acme.test>: mailbox unavailable', at: 'RCPT TO' });
    const run = await finishRun(['gone@acme.test', 'hr@acme.test']);
    expect((await mail.sink.waitForMail((m) => m.subject.includes(run.fileName), 15_000)).envelope.rcptTo).toEqual(['hr@acme.test']);
    expect(await mail.sentRow(run.eventId)).toMatchObject({
      attempts: 1,
      recipients: ['gone@acme.test', 'hr@acme.test'],
      refusedRecipients: ['gone@acme.test'],
      lastError: 'gone@acme.test: SMTP 550 5.1.1 <gone@acme.test>: mailbox unavailable (refused at RCPT TO)',
    });
    expect(mail.deadLetters.filter((d) => d.streamSequence === run.sequence)).toEqual([]);
  });

  it('R-NOT-01 a report the server takes is logged sent, and stays sent (one mail) when its event comes again', async () => {
    const run = await finishRun(['hr@acme.test', 'it@acme.test']);
    expect((await mail.sink.waitForMail((m) => m.subject.includes(run.fileName), 15_000)).envelope.rcptTo).toEqual(['hr@acme.test', 'it@acme.test']);
    const sent = await mail.sentRow(run.eventId);
    expect(sent).toMatchObject({ attempts: 1, lastError: null, refusedRecipients: [], sentAt: expect.any(Date) });

    // The same event again (a replay or redrive): nothing more is sent. The consumer handles one message at a time,
    // so once the next run's mail is in, the repeat has been handled.
    const stored = await (await mail.nc.jetstreamManager()).streams.getMessage('ROSTER_RUNS', { seq: run.sequence });
    await mail.republish(stored.subject, stored, `again:${run.eventId}`);
    const next = await finishRun(['hr@acme.test']);
    await mail.sink.waitForMail((m) => m.subject.includes(next.fileName), 15_000);
    expect(await mail.logRow(run.eventId)).toMatchObject({ status: 'sent', attempts: 1, sentAt: sent.sentAt });
    expect(mailsOf(run)).toHaveLength(1);
  });
});
