import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { isFinalFailure } from '@roster/messaging';
import { NotificationEntity } from '../entities/notification.entity';
import { MailAttachment, MailReceipt, Mailer } from './mailer';
import { refusedRecipients } from './smtp-failure';

export interface LoggedMail {
  /** The event the mail is about: one mail per event, however often it is delivered. */
  eventId: string;
  tenantId: string;
  runId: string | null;
  kind: string;
  recipients: string[];
  subject: string;
  text: string;
  /** Read on each attempt, just before sending (an export's file from the object store); a throw fails the attempt. */
  attachments?: () => Promise<MailAttachment[]>;
  /** Written in the transaction that logs the mail sent (an export's `export.mailed`, in the outbox). */
  onSent?: (tx: EntityManager, sentAt: Date) => Promise<void>;
}

/**
 * A mail per event, through the notification log: the log row is committed before sending and marked sent
 * after, so a redelivery sends only what was not sent (at-least-once: a crash between SMTP's 250 and the commit
 * can repeat one mail; it never loses one). No recipients: logged as skipped. Returns whether it sent now.
 *
 * A failed attempt is logged with its error before the event's handler fails: `failed` when the transport will
 * dead-letter the event for it (a `PermanentError` such as SMTP_REFUSED, or any failure of the last allowed
 * delivery), `pending` when it will deliver it again. A failed mail is tried again when its event comes back (a
 * redrive of the dead letter), and logged sent or failed by that attempt.
 */
@Injectable()
export class LoggedMailer {
  private readonly logger = new Logger(LoggedMailer.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly mailer: Mailer,
  ) {}

  /** `lastDelivery`: the transport gives up on the event if this attempt fails (`JetStreamContext.lastDelivery`). */
  async send(mail: LoggedMail, lastDelivery: boolean): Promise<boolean> {
    const em = this.orm.em.fork();
    let entry = await em.findOne(NotificationEntity, { eventId: mail.eventId });
    if (entry?.status === 'sent' || entry?.status === 'skipped') return false;
    if (!entry) {
      entry = em.create(NotificationEntity, {
        eventId: mail.eventId,
        tenantId: mail.tenantId,
        runId: mail.runId,
        kind: mail.kind,
        recipients: mail.recipients,
        subject: mail.subject,
        status: mail.recipients.length ? 'pending' : 'skipped',
        attempts: 0,
        lastError: null,
        refusedRecipients: [],
        createdAt: new Date(),
        sentAt: null,
      });
      await em.flush();
      if (entry.status === 'skipped') return false;
    }
    entry.attempts += 1;
    let receipt: MailReceipt;
    try {
      const attachments = await mail.attachments?.();
      receipt = await this.mailer.send({ to: mail.recipients, subject: mail.subject, text: mail.text, ...(attachments ? { attachments } : {}) });
    } catch (e) {
      // The transport's rule (JetStreamServer.onFailure), so the row is final before the dead letter is written.
      entry.status = isFinalFailure(e, lastDelivery) ? 'failed' : 'pending';
      entry.lastError = (e as Error).message;
      entry.refusedRecipients = refusedRecipients(e).map((r) => r.address);
      await em.flush();
      throw e;
    }
    const sentAt = new Date();
    entry.status = 'sent';
    entry.sentAt = sentAt;
    entry.refusedRecipients = receipt.refused.map((r) => r.address);
    if (receipt.refused.length) {
      entry.lastError = receipt.refused.map((r) => `${r.address}: ${r.reply}`).join('; ');
      this.logger.warn({ tenantId: mail.tenantId, runId: mail.runId, eventId: mail.eventId, refused: entry.refusedRecipients }, 'mail sent; the SMTP server refused some recipients');
    }
    const sent = entry;
    await em.transactional(async (tx) => {
      tx.persist(sent);
      await mail.onSent?.(tx, sentAt);
    });
    return true;
  }
}
