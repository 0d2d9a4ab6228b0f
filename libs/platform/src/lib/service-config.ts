import { z } from 'zod';
import { envField } from '@roster/observability';

/** Variables every service reads; each service extends this with its own (see its config.ts). */
export const BaseServiceConfig = z.object({
  ROSTER_DATABASE_URL: envField.url(['postgres', 'postgresql']),
  ROSTER_NATS_URL: envField.url(['nats', 'tls']),
  ROSTER_HTTP_PORT: envField.port(),
  ROSTER_HTTP_HOST: z.string().default('0.0.0.0'),
  ROSTER_LOG_LEVEL: envField.logLevel().default('info'),
  /** How long JetStream waits for an ack before redelivering (a crashed replica's message moves on after it). */
  ROSTER_ACK_WAIT_MS: envField.positiveInt().default(30_000),
  /** Deliveries of a failing message before it goes to the dead-letter stream. */
  ROSTER_MAX_DELIVER: envField.positiveInt().default(5),
  /** Apply pending migrations at start (a Kubernetes migration Job can run `migrate` instead and set this off). */
  ROSTER_MIGRATE: z.enum(['true', 'false'], { error: 'expected true or false' }).default('true').transform((v) => v === 'true'),
});
export type BaseServiceConfig = z.infer<typeof BaseServiceConfig>;

