import { z } from 'zod';
import { envField } from '@roster/observability';
import { BaseServiceConfig } from '@roster/platform';

export const DirectoryConfigConfig = BaseServiceConfig.extend({
  /** 32 bytes, base64: seals directory secrets (AES-256-GCM). */
  ROSTER_SECRETS_KEY: envField.base64Key(32),
  /** The admin API key (sent as x-api-key). */
  ROSTER_API_KEY: envField.secret(16),
});
export type DirectoryConfigConfig = z.infer<typeof DirectoryConfigConfig>;
