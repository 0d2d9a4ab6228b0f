import { z } from 'zod';

/**
 * The HRIS bridge's own API hosts — Merge's US, EU and APAC regions (docs.merge.dev; the official client's
 * environments name api.merge.dev and api-eu.merge.dev) — the default allow-list of HR API base URLs. Its sandbox
 * (api-sandbox.merge.dev) is left out: an operator who wants it lists it.
 */
export const HRIS_BRIDGE_DEFAULT_HOSTS: readonly string[] = ['api.merge.dev', 'api-eu.merge.dev', 'api-ap.merge.dev'];

const ENTRY = /^(\[[0-9a-f:.]+\]|[^\s:/?#@[\]\\*]+)(?::(\d{1,5}))?$/i;

/**
 * An allow-list entry — `host` or `host:port`, IPv6 in brackets — in the form a URL's hostname takes (lower case,
 * IDNA, IPv4 and IPv6 normalised), so `isAllowedHost` compares strings; undefined when it is not one (a scheme,
 * path, credentials or wildcard).
 */
export function canonicalHost(entry: string): string | undefined {
  const m = ENTRY.exec(entry.trim());
  if (!m) return undefined;
  let hostname: string;
  try {
    const url = new URL(`https://${m[1]}`);
    if (url.pathname !== '/' || url.search || url.hash) return undefined;
    hostname = url.hostname;
  } catch {
    return undefined;
  }
  if (m[2] === undefined) return hostname;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? `${hostname}:${port}` : undefined;
}

/**
 * An environment variable holding an allow-list: comma-separated `host` or `host:port` entries, at least one;
 * unset is `defaults`. Parses to the canonical entries.
 */
export const allowedHostsEnv = (defaults: readonly string[]) =>
  z
    .string()
    .default(defaults.join(','))
    .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean))
    .superRefine((entries, ctx) => {
      if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one host (comma-separated host or host:port)' });
      for (const entry of entries) {
        if (canonicalHost(entry) === undefined) ctx.addIssue({ code: 'custom', message: `"${entry}" is not a host or host:port (no scheme, path or wildcard)` });
      }
    })
    .transform((entries) => [...new Set(entries.map((e) => canonicalHost(e) as string))]);
