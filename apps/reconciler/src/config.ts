import { z } from 'zod';
import { envField } from '@roster/observability';
import { BaseServiceConfig, RunRetentionConfig } from '@roster/platform';

export const ReconcilerConfig = BaseServiceConfig.extend({
  /** R-CSV-10: how often each replica looks for users whose deactivation date has passed. */
  ROSTER_DEACTIVATION_INTERVAL_MS: envField.positiveInt().default(60_000),
  /**
   * Tenants whose runs a replica applies at once (the records consumer's lanes: one tenant's messages one at a time,
   * in order). 1 is the old single line, where a tenant's long apply held back every other tenant's runs on the
   * replica; each lane at work can take an apply's memory and a database connection.
   */
  ROSTER_RECORDS_LANES: envField.positiveInt().default(2),
  ...RunRetentionConfig,
});
export type ReconcilerConfig = z.infer<typeof ReconcilerConfig>;
