import { EntitySchema } from '@mikro-orm/core';

/**
 * What became of a mail: `pending` while it is being tried (the event is delivered again), `sent` once the server
 * took it, `skipped` when it had no recipients, `failed` once the notifier gave up on it (refused for good, or the
 * last allowed delivery failed) and dead-lettered its event; a redrive of that dead letter tries it again.
 */
export type NotificationStatus = 'pending' | 'sent' | 'skipped' | 'failed';

/** One mail per triggering event: the log is the mail queue (nodemailer keeps none) and the dedup key. */
export interface Notification {
  eventId: string;
  tenantId: string;
  runId: string | null;
  kind: string;
  recipients: string[];
  subject: string;
  status: NotificationStatus;
  attempts: number;
  /** The last attempt's failure (on `failed`, why the notifier gave up), or the replies of the refused recipients. */
  lastError: string | null;
  /** The recipients the SMTP server refused (RCPT TO) on the last attempt; a mail `sent` went to the others. */
  refusedRecipients: string[];
  createdAt: Date;
  sentAt: Date | null;
}

export const NotificationEntity = new EntitySchema<Notification>({
  name: 'Notification',
  tableName: 'notifications',
  // createdAt: run history retention deletes the oldest settled mails first (PruneNotificationsUseCase).
  indexes: [{ properties: ['tenantId', 'runId'] }, { properties: ['createdAt'] }],
  properties: {
    eventId: { type: 'text', primary: true },
    tenantId: { type: 'uuid' },
    runId: { type: 'uuid', nullable: true },
    kind: { type: 'text' },
    recipients: { type: 'json' },
    subject: { type: 'text' },
    status: { type: 'text' },
    attempts: { type: 'integer', default: 0 },
    lastError: { type: 'text', nullable: true },
    refusedRecipients: { type: 'json', defaultRaw: `'[]'` },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    sentAt: { type: 'datetime', nullable: true },
  },
});
