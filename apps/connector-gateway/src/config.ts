import { z } from 'zod';
import { envField } from '@roster/observability';
import { BaseServiceConfig } from '@roster/platform';
import { HRIS_BRIDGE_DEFAULT_HOSTS, allowedHostsEnv } from '@roster/security';

const bool = (fallback: 'true' | 'false') =>
  z.enum(['true', 'false'], { error: 'expected true or false' }).default(fallback).transform((v) => v === 'true');

export const ConnectorGatewayConfig = BaseServiceConfig.extend({
  /** The same key directory-config seals account tokens with (32 bytes, base64). */
  ROSTER_SECRETS_KEY: envField.base64Key(32),
  /** R-SEC-01: earlier master keys (comma-separated base64) that still open secrets during a rotation. */
  ROSTER_SECRETS_PREVIOUS_KEYS: envField.base64Keys(32).default([]),
  /** The unified HRIS bridge's API key; without it hris-api runs fail with NOT_CONFIGURED. */
  ROSTER_HRIS_BRIDGE_API_KEY: envField.secret(8).optional(),
  /** Allow http:// base URLs on loopback (local emulators in tests); never in production. */
  ROSTER_HRIS_ALLOW_LOOPBACK: bool('false'),
  /**
   * Issue 8 (SSRF): the only hosts an HR API base URL may name — comma-separated `host` or `host:port` — since the
   * installation-wide bridge key goes with every request. Default: the bridge provider's own API hosts.
   */
  ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS: allowedHostsEnv(HRIS_BRIDGE_DEFAULT_HOSTS),
  /** R-API-02: tries per page (the first included) before a fetch is reported incomplete. */
  ROSTER_HRIS_RETRY_ATTEMPTS: envField.positiveInt().default(6),
  /** R-API-02: first backoff delay (doubles per try, capped at 30 s); a 429's Retry-After wins. */
  ROSTER_HRIS_RETRY_BASE_MS: envField.positiveInt().default(1000),
  /** R-API-02: `auto` runs (scheduled) fetch everything again once the last full fetch is this many days old. */
  ROSTER_HRIS_FULL_FETCH_DAYS: envField.positiveInt().default(7),
  /** Employees per record batch on the bus. */
  ROSTER_BATCH_SIZE: envField.positiveInt().default(1000),
});
export type ConnectorGatewayConfig = z.infer<typeof ConnectorGatewayConfig>;
