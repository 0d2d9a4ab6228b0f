import { Inject, Injectable } from '@nestjs/common';
import type { SftpTestReplyV1, SftpTestRequestV1 } from '@roster/contracts';
import { SecretBoxError, directorySecretOwner } from '@roster/security';
import { SftpSource } from '../sftp/sftp-source';
import { SftpSourceException, SftpSourceExceptionCode } from '../sftp/sftp-source.exception';
import { FILE_INGEST_SETTINGS } from '../sync/sync-sftp.usecase';
import type { FileIngestSettings } from '../sync/sync-sftp.usecase';
import { probeHostKey } from './host-key-probe';

/**
 * "Test connection" for an SFTP directory (R-SFTP-01): reach the host, compare its key with the pinned one
 * (or report it so the admin can pin it), log in, find the folder. Credentials are sent only to a server
 * whose key is the pinned one or the one just reported.
 */
@Injectable()
export class TestSftpConnectionUseCase {
  constructor(@Inject(FILE_INGEST_SETTINGS) private readonly settings: FileIngestSettings) {}

  async execute(req: SftpTestRequestV1): Promise<SftpTestReplyV1> {
    const where = `${req.host}:${req.port}`;
    const probe = await probeHostKey(req.host, req.port, req.username);
    if (!probe.reached) return { ok: false, hostKeyFingerprint: null, code: probe.code, message: probe.message };
    const presented = probe.hostKeyFingerprint;
    if (req.hostKeyFingerprint && req.hostKeyFingerprint !== presented) {
      return {
        ok: false,
        hostKeyFingerprint: presented,
        code: SftpSourceExceptionCode.HOST_KEY_MISMATCH,
        message: `host key of ${where} changed: server presented ${presented}, pinned ${req.hostKeyFingerprint}`,
      };
    }
    const owner = directorySecretOwner(req.tenantId, req.directoryId);
    let source: SftpSource | undefined;
    try {
      source = await SftpSource.open({
        host: req.host,
        port: req.port,
        username: req.username,
        password: req.password ? this.settings.secrets.open(req.password, owner) : undefined,
        privateKey: req.privateKey ? this.settings.secrets.open(req.privateKey, owner) : undefined,
        hostKeyFingerprint: presented,
        folder: req.folder,
      });
      return { ok: true, hostKeyFingerprint: presented };
    } catch (e) {
      if (!(e instanceof SftpSourceException) && !(e instanceof SecretBoxError)) throw e;
      return { ok: false, hostKeyFingerprint: presented, code: e.code, message: e.message };
    } finally {
      await source?.close();
    }
  }
}
