import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { NotificationEntity } from '../entities/notification.entity';
import { Mailer } from './mailer';

export interface LoggedMail {
  /** The event the mail is about: one mail per event, however often it is delivered. */
  eventId: string;
  tenantId: string;
  runId: string;
  kind: string;
  recipients: string[];
  subject: string;
  text: string;
}

/**
 * A mail per event, through the notification log: the log row is committed before sending and marked sent
 * after, so a redelivery sends only what was not sent (at-least-once: a crash between SMTP's 250 and the commit
 * can repeat one mail; it never loses one). No recipients: logged as skipped. Returns whether it sent now.
 */
@Injectable()
export class LoggedMailer {
  constructor(
    private readonly orm: MikroORM,
    private readonly mailer: Mailer,
  ) {}

  async send(mail: LoggedMail): Promise<boolean> {
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
        createdAt: new Date(),
        sentAt: null,
      });
      await em.flush();
      if (entry.status === 'skipped') return false;
    }
    entry.attempts += 1;
    try {
      await this.mailer.send({ to: mail.recipients, subject: mail.subject, text: mail.text });
    } catch (e) {
      entry.lastError = (e as Error).message;
      await em.flush();
      throw e;
    }
    entry.status = 'sent';
    entry.sentAt = new Date();
    await em.flush();
    return true;
  }
}
