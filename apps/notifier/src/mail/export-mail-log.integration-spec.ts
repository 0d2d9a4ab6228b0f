import { EXPORTS_BUCKET, exportObjectName, filterOf } from '@roster/contracts';
import { DLQ_HEADERS, Outbox, OutboxRelay, outboxEvents } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { MailConsumer, startMailConsumer } from './mail-consumer.test-helpers';
import { NotifyExportReadyUseCase } from './notify-export-ready.usecase';

const TENANT = '7e1a0000-0000-4000-8000-0000000000e1';
/** Deliveries before the transport gives up: 2 here, so the case that fails every time takes a second. */
const MAX_DELIVER = 2;

/**
 * R-EXP-01 with R-OPS-02: export mails through the notifier's real consumer (JetStreamServer on a real nats-server,
 * the file in its object store, the notification log and outbox on real PostgreSQL, the test SMTP sink). The log row
 * of an export's mail ends `failed` with the reason when the notifier gives up on it, and `sent` (with
 * `export.mailed` in the outbox) once a redrive of the dead letter mails it.
 */
describe('export mails in the notification log (R-EXP-01, R-OPS-02)', () => {
  let mail: MailConsumer;

  beforeAll(async () => {
    mail = await startMailConsumer({
      label: 'notifier_export_log',
      consumer: { name: 'export-ready', stream: 'ROSTER_EXPORTS', filterSubject: filterOf('export.ready') },
      event: 'export.ready',
      maxDeliver: MAX_DELIVER,
      // The relay is never started: what the notifier committed stays in the outbox for the test to read.
      handler: ({ logged, orm, nc, publisher }) => {
        const notify = new NotifyExportReadyUseCase(logged, new Outbox('notifier'), new OutboxRelay(orm, publisher), nc);
        return (event, lastDelivery) => notify.execute(event, lastDelivery);
      },
    });
  }, 60_000);

  afterAll(() => mail?.stop());

  let exports = 0;
  /** Writes an export's file to the object store (unless `stored` is false) and announces it as the reconciler does. */
  const exportReady = async ({ stored = true } = {}) => {
    exports += 1;
    const exportId = `7e1a0000-0000-4000-8000-${String(exports).padStart(12, '0')}`;
    const objectName = exportObjectName(TENANT, exportId);
    const csv = `User Email\r\nann${exports}@acme.test\r\n`;
    if (stored) await (await mail.nc.jetstream().views.os(EXPORTS_BUCKET)).putBlob({ name: objectName }, new TextEncoder().encode(csv));
    const ack = await mail.publisher.publish(
      'export.ready',
      { exportId, email: 'admin@acme.test', bucket: EXPORTS_BUCKET, objectName, fileName: `users-export-${exports}.csv`, rowCount: 1, size: csv.length, digest: 'SHA-256=x', createdAt: new Date().toISOString() },
      { tenantId: TENANT, id: `${exportId}:ready` },
    );
    return { exportId, eventId: `${exportId}:ready`, sequence: ack.seq };
  };
  /** The `export.mailed` events the notifier committed for an export. */
  const mailedEvents = (exportId: string) =>
    sql(mail.orm.em.fork(), `select envelope->>'id' as id from ${outboxEvents(qualified(mail.orm, 'outbox'))} where envelope->'data'->>'exportId' = ?`, [exportId]);
  const mailsOf = (exportId: string) => mail.sink.messages.filter((m) => m.text.includes(exportId));

  it('R-EXP-01 R-OPS-02 an export mail the SMTP server refuses for good is dead-lettered SMTP_REFUSED and logged failed with the reply; nothing says mailed', async () => {
    mail.sink.failNext(1, 552, { text: '5.3.4 Message too big' });
    const ready = await exportReady();
    expect(await mail.deadLetterOf(ready.sequence)).toMatchObject({ deliveries: 1, code: 'SMTP_REFUSED' });
    expect(await mail.logRow(ready.eventId)).toMatchObject({ kind: 'export.ready', status: 'failed', attempts: 1, lastError: 'SMTP 552 5.3.4 Message too big (refused at DATA)', sentAt: null });
    expect(await mailedEvents(ready.exportId)).toEqual([]);
    expect(mailsOf(ready.exportId)).toEqual([]);
  });

  it('R-EXP-01 R-OPS-02 an export whose file is gone from the object store is dead-lettered EXPORT_MISSING and logged failed with the reason', async () => {
    const ready = await exportReady({ stored: false });
    expect(await mail.deadLetterOf(ready.sequence)).toMatchObject({ deliveries: 1, code: 'EXPORT_MISSING' });
    expect(await mail.logRow(ready.eventId)).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('is not in bucket roster-exports') });
  });

  it('R-EXP-01 R-OPS-02 an export mail that fails every delivery (451) is dead-lettered MAX_DELIVERIES and logged failed after the last one', async () => {
    mail.sink.failNext(MAX_DELIVER, 451, { text: '4.3.0 Try again later' });
    const ready = await exportReady();
    expect(await mail.deadLetterOf(ready.sequence)).toMatchObject({ deliveries: MAX_DELIVER, code: 'MAX_DELIVERIES' });
    expect(await mail.logRow(ready.eventId)).toMatchObject({ status: 'failed', attempts: MAX_DELIVER, lastError: 'Message failed: 451 4.3.0 Try again later' });
    expect(await mailedEvents(ready.exportId)).toEqual([]);
  });

  it('R-OPS-02 R-EXP-01 redriving the dead letter of a refused export mail mails it: the log row moves from failed to sent, with export.mailed in the outbox', async () => {
    mail.sink.failNext(1, 550, { text: '5.1.1 <admin@acme.test>: mailbox unavailable', at: 'RCPT TO' });
    const ready = await exportReady();
    await mail.deadLetterOf(ready.sequence);
    expect(await mail.logRow(ready.eventId)).toMatchObject({ status: 'failed', refusedRecipients: ['admin@acme.test'] });

    expect((await mail.redriveLast()).header.get(DLQ_HEADERS.msgId)).toBe(ready.eventId);
    const sent = await mail.sink.waitForMail((m) => m.text.includes(ready.exportId), 15_000);
    expect(sent.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/^users-export-\d+\.csv$/)]);
    expect(await mail.sentRow(ready.eventId)).toMatchObject({ attempts: 2, refusedRecipients: [], sentAt: expect.any(Date) });
    expect(await mailedEvents(ready.exportId)).toEqual([{ id: `${ready.exportId}:mailed` }]);
    expect(mailsOf(ready.exportId)).toHaveLength(1);
  });
});
