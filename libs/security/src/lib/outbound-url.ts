import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF guard for URLs a tenant admin types in (an HR API base URL): https only, no credentials in the URL,
 * and never an address inside our network — loopback, private, link-local (cloud metadata at 169.254.169.254),
 * carrier-grade NAT, unspecified, multicast or reserved. Loopback over http is allowed only behind an explicit
 * setting (local emulators in tests). Redirects are the caller's to refuse (fetch with `redirect: 'manual'`).
 */
export interface OutboundUrlPolicy {
  /** Allow http:// and https:// to 127.0.0.0/8, ::1 and `localhost` (tests and local emulators only). */
  allowLoopback: boolean;
}

export type OutboundUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}

const bare = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

function mappedV4(address: string): string | undefined {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1];
}

/** Why an IP address may not be reached, or undefined when it is a public address (or allowed loopback). */
export function addressRefusal(address: string, policy: OutboundUrlPolicy): string | undefined {
  const v4 = mappedV4(address);
  const ip = v4 ?? address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (loopback.check(ip, family)) return policy.allowLoopback ? undefined : `${address} is a loopback address`;
  if (internal.check(ip, family)) return `${address} is a private, link-local or reserved address`;
  return undefined;
}

/** Checks a URL's form and, when its host is an IP literal, the address; no DNS (config time). */
export function checkOutboundUrl(raw: string, policy: OutboundUrlPolicy): OutboundUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'a URL may not carry credentials' };
  const host = bare(url.hostname).toLowerCase();
  const isLoopbackName = host === 'localhost' || host.endsWith('.localhost');
  if (isLoopbackName && !policy.allowLoopback) return { ok: false, reason: `${host} is a loopback host` };
  const literal = isIP(host) !== 0;
  const refusal = literal ? addressRefusal(host, policy) : undefined;
  if (refusal) return { ok: false, reason: refusal };
  const loop = isLoopbackName || (literal && addressRefusal(host, { allowLoopback: false }) !== undefined);
  if (url.protocol === 'https:') return { ok: true, url };
  if (url.protocol === 'http:' && policy.allowLoopback && loop) return { ok: true, url };
  return { ok: false, reason: `the scheme must be https (got ${url.protocol.replace(/:$/, '')})` };
}

/**
 * The same checks plus every address the host resolves to (connect time). A name that resolves to an internal
 * address is refused; a resolver that answers differently a moment later (DNS rebinding) is a residual risk
 * that an egress proxy closes.
 */
export async function resolveOutboundUrl(raw: string, policy: OutboundUrlPolicy): Promise<OutboundUrlCheck> {
  const checked = checkOutboundUrl(raw, policy);
  if (!checked.ok) return checked;
  const host = bare(checked.url.hostname);
  if (isIP(host) !== 0) return checked;
  const addresses = await lookup(host, { all: true, verbatim: true });
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, policy);
    if (refusal) return { ok: false, reason: `${host} resolves to ${refusal}` };
  }
  return checked;
}
