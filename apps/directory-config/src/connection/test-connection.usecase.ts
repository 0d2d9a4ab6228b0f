import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SftpTestReplyV1 } from '@roster/contracts';
import { SecretBox, directorySecretOwner } from '@roster/security';
import { DirectoriesUseCase, SECRET_BOX } from '../directories/directories.usecase';
import type { TestConnectionBody } from '../http/schemas';
import { ASKER, type Asker } from '../rpc/rpc.client';
import { TenantsUseCase } from '../tenants/tenants.usecase';

/**
 * "Test connection" (R-SFTP-01): file-ingest, which owns SFTP access, connects and answers ok with the
 * server's host-key fingerprint, or the precise reason. Secrets leave this service sealed only.
 */
@Injectable()
export class TestConnectionUseCase {
  constructor(
    private readonly tenants: TenantsUseCase,
    private readonly directories: DirectoriesUseCase,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(ASKER) private readonly rpc: Asker,
  ) {}

  /** Tests a saved directory's settings against its pinned host key. */
  async testSaved(tenantId: string, directoryId: string): Promise<SftpTestReplyV1> {
    const d = await this.directories.get(tenantId, directoryId);
    return this.rpc.ask('sftp.test', {
      tenantId,
      directoryId,
      host: d.settings.host,
      port: d.settings.port,
      username: d.settings.username,
      password: d.secrets.password,
      privateKey: d.secrets.privateKey,
      folder: d.settings.folder,
      hostKeyFingerprint: d.settings.hostKeyFingerprint,
    });
  }

  /** Tests settings before they are saved; without a fingerprint the answer carries the one to pin. */
  async testUnsaved(tenantId: string, body: TestConnectionBody): Promise<SftpTestReplyV1> {
    await this.tenants.get(tenantId);
    // Sealed for a throwaway directory id: the ciphertext opens for this test only.
    const directoryId = randomUUID();
    const owner = directorySecretOwner(tenantId, directoryId);
    const { password, privateKey, ...sftp } = body.sftp;
    return this.rpc.ask('sftp.test', {
      tenantId,
      directoryId,
      ...sftp,
      password: password ? this.secrets.seal(password, owner) : undefined,
      privateKey: privateKey ? this.secrets.seal(privateKey, owner) : undefined,
    });
  }
}
