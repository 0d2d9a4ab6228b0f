import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF guard for URLs a tenant admin types in (an HR API base URL). Two independent checks, both must pass:
 * - an allow-list: the host (and port, when the entry names one) is one the operator configured — for HR API
 *   base URLs the bridge provider's own API hosts (`allowed-hosts.ts`), so the installation's bridge key is never
 *   sent anywhere else;
 * - a deny-list: https only, no credentials in the URL, and never an address inside our network — loopback,
 *   private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unspecified, multicast or reserved,
 *   also when written as an IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4). Loopback over
 *   http is allowed only behind an explicit setting (local emulators in tests).
 * Redirects are the caller's to refuse (fetch with `redirect: 'manual'`).
 */
export interface OutboundUrlPolicy {
  /** Allow http:// and https:// to 127.0.0.0/8, ::1 and `localhost` (tests and local emulators only). */
  allowLoopback: boolean;
  /**
   * The only hosts a URL may name, in canonical form (`canonicalHost`): `host` (any port) or `host:port`.
   * Required, so a caller cannot forget it; an empty list refuses every URL.
   */
  allowedHosts: readonly string[];
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
  // RFC 8215 local-use NAT64: translates to whatever IPv4 network the operator chose, internal ones included.
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // Teredo hides the client's IPv4 address (XOR-ed); nothing legitimate is an HR API there.
  ['2001::', 32],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}

const bare = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 and a zone id allowed); undefined if not one. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '').toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const groups = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

const v4Of = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/**
 * The IPv4 address an IPv6 address stands for, where it reaches one: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
 * (::a.b.c.d), NAT64 well-known prefix (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::/48).
 */
export function embeddedIPv4(address: string): string | undefined {
  if (isIP(address) === 4) return undefined;
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4Of(g[6], g[7]);
  // ::a.b.c.d, but not :: and ::1 (the unspecified and loopback addresses of IPv6 itself).
  if (zeros(0, 6) && (g[6] !== 0 || g[7] > 1)) return v4Of(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4Of(g[6], g[7]);
  if (g[0] === 0x2002) return v4Of(g[1], g[2]);
  return undefined;
}

/** Why an IP address may not be reached, or undefined when it is a public address (or allowed loopback). */
export function addressRefusal(address: string, policy: Pick<OutboundUrlPolicy, 'allowLoopback'>): string | undefined {
  const ip = address.replace(/%.*$/, '');
  const v4 = embeddedIPv4(ip);
  const [checked, family] = v4 ? [v4, 'ipv4' as const] : [ip, isIP(ip) === 6 ? ('ipv6' as const) : ('ipv4' as const)];
  const via = v4 ? ` (${v4})` : '';
  if (loopback.check(checked, family)) return policy.allowLoopback ? undefined : `${address}${via} is a loopback address`;
  if (internal.check(checked, family)) return `${address}${via} is a private, link-local or reserved address`;
  return undefined;
}

const DEFAULT_PORTS: Record<string, number> = { 'https:': 443, 'http:': 80 };

/** Whether the URL's host (and port) is on the allow-list: an entry `host` allows any port, `host:port` that one. */
export function isAllowedHost(url: URL, allowedHosts: readonly string[]): boolean {
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
  return allowedHosts.includes(url.hostname) || allowedHosts.includes(`${url.hostname}:${port}`);
}

/** Checks a URL's form, its host against the allow-list and, when the host is an IP literal, the address; no DNS (config time). */
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
  if (!isAllowedHost(url, policy.allowedHosts)) {
    const allowed = policy.allowedHosts.length ? `allowed: ${policy.allowedHosts.join(', ')}` : 'no host is allowed';
    return { ok: false, reason: `${url.host} is not an allowed host (${allowed})` };
  }
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
