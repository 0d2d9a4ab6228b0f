import { Inject, Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { NatsConnection, ObjectResult } from 'nats';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { Outbox, OutboxRelay, PermanentError } from '@roster/messaging';
import { NATS_CONNECTION } from '@roster/platform';
import { exportMail } from './export-mail';
import { LoggedMailer } from './logged-mailer';

/**
 * R-EXP-01: mails an export to the admin who asked for it, the file attached as a stream from the object
 * store. One mail per export through the notification log (keyed by the `export.ready` event id, which is derived
 * from the export id), as for run reports: marked sent together with `export.mailed` in the outbox (the export's
 * status), or failed when the notifier gives up on it.
 */
@Injectable()
export class NotifyExportReadyUseCase {
  private readonly logger = new Logger(NotifyExportReadyUseCase.name);

  constructor(
    private readonly mail: LoggedMailer,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  /** `lastDelivery`: the transport gives up on the event if this attempt fails (the mail is then logged failed). */
  async execute(event: CloudEvent<PayloadOf<'export.ready'>>, lastDelivery: boolean): Promise<void> {
    const ready = event.data;
    // R-TEN-01: an export object lives under its tenant; an event naming another tenant's file is refused.
    if (!ready.objectName.startsWith(`${event.tenantid}/`)) {
      throw new PermanentError(`export ${ready.exportId}: object ${ready.objectName} is not the tenant's`, 'EXPORT_OTHER_TENANT');
    }
    let object: ObjectResult | undefined;
    const sent = await this.mail.send(
      {
        eventId: event.id,
        tenantId: event.tenantid,
        runId: null,
        kind: 'export.ready',
        recipients: [ready.email],
        ...exportMail(ready),
        attachments: async () => {
          const store = await this.nc.jetstream().views.os(ready.bucket);
          object = (await store.get(ready.objectName)) ?? undefined;
          if (!object) {
            throw new PermanentError(`export ${ready.exportId}: ${ready.objectName} is not in bucket ${ready.bucket} (expired?)`, 'EXPORT_MISSING');
          }
          const content = Readable.fromWeb(object.data as unknown as WebReadableStream<Uint8Array>);
          return [{ filename: ready.fileName, contentType: 'text/csv; charset=utf-8', content }];
        },
        // The export's status (directory-config) learns it is mailed from `export.mailed`, committed with `sent`.
        onSent: (tx, sentAt) =>
          this.outbox.add(
            tx,
            'export.mailed',
            { exportId: ready.exportId, email: ready.email, rowCount: ready.rowCount, mailedAt: sentAt.toISOString() },
            { tenantId: event.tenantid, id: `${ready.exportId}:mailed` },
          ),
      },
      lastDelivery,
    );
    if (!sent) return;
    this.relay.kick();
    const failure = await object?.error;
    if (failure) this.logger.warn({ tenantId: event.tenantid, exportId: ready.exportId, error: failure.message }, 'export read back with an error');
    this.logger.log({ tenantId: event.tenantid, exportId: ready.exportId, rows: ready.rowCount, size: ready.size }, 'export mailed');
  }
}
