import { checkOutboundUrl, resolveOutboundUrl } from './outbound-url';

const strict = { allowLoopback: false };
const tests = { allowLoopback: true };

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

  it('accepts public https URLs', () => {
    expect(checkOutboundUrl('https://api.merge.dev/api', strict).ok).toBe(true);
    expect(checkOutboundUrl('https://8.8.8.8/api', strict).ok).toBe(true);
  });

  it('allows loopback over http only behind the explicit setting, never private ranges', () => {
    expect(checkOutboundUrl('http://127.0.0.1:4010/api', tests).ok).toBe(true);
    expect(checkOutboundUrl('http://localhost:4010/api', tests).ok).toBe(true);
    expect(checkOutboundUrl('http://10.0.0.1/api', tests).ok).toBe(false);
    expect(checkOutboundUrl('http://api.merge.dev/api', tests).ok).toBe(false);
  });

  it('refuses a name that resolves to loopback', async () => {
    const check = await resolveOutboundUrl('https://localhost.localdomain.invalid./api', strict).catch(() => ({ ok: false as const, reason: 'unresolvable' }));
    expect(check.ok).toBe(false);
    const local = await resolveOutboundUrl('https://localhost/api', strict);
    expect(local.ok).toBe(false);
  });
});
