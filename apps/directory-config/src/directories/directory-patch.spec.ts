import type { SealedSecret } from '@roster/contracts';
import { HRIS_BRIDGE_DEFAULT_HOSTS } from '@roster/security';
import type { Directory } from '../entities/directory.entity';
import { DirectoryConfigException } from '../http/directory-config.exception';
import { CreateHrisDirectoryBody, UpdateDirectoryBody } from '../http/schemas';
import { applyDirectoryPatch } from './directory-patch';
import { assertOutboundUrl } from './directories.usecase';

const sealed = (plain: string): SealedSecret => ({ v: 1, iv: 'iv', tag: 'tag', data: `sealed(${plain})` });
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

function directory(): Directory {
  return {
    id: 'd',
    tenantId: 't',
    name: 'HR drop',
    type: 'sftp-csv',
    settings: {
      host: 'sftp.acme.test',
      port: 22,
      username: 'acme',
      folder: '/in',
      hostKeyFingerprint: `SHA256:${'a'.repeat(43)}`,
      dateFormat: 'dd/mm/yyyy',
      headerMapping: { Email: 'User Email' },
    },
    secrets: { password: sealed('old') },
    recipients: ['hr@acme.test'],
    schedule: { kind: 'daily', time: '02:00', timeZone: 'UTC' },
    enabled: true,
    nextRunAt: new Date('2026-01-02T02:00:00Z'),
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
  };
}

const now = new Date('2026-02-01T00:00:00Z');

describe('applyDirectoryPatch', () => {
  it('R-DIR-01 changes only the given fields and keeps the sealed password when none is given', () => {
    const d = directory();
    applyDirectoryPatch(d, UpdateDirectoryBody.parse({ name: 'Payroll drop', sftp: { port: 2222 } }), sealed, now);
    expect(d.name).toBe('Payroll drop');
    expect(d.settings).toMatchObject({ host: 'sftp.acme.test', port: 2222, folder: '/in', headerMapping: { Email: 'User Email' } });
    expect(d.secrets).toEqual({ password: sealed('old') });
    expect(d.recipients).toEqual(['hr@acme.test']);
    expect(d.updatedAt).toEqual(now);
  });

  it('R-DIR-01 seals a new password in place of the old one', () => {
    const d = directory();
    applyDirectoryPatch(d, UpdateDirectoryBody.parse({ sftp: { password: 'new' } }), sealed, now);
    expect(d.secrets).toEqual({ password: sealed('new') });
  });

  it('R-SFTP-01 switches from a password to a private key, and refuses to remove the last credential', () => {
    const d = directory();
    applyDirectoryPatch(d, UpdateDirectoryBody.parse({ sftp: { privateKey: KEY, password: null } }), sealed, now);
    expect(d.secrets).toEqual({ privateKey: sealed(KEY) });
    expect(() => applyDirectoryPatch(d, UpdateDirectoryBody.parse({ sftp: { privateKey: null } }), sealed, now)).toThrow(
      DirectoryConfigException,
    );
    expect(d.secrets).toEqual({ privateKey: sealed(KEY) });
  });

  it('R-DIR-04 replaces the schedule, and R-DIR-01 disables the directory', () => {
    const d = directory();
    applyDirectoryPatch(d, UpdateDirectoryBody.parse({ enabled: false, schedule: { kind: 'every', hours: 6 } }), sealed, now);
    expect(d.enabled).toBe(false);
    expect(d.schedule).toEqual({ kind: 'every', hours: 6 });
  });

  function hrisDirectory(): Directory {
    const body = CreateHrisDirectoryBody.parse({ name: 'Bridge', type: 'hris-api', hris: { baseUrl: 'https://api.merge.dev/api', accountToken: 'old' } });
    const { accountToken: _, ...hris } = body.hris;
    return { ...directory(), name: 'Bridge', type: 'hris-api', settings: { ...hris, policy: body.policy }, secrets: { accountToken: sealed('old') } };
  }

  it('R-API-01 changes only the given hris settings and policy fields, and seals a new account token', () => {
    const d = hrisDirectory();
    applyDirectoryPatch(d, UpdateDirectoryBody.parse({ hris: { pageSize: 25 }, policy: { orphans: 'deactivate', safeguard: { percent: 10 } } }), sealed, now);
    expect(d.settings).toMatchObject({ provider: 'merge', baseUrl: 'https://api.merge.dev/api', pageSize: 25, fieldMappings: [] });
    expect(d.settings).toMatchObject({ policy: { orphans: 'deactivate', activateUsers: true, safeguard: { count: 50, percent: 10 } } });
    expect(d.secrets).toEqual({ accountToken: sealed('old') });
    applyDirectoryPatch(d, UpdateDirectoryBody.parse({ hris: { accountToken: 'new' } }), sealed, now);
    expect(d.secrets).toEqual({ accountToken: sealed('new') });
  });

  it('R-DIR-01 refuses settings of the other directory type instead of ignoring them', () => {
    expect(() => applyDirectoryPatch(hrisDirectory(), UpdateDirectoryBody.parse({ sftp: { port: 2222 } }), sealed, now)).toThrow(
      'sftp: not settings of a hris-api directory',
    );
    expect(() => applyDirectoryPatch(directory(), UpdateDirectoryBody.parse({ policy: { restore: true } }), sealed, now)).toThrow(
      'policy: not settings of a sftp-csv directory',
    );
  });

  it('R-API-01 refuses a base URL the gateway would not call, allowing loopback only when configured', () => {
    const strict = { allowLoopback: false, allowedHosts: [...HRIS_BRIDGE_DEFAULT_HOSTS, '127.0.0.1:8080'] };
    expect(() => assertOutboundUrl('http://api.merge.dev/api', strict)).toThrow(/hris\.baseUrl: the scheme must be https/);
    expect(() => assertOutboundUrl('https://169.254.169.254/api', strict)).toThrow(/link-local/);
    expect(() => assertOutboundUrl('http://127.0.0.1:8080/api', strict)).toThrow(/loopback/);
    expect(() => assertOutboundUrl('http://127.0.0.1:8080/api', { ...strict, allowLoopback: true })).not.toThrow();
    expect(() => assertOutboundUrl('https://api.merge.dev/api', strict)).not.toThrow();
  });

  it('R-API-01 refuses a host off the allow-list as a field error naming hris.baseUrl and the allowed hosts', () => {
    const error = (() => {
      try {
        assertOutboundUrl('https://hr.example.com/api', { allowLoopback: false, allowedHosts: HRIS_BRIDGE_DEFAULT_HOSTS });
      } catch (e) {
        return e;
      }
    })();
    const reason = 'hr.example.com is not an allowed host (allowed: api.merge.dev, api-eu.merge.dev, api-ap.merge.dev)';
    expect(error).toBeInstanceOf(DirectoryConfigException);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: `hris.baseUrl: ${reason}`, details: [{ path: 'hris.baseUrl', message: reason }] });
  });
});
