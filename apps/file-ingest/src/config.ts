import { z } from 'zod';
import { envField } from '@roster/observability';
import { BaseServiceConfig } from '@roster/platform';

export const FileIngestConfig = BaseServiceConfig.extend({
  /** The same key directory-config seals SFTP secrets with (32 bytes, base64). */
  ROSTER_SECRETS_KEY: envField.base64Key(32),
  /** R-SEC-01: earlier master keys (comma-separated base64) that still open secrets during a rotation. */
  ROSTER_SECRETS_PREVIOUS_KEYS: envField.base64Keys(32).default([]),
  /** Employees per record batch on the bus. */
  ROSTER_BATCH_SIZE: envField.positiveInt().default(1000),
  /** R-SAFE-02: a larger file is refused before it is read (default 200 MiB). */
  ROSTER_MAX_FILE_BYTES: envField.positiveInt().default(200 * 1024 * 1024),
});
export type FileIngestConfig = z.infer<typeof FileIngestConfig>;
