import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { HrisTestReplyV1, SftpTestReplyV1 } from '@roster/contracts';
import { type OutboundUrlPolicy, SecretBox, directorySecretOwner } from '@roster/security';
import { DirectoriesUseCase, OUTBOUND_URL_POLICY, SECRET_BOX, assertOutboundUrl } from '../directories/directories.usecase';
import { hrisOf, sftpOf } from '../entities/directory.entity';
import type { TestConnectionBody } from '../http/schemas';
import { ASKER, type Asker } from '../rpc/rpc.client';
import { TenantDataKeys } from '../keys/tenant-data-keys';
import { TenantsUseCase } from '../tenants/tenants.usecase';

/**
 * "Test connection", by directory type. sftp-csv (R-SFTP-01): file-ingest, which owns SFTP access, connects and
 * answers ok with the server's host-key fingerprint, or the precise reason. hris-api (R-API-01): connector-gateway
 * calls the provider with the bridge key and the account token and answers ok or the reason (bad key, bad token,
 * unreachable, rate-limited). Secrets leave this service sealed only.
 */
@Injectable()
export class TestConnectionUseCase {
  constructor(
    private readonly tenants: TenantsUseCase,
    private readonly directories: DirectoriesUseCase,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(ASKER) private readonly rpc: Asker,
    @Inject(OUTBOUND_URL_POLICY) private readonly urlPolicy: OutboundUrlPolicy,
    private readonly dataKeys: TenantDataKeys,
  ) {}

  /** Tests a saved directory's settings (an sftp-csv one against its pinned host key). */
  async testSaved(tenantId: string, directoryId: string): Promise<SftpTestReplyV1 | HrisTestReplyV1> {
    const d = await this.directories.get(tenantId, directoryId);
    if (d.type === 'event') return { ok: true, message: 'an event directory has no connection to test: services publish its events on ROSTER_INBOUND' };
    if (d.type === 'hris-api') {
      const { provider, baseUrl } = hrisOf(d);
      if (!d.secrets.accountToken) throw new Error(`directory ${d.id} has no account token`);
      return this.rpc.ask('hris.test', { tenantId, directoryId, provider, baseUrl, accountToken: d.secrets.accountToken });
    }
    const s = sftpOf(d);
    return this.rpc.ask('sftp.test', {
      tenantId,
      directoryId,
      host: s.host,
      port: s.port,
      username: s.username,
      password: d.secrets.password,
      privateKey: d.secrets.privateKey,
      folder: s.folder,
      hostKeyFingerprint: s.hostKeyFingerprint,
    });
  }

  /** Tests settings before they are saved; without a fingerprint an SFTP answer carries the one to pin. */
  async testUnsaved(tenantId: string, body: TestConnectionBody): Promise<SftpTestReplyV1 | HrisTestReplyV1> {
    if (body.type === 'hris-api') assertOutboundUrl(body.hris.baseUrl, this.urlPolicy);
    await this.tenants.get(tenantId);
    // Sealed for a throwaway directory id: the ciphertext opens for this test only.
    const directoryId = randomUUID();
    const owner = directorySecretOwner(tenantId, directoryId);
    const dataKey = await this.dataKeys.current(tenantId);
    const seal = (plain: string) => this.secrets.seal(plain, owner, dataKey);
    if (body.type === 'hris-api') {
      const { accountToken, ...hris } = body.hris;
      return this.rpc.ask('hris.test', { tenantId, directoryId, ...hris, accountToken: seal(accountToken) });
    }
    const { password, privateKey, ...sftp } = body.sftp;
    return this.rpc.ask('sftp.test', {
      tenantId,
      directoryId,
      ...sftp,
      password: password ? seal(password) : undefined,
      privateKey: privateKey ? seal(privateKey) : undefined,
    });
  }
}
