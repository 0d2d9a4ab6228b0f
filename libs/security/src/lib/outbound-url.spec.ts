import { HRIS_BRIDGE_DEFAULT_HOSTS, allowedHostsEnv, canonicalHost } from './allowed-hosts';
import { addressRefusal, checkOutboundUrl, embeddedIPv4, resolveOutboundUrl } from './outbound-url';

// The deny-list cases name public hosts and literals on the allow-list, so only the deny-list can refuse them.
const allowedHosts = [...HRIS_BRIDGE_DEFAULT_HOSTS, '8.8.8.8', '127.0.0.1', '[::1]', 'localhost'];
const strict = { allowLoopback: false, allowedHosts };
const tests = { allowLoopback: true, allowedHosts };
const allowingEverything = (url: string) => ({ allowLoopback: false, allowedHosts: [new URL(url).hostname] });

describe('outbound URL guard (SSRF, R-API-01)', () => {
  it.each([
    ['http://api.merge.dev/api', 'the scheme must be https'],
    ['ftp://api.merge.dev/api', 'the scheme must be https'],
    ['https://user:pw@api.merge.dev/api', 'credentials'],
    ['https://169.254.169.254/latest/meta-data', 'private, link-local'],
    ['https://10.1.2.3/api', 'private'],
    ['https://172.20.0.1/api', 'private'],
    ['https://192.168.1.1/api', 'private'],
    ['https://[fe80::1]/api', 'private'],
    ['https://[fd00::1]/api', 'private'],
    ['https://[::ffff:169.254.169.254]/api', 'private'],
    ['https://0.0.0.0/api', 'private'],
    ['https://127.0.0.1/api', 'loopback'],
    ['https://[::1]/api', 'loopback'],
    ['https://localhost/api', 'loopback'],
    ['not a url', 'not an absolute URL'],
  ])('refuses %s', (url, reason) => {
    const check = checkOutboundUrl(url, strict);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toContain(reason);
  });

  it('accepts https URLs of allowed public hosts', () => {
    expect(checkOutboundUrl('https://api.merge.dev/api', strict).ok).toBe(true);
    expect(checkOutboundUrl('https://API-EU.Merge.dev/api', strict).ok).toBe(true);
    expect(checkOutboundUrl('https://8.8.8.8/api', strict).ok).toBe(true);
  });

  it('R-API-01 refuses a public host that is not on the allow-list, naming the allowed ones', () => {
    const policy = { allowLoopback: false, allowedHosts: HRIS_BRIDGE_DEFAULT_HOSTS };
    for (const url of ['https://hr.example.com/api', 'https://8.8.8.8/api', 'https://api.merge.dev.evil.test/api', 'https://evilapi.merge.dev/api']) {
      const check = checkOutboundUrl(url, policy);
      expect(check).toEqual({ ok: false, reason: `${new URL(url).host} is not an allowed host (allowed: api.merge.dev, api-eu.merge.dev, api-ap.merge.dev)` });
    }
    expect(checkOutboundUrl('https://api.merge.dev/api', { allowLoopback: false, allowedHosts: [] })).toMatchObject({ ok: false, reason: expect.stringContaining('no host is allowed') });
  });

  it('R-API-01 an entry with a port allows that port only; one without allows any', () => {
    const policy = { allowLoopback: true, allowedHosts: ['127.0.0.1:4010', 'api.merge.dev'] };
    expect(checkOutboundUrl('http://127.0.0.1:4010/api', policy).ok).toBe(true);
    expect(checkOutboundUrl('http://127.0.0.1:4011/api', policy)).toMatchObject({ ok: false, reason: expect.stringContaining('127.0.0.1:4011 is not an allowed host') });
    expect(checkOutboundUrl('https://api.merge.dev:8443/api', policy).ok).toBe(true);
    expect(checkOutboundUrl('https://api.merge.dev:443/api', { allowLoopback: false, allowedHosts: ['api.merge.dev:443'] }).ok).toBe(true);
    expect(checkOutboundUrl('https://api.merge.dev/api', { allowLoopback: false, allowedHosts: ['api.merge.dev:443'] }).ok).toBe(true);
    expect(checkOutboundUrl('https://api.merge.dev:444/api', { allowLoopback: false, allowedHosts: ['api.merge.dev:443'] }).ok).toBe(false);
  });

  it('allows loopback over http only behind the explicit setting, never private ranges', () => {
    expect(checkOutboundUrl('http://127.0.0.1:4010/api', tests).ok).toBe(true);
    expect(checkOutboundUrl('http://localhost:4010/api', tests).ok).toBe(true);
    expect(checkOutboundUrl('http://10.0.0.1/api', { ...tests, allowedHosts: ['10.0.0.1'] }).ok).toBe(false);
    expect(checkOutboundUrl('http://api.merge.dev/api', tests).ok).toBe(false);
  });

  it.each([
    // NAT64 (64:ff9b::/96), in both spellings, of cloud metadata, a private address and loopback
    ['64:ff9b::169.254.169.254', '169.254.169.254', 'private, link-local'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254', 'private, link-local'],
    ['64:ff9b::a00:1', '10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', '127.0.0.1', 'loopback'],
    // 6to4 (2002::/16): the IPv4 address is the 32 bits after the prefix
    ['2002:a9fe:a9fe::1', '169.254.169.254', 'private, link-local'],
    ['2002:c0a8:101::', '192.168.1.1', 'private'],
    ['2002:7f00:1::1', '127.0.0.1', 'loopback'],
    // IPv4-compatible (::a.b.c.d, deprecated but still parsed)
    ['::169.254.169.254', '169.254.169.254', 'private, link-local'],
    ['::a9fe:a9fe', '169.254.169.254', 'private, link-local'],
    ['::10.0.0.1', '10.0.0.1', 'private'],
    ['::127.0.0.1', '127.0.0.1', 'loopback'],
    // IPv4-mapped, hex form (what a URL parser turns ::ffff:169.254.169.254 into)
    ['::ffff:a9fe:a9fe', '169.254.169.254', 'private, link-local'],
  ])('refuses %s, an IPv6 form of %s, as a URL literal and as a DNS answer', (v6, v4, reason) => {
    expect(embeddedIPv4(v6)).toBe(v4);
    expect(addressRefusal(v6, { allowLoopback: false })).toContain(reason);
    const url = `https://[${v6}]/api`;
    const check = checkOutboundUrl(url, allowingEverything(url));
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toContain(reason);
  });

  it.each(['64:ff9b:1::a9fe:a9fe', '2001:0:4136:e378:8000:63bf:3fff:fdd2', 'fec0::1', '100::1'])(
    'refuses %s (local-use NAT64, Teredo, site-local, discard-only)',
    (v6) => {
      expect(addressRefusal(v6, { allowLoopback: false })).toContain('reserved');
    },
  );

  it('accepts the IPv6 forms of public IPv4 addresses and plain public IPv6', () => {
    for (const v6 of ['64:ff9b::808:808', '2002:808:808::1', '::8.8.8.8', '2606:4700:4700::1111']) {
      expect(addressRefusal(v6, { allowLoopback: false })).toBeUndefined();
      const url = `https://[${v6}]/api`;
      expect(checkOutboundUrl(url, allowingEverything(url)).ok).toBe(true);
    }
    expect(embeddedIPv4('::')).toBeUndefined();
    expect(embeddedIPv4('::1')).toBeUndefined();
    expect(embeddedIPv4('2606:4700:4700::1111')).toBeUndefined();
  });

  it('refuses a name that is loopback', async () => {
    const local = await resolveOutboundUrl('https://localhost/api', strict);
    expect(local).toMatchObject({ ok: false, reason: 'localhost is a loopback host' });
  });

  it('refuses an unlisted host before resolving it', async () => {
    const check = await resolveOutboundUrl('https://hr.example.invalid/api', { allowLoopback: false, allowedHosts: HRIS_BRIDGE_DEFAULT_HOSTS });
    expect(check).toMatchObject({ ok: false, reason: expect.stringContaining('hr.example.invalid is not an allowed host') });
  });
});

describe('allow-list entries (ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS)', () => {
  it('canonicalises hosts the way a URL does, and refuses what is not a host', () => {
    expect(canonicalHost(' API.Merge.dev ')).toBe('api.merge.dev');
    expect(canonicalHost('127.0.0.1:4010')).toBe('127.0.0.1:4010');
    expect(canonicalHost('[0:0:0:0:0:0:0:1]:443')).toBe('[::1]:443');
    expect(canonicalHost('api.merge.dev:443')).toBe('api.merge.dev:443');
    for (const bad of ['https://api.merge.dev', 'api.merge.dev/api', '*.merge.dev', 'user@api.merge.dev', 'api.merge.dev:0', 'api.merge.dev:99999', '::1', '']) {
      expect(canonicalHost(bad)).toBeUndefined();
    }
  });

  it('defaults to the bridge provider’s API hosts; a bad entry or an empty list is a configuration error', () => {
    const field = allowedHostsEnv(HRIS_BRIDGE_DEFAULT_HOSTS);
    expect(field.parse(undefined)).toEqual(['api.merge.dev', 'api-eu.merge.dev', 'api-ap.merge.dev']);
    expect(field.parse('127.0.0.1:4010, API.merge.dev,api.merge.dev')).toEqual(['127.0.0.1:4010', 'api.merge.dev']);
    expect(field.safeParse('').error?.issues.map((i) => i.message)).toEqual(['expected at least one host (comma-separated host or host:port)']);
    expect(field.safeParse('api.merge.dev,https://evil.test').error?.issues.map((i) => i.message)).toEqual([
      '"https://evil.test" is not a host or host:port (no scheme, path or wildcard)',
    ]);
  });
});
