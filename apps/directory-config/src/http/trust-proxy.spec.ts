import { loadConfig } from '@roster/observability';
import { DirectoryConfigConfig } from '../config';
import { trustProxyField } from './trust-proxy';

const parse = (value: string) => trustProxyField().safeParse(value);

describe('ROSTER_TRUST_PROXY (R-SEC-02 client addresses behind an ingress)', () => {
  it('R-SEC-02 takes false, a hop count, or proxy addresses and ranges, as Express\'s trust proxy', () => {
    expect(parse('false').data).toBe(false);
    expect(parse(' 1 ').data).toBe(1);
    expect(parse('10.0.0.0/8, 192.168.1.7,loopback').data).toEqual(['10.0.0.0/8', '192.168.1.7', 'loopback']);
    expect(parse('fd00::/8,uniquelocal,linklocal').data).toEqual(['fd00::/8', 'uniquelocal', 'linklocal']);
  });

  it('R-SEC-02 refuses true (any client would pick its own address), junk and impossible ranges, with the reason', () => {
    for (const bad of ['true', '0', 'yes', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1', 'ingress.local', '10.0.0.0/8,', '300.1.1.1']) {
      expect(parse(bad).success).toBe(false);
    }
    expect(parse('true').error?.issues[0]?.message).toMatch(/true is refused: trusting every hop lets any client pick its address/);
  });

  it('R-SEC-02 is off unless set: the connection\'s peer is the client', () => {
    const env = {
      ROSTER_DATABASE_URL: 'postgres://localhost/roster',
      ROSTER_NATS_URL: 'nats://localhost:4222',
      ROSTER_HTTP_PORT: '3000',
      ROSTER_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
      ROSTER_API_KEY: 'a-bootstrap-key-of-some-length',
    };
    expect(loadConfig(DirectoryConfigConfig, env).ROSTER_TRUST_PROXY).toBe(false);
    expect(loadConfig(DirectoryConfigConfig, { ...env, ROSTER_TRUST_PROXY: '' }).ROSTER_TRUST_PROXY).toBe(false);
    expect(loadConfig(DirectoryConfigConfig, { ...env, ROSTER_TRUST_PROXY: 'uniquelocal' }).ROSTER_TRUST_PROXY).toEqual(['uniquelocal']);
    expect(() => loadConfig(DirectoryConfigConfig, { ...env, ROSTER_TRUST_PROXY: 'true' })).toThrow(/ROSTER_TRUST_PROXY: expected false, a hop count/);
  });
});
