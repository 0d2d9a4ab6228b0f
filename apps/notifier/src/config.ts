import { z } from 'zod';
import { envField } from '@roster/observability';
import { BaseServiceConfig, RunRetentionConfig } from '@roster/platform';

export const NotifierConfig = BaseServiceConfig.extend({
  /** smtp://[user:pass@]host:port or smtps://…; credentials in the URL are never logged. */
  ROSTER_SMTP_URL: envField.url(['smtp', 'smtps']),
  ROSTER_MAIL_FROM: z.string().email().default('roster@localhost'),
  ...RunRetentionConfig,
});
export type NotifierConfig = z.infer<typeof NotifierConfig>;
