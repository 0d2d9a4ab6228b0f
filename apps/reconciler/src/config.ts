import { z } from 'zod';
import { envField } from '@roster/observability';
import { BaseServiceConfig } from '@roster/platform';

export const ReconcilerConfig = BaseServiceConfig.extend({
  /** R-CSV-10: how often each replica looks for users whose deactivation date has passed. */
  ROSTER_DEACTIVATION_INTERVAL_MS: envField.positiveInt().default(60_000),
});
export type ReconcilerConfig = z.infer<typeof ReconcilerConfig>;
