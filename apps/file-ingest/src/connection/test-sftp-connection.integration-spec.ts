import { randomBytes, randomUUID } from 'node:crypto';
import { SftpFixture, startSftpServer } from '@roster/testing';
import { SecretBox, directorySecretOwner } from '@roster/security';
import type { SftpTestRequestV1 } from '@roster/contracts';
import { freePort } from '@roster/testing';
import { TestSftpConnectionUseCase } from './test-sftp-connection.usecase';

/** Test connection against a real OpenSSH sshd on loopback (R-SFTP-01). */
describe('TestSftpConnectionUseCase on a real sshd', () => {
  let sftp: SftpFixture;
  const secrets = new SecretBox(randomBytes(32));
  const useCase = new TestSftpConnectionUseCase({ secrets, batchSize: 1000 });
  const tenantId = randomUUID();
  const directoryId = randomUUID();
  const owner = directorySecretOwner(tenantId, directoryId);
  const dataKey = secrets.newDataKey(tenantId);

  beforeAll(async () => {
    sftp = await startSftpServer();
  }, 60_000);
  afterAll(async () => sftp?.stop());

  const request = (o: Partial<SftpTestRequestV1> & { plainPassword?: string } = {}): SftpTestRequestV1 => {
    const { plainPassword, ...rest } = o;
    return {
      tenantId,
      directoryId,
      host: sftp.host,
      port: sftp.port,
      username: sftp.username,
      password: secrets.seal(plainPassword ?? sftp.password, owner, dataKey),
      folder: sftp.folder,
      ...rest,
    };
  };

  it('R-SFTP-01 answers ok with the host-key fingerprint to pin when none is pinned yet', async () => {
    expect(await useCase.execute(request())).toEqual({ ok: true, hostKeyFingerprint: sftp.hostKeyFingerprint });
  });

  it('R-SFTP-01 answers ok for the pinned key, with a private key instead of a password', async () => {
    const reply = await useCase.execute(
      request({ password: undefined, privateKey: secrets.seal(sftp.privateKey, owner, dataKey), hostKeyFingerprint: sftp.hostKeyFingerprint }),
    );
    expect(reply).toEqual({ ok: true, hostKeyFingerprint: sftp.hostKeyFingerprint });
  });

  it('R-SFTP-01 says AUTH_FAILED for a wrong password', async () => {
    expect(await useCase.execute(request({ plainPassword: 'not-the-password' }))).toMatchObject({
      ok: false,
      code: 'AUTH_FAILED',
      hostKeyFingerprint: sftp.hostKeyFingerprint,
      message: `authentication as ${sftp.username} on ${sftp.host}:${sftp.port} failed`,
    });
  });

  it('R-SFTP-01 says FOLDER_MISSING for a folder that does not exist', async () => {
    expect(await useCase.execute(request({ folder: `${sftp.folder}/nope` }))).toMatchObject({ ok: false, code: 'FOLDER_MISSING' });
  });

  it('R-SFTP-01 tells a refused port from an unknown host name', async () => {
    const closed = await freePort();
    const refused = await useCase.execute(request({ port: closed }));
    expect(refused).toEqual({
      ok: false,
      hostKeyFingerprint: null,
      code: 'UNREACHABLE',
      message: `connection refused by ${sftp.host}:${closed}: nothing listens on that port (ECONNREFUSED)`,
    });
    const dns = await useCase.execute(request({ host: 'no-such-host.invalid' }));
    expect(dns).toMatchObject({ ok: false, hostKeyFingerprint: null, code: 'UNREACHABLE' });
    expect(dns.message).toMatch(/^DNS: host name no-such-host\.invalid could not be resolved \((ENOTFOUND|EAI_AGAIN)\)$/);
  });

  it('R-SEC-01 says SECRET_UNAVAILABLE, naming the master key, for a secret wrapped under a key this service does not hold', async () => {
    const elsewhere = new SecretBox(randomBytes(32));
    const reply = await useCase.execute(request({ password: elsewhere.seal(sftp.password, owner, elsewhere.newDataKey(tenantId)) }));
    expect(reply).toMatchObject({ ok: false, code: 'SECRET_UNAVAILABLE', hostKeyFingerprint: sftp.hostKeyFingerprint });
    expect(reply.message).toContain(elsewhere.masterKeyId);
    expect(reply.message).not.toContain(sftp.password);
  });

  it('R-SFTP-01 says HOST_KEY_MISMATCH with both keys when the server key changed, before sending credentials', async () => {
    const pinned = sftp.hostKeyFingerprint;
    await sftp.restartWithNewHostKey();
    const reply = await useCase.execute(request({ hostKeyFingerprint: pinned }));
    expect(reply).toEqual({
      ok: false,
      hostKeyFingerprint: sftp.hostKeyFingerprint,
      code: 'HOST_KEY_MISMATCH',
      message: `host key of ${sftp.host}:${sftp.port} changed: server presented ${sftp.hostKeyFingerprint}, pinned ${pinned}`,
    });
  }, 30_000);
});
