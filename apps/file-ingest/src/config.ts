import { z } from 'zod';
import { envField } from '@roster/observability';
import { BaseServiceConfig } from '@roster/platform';

export const FileIngestConfig = BaseServiceConfig.extend({
  /** The same key directory-config seals SFTP secrets with (32 bytes, base64). */
  ROSTER_SECRETS_KEY: envField.base64Key(32),
  /** Employees per record batch on the bus. */
  ROSTER_BATCH_SIZE: envField.positiveInt().default(1000),
});
export type FileIngestConfig = z.infer<typeof FileIngestConfig>;
