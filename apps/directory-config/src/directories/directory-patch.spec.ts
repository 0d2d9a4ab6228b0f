import type { SealedSecret } from '@roster/contracts';
import type { Directory } from '../entities/directory.entity';
import { DirectoryConfigException } from '../http/directory-config.exception';
import { UpdateDirectoryBody } from '../http/schemas';
import { applyDirectoryPatch } from './directory-patch';

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
});
