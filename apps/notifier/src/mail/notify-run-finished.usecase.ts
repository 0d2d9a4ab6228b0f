import { Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { NotificationEntity } from '../entities/notification.entity';
import { Mailer } from './mailer';
import { runReport } from './run-report';

/**
 * Mails the directory's recipients when a run ends. The log row is committed before sending and marked sent
 * after, so a redelivery sends only what was not sent (at-least-once: a crash between SMTP's 250 and the
 * commit can repeat one mail; it never loses one).
 */
@Injectable()
export class NotifyRunFinishedUseCase {
  private readonly logger = new Logger(NotifyRunFinishedUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly mailer: Mailer,
  ) {}

  async execute(event: CloudEvent<PayloadOf<'run.finished'>>): Promise<void> {
    const run = event.data;
    const report = runReport(run);
    const em = this.orm.em.fork();
    let entry = await em.findOne(NotificationEntity, { eventId: event.id });
    if (entry?.status === 'sent' || entry?.status === 'skipped') return;
    if (!entry) {
      entry = em.create(NotificationEntity, {
        eventId: event.id,
        tenantId: event.tenantid,
        runId: run.runId,
        kind: 'run.finished',
        recipients: run.notify.recipients,
        subject: report.subject,
        status: run.notify.recipients.length ? 'pending' : 'skipped',
        attempts: 0,
        lastError: null,
        createdAt: new Date(),
        sentAt: null,
      });
      await em.flush();
      if (entry.status === 'skipped') return;
    }
    entry.attempts += 1;
    try {
      await this.mailer.send({ to: run.notify.recipients, ...report });
    } catch (e) {
      entry.lastError = (e as Error).message;
      await em.flush();
      throw e;
    }
    entry.status = 'sent';
    entry.sentAt = new Date();
    await em.flush();
    this.logger.log({ tenantId: event.tenantid, directoryId: run.directoryId, runId: run.runId, recipients: run.notify.recipients.length }, 'run report mailed');
  }
}
