import { EntitySchema } from '@mikro-orm/core';

/** One mail per triggering event: the log is the mail queue (nodemailer keeps none) and the dedup key. */
export interface Notification {
  eventId: string;
  tenantId: string;
  runId: string | null;
  kind: string;
  recipients: string[];
  subject: string;
  status: 'pending' | 'sent' | 'skipped';
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export const NotificationEntity = new EntitySchema<Notification>({
  name: 'Notification',
  tableName: 'notifications',
  indexes: [{ properties: ['tenantId', 'runId'] }],
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
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    sentAt: { type: 'datetime', nullable: true },
  },
});
