import { Inject, Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { MikroORM } from '@mikro-orm/postgresql';
import type { NatsConnection } from 'nats';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { Outbox, OutboxRelay, PermanentError } from '@roster/messaging';
import { NATS_CONNECTION } from '@roster/platform';
import { NotificationEntity } from '../entities/notification.entity';
import { exportMail } from './export-mail';
import { Mailer } from './mailer';

/**
 * R-EXP-01: mails an export to the admin who asked for it, the file attached as a stream from the object
 * store. One mail per export: the notification log row (keyed by the `export.ready` event id, which is derived
 * from the export id) is committed before sending and marked sent after, as for run reports, together with
 * `export.mailed` in the outbox (the export's status).
 */
@Injectable()
export class NotifyExportReadyUseCase {
  private readonly logger = new Logger(NotifyExportReadyUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly mailer: Mailer,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async execute(event: CloudEvent<PayloadOf<'export.ready'>>): Promise<void> {
    const ready = event.data;
    // R-TEN-01: an export object lives under its tenant; an event naming another tenant's file is refused.
    if (!ready.objectName.startsWith(`${event.tenantid}/`)) {
      throw new PermanentError(`export ${ready.exportId}: object ${ready.objectName} is not the tenant's`, 'EXPORT_OTHER_TENANT');
    }
    const mail = exportMail(ready);
    const em = this.orm.em.fork();
    let entry = await em.findOne(NotificationEntity, { eventId: event.id });
    if (entry?.status === 'sent') return;
    if (!entry) {
      entry = em.create(NotificationEntity, {
        eventId: event.id,
        tenantId: event.tenantid,
        runId: null,
        kind: 'export.ready',
        recipients: [ready.email],
        subject: mail.subject,
        status: 'pending',
        attempts: 0,
        lastError: null,
        createdAt: new Date(),
        sentAt: null,
      });
      await em.flush();
    }
    entry.attempts += 1;
    try {
      const store = await this.nc.jetstream().views.os(ready.bucket);
      const object = await store.get(ready.objectName);
      if (!object) {
        throw new PermanentError(`export ${ready.exportId}: ${ready.objectName} is not in bucket ${ready.bucket} (expired?)`, 'EXPORT_MISSING');
      }
      const content = Readable.fromWeb(object.data as unknown as WebReadableStream<Uint8Array>);
      await this.mailer.send({
        to: [ready.email],
        ...mail,
        attachments: [{ filename: ready.fileName, contentType: 'text/csv; charset=utf-8', content }],
      });
      const failure = await object.error;
      if (failure) this.logger.warn({ tenantId: event.tenantid, exportId: ready.exportId, error: failure.message }, 'export read back with an error');
    } catch (e) {
      entry.lastError = (e as Error).message;
      await em.flush();
      throw e;
    }
    entry.status = 'sent';
    entry.sentAt = new Date();
    // The export's status (directory-config) learns it is mailed from `export.mailed`, committed with `sent`.
    const sent = entry;
    await em.transactional(async (tx) => {
      tx.persist(sent);
      await this.outbox.add(
        tx,
        'export.mailed',
        { exportId: ready.exportId, email: ready.email, rowCount: ready.rowCount, mailedAt: sent.sentAt?.toISOString() ?? new Date().toISOString() },
        { tenantId: event.tenantid, id: `${ready.exportId}:mailed` },
      );
    });
    this.relay.kick();
    this.logger.log({ tenantId: event.tenantid, exportId: ready.exportId, rows: ready.rowCount, size: ready.size }, 'export mailed');
  }
}
