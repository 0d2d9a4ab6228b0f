import type { SealedSecret } from '@roster/contracts';
import type { Directory } from '../entities/directory.entity';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import type { UpdateDirectoryBody } from '../http/schemas';

/**
 * Applies a PATCH to a directory (R-DIR-01): only the given fields change; a new password or private key is
 * sealed and replaces the stored one, an omitted one is kept, `null` removes it. A directory keeps at least
 * one credential.
 */
export function applyDirectoryPatch(
  directory: Directory,
  patch: UpdateDirectoryBody,
  seal: (plaintext: string) => SealedSecret,
  now: Date,
): void {
  const { password, privateKey, ...sftp } = patch.sftp ?? {};
  const secrets = { ...directory.secrets };
  if (password !== undefined) secrets.password = password === null ? undefined : seal(password);
  if (privateKey !== undefined) secrets.privateKey = privateKey === null ? undefined : seal(privateKey);
  if (!secrets.password && !secrets.privateKey) {
    throw new DirectoryConfigException(
      DirectoryConfigExceptionCode.VALIDATION_FAILED,
      'sftp.password: a password or a privateKey is required; set one before removing the other',
      [{ path: 'sftp.password', message: 'a password or a privateKey is required' }],
    );
  }
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  directory.secrets = defined(secrets);
  directory.settings = {
    ...directory.settings,
    ...defined(sftp),
    ...defined({ dateFormat: patch.dateFormat, headerMapping: patch.headerMapping }),
  };
  if (patch.name !== undefined) directory.name = patch.name;
  if (patch.enabled !== undefined) directory.enabled = patch.enabled;
  if (patch.recipients !== undefined) directory.recipients = patch.recipients;
  if (patch.schedule !== undefined) directory.schedule = patch.schedule;
  directory.updatedAt = now;
}
