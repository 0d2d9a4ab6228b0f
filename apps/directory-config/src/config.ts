import { z } from 'zod';
import { envField } from '@roster/observability';
import { BaseServiceConfig, RunRetentionConfig } from '@roster/platform';
import { trustProxyField } from './http/trust-proxy';
import { HRIS_BRIDGE_DEFAULT_HOSTS, allowedHostsEnv } from '@roster/security';

const bool = (fallback: 'true' | 'false') =>
  z.enum(['true', 'false'], { error: 'expected true or false' }).default(fallback).transform((v) => v === 'true');

const loopIntervalMs = envField.loopIntervalMs;

export const DirectoryConfigConfig = BaseServiceConfig.extend({
  /** 32 bytes, base64: seals directory secrets (AES-256-GCM). */
  ROSTER_SECRETS_KEY: envField.base64Key(32),
  /** R-SEC-01: earlier master keys, comma-separated base64; they only unwrap data keys, until a rotation re-wraps them. */
  ROSTER_SECRETS_PREVIOUS_KEYS: envField.base64Keys(32).default([]),
  /** The admin API key (sent as x-api-key). */
  ROSTER_API_KEY: envField.secret(16),
  /** R-SEC-02: admin API requests each key may make per second (a token bucket per key and replica)… */
  ROSTER_API_RATE_PER_SECOND: envField.positiveInt().default(50),
  /** …and at once. */
  ROSTER_API_RATE_BURST: envField.positiveInt().default(200),
  /**
   * R-SEC-02: the proxies whose X-Forwarded-For names the client (failed authentication is counted per client address
   * and targeted key): false (default), a hop count, or their addresses (IP, IP/bits, loopback, linklocal, uniquelocal).
   */
  ROSTER_TRUST_PROXY: trustProxyField().default(false),
  /** R-DIR-04: milliseconds between scheduler ticks in each replica; 0 disables the loop (POST /v1/scheduler/tick still ticks). */
  ROSTER_SCHEDULER_INTERVAL_MS: loopIntervalMs().default(30_000),
  /**
   * R-EVT-02: inbound employee events per micro-batch run, at most (per tenant and directory). The inbound consumer
   * holds twice this many events (one batch filling, one committing), a few KB of live heap each since the transport
   * batches them (peak heap 84 MB against 48 MB idle in a 50k-event burst; bench/README.md). The reconciler applies the
   * runs of one directory one at a time, and each run has fixed costs (its temporary tables, custom field scan,
   * statistics, lifecycle events): 5000 against 2500 measured a median of 5 276 against 4 864 events/s (7 and 9 runs,
   * 2026-12-07), the apply 5.6 s against 6.7 s for 50k.
   */
  ROSTER_INBOUND_BATCH_MAX: envField.positiveInt().default(5000),
  /** R-EVT-02: how long a micro-batch collects events after its first one, in milliseconds. */
  ROSTER_INBOUND_WINDOW_MS: envField.positiveInt().default(500),
  /**
   * R-EVT-02: milliseconds between prunes of the inbound consumer's inbox rows older than ROSTER_INBOUND's retention
   * and a day, in each replica (and one at start); 0 disables the loop (the rows are then kept).
   */
  ROSTER_INBOX_PRUNE_INTERVAL_MS: loopIntervalMs().default(3_600_000),
  ...RunRetentionConfig,
  /** Accept http:// HR API base URLs on loopback (local emulators in tests); never in production (SSRF guard). */
  ROSTER_HRIS_ALLOW_LOOPBACK: bool('false'),
  /**
   * Issue 8 (SSRF): the only hosts an HR API base URL may name — comma-separated `host` or `host:port` — since the
   * installation-wide bridge key goes with every request. Default: the bridge provider's own API hosts.
   */
  ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS: allowedHostsEnv(HRIS_BRIDGE_DEFAULT_HOSTS),
});
export type DirectoryConfigConfig = z.infer<typeof DirectoryConfigConfig>;
