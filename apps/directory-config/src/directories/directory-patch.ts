import type { SealedSecret } from '@roster/contracts';
import { type Directory, hrisOf, sftpOf } from '../entities/directory.entity';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import type { UpdateDirectoryBody } from '../http/schemas';

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Settings of one directory type sent to a directory of another are refused, not ignored. */
function refuseOtherType(directory: Directory, patch: UpdateDirectoryBody): void {
  const foreign =
    directory.type === 'hris-api'
      ? (['sftp', 'dateFormat', 'headerMapping'] as const).filter((k) => patch[k] !== undefined)
      : (['hris', 'policy'] as const).filter((k) => patch[k] !== undefined);
  if (foreign.length === 0) return;
  throw new DirectoryConfigException(
    DirectoryConfigExceptionCode.VALIDATION_FAILED,
    `${foreign.join(', ')}: not settings of a ${directory.type} directory`,
    foreign.map((path) => ({ path, message: `not a setting of a ${directory.type} directory` })),
  );
}

/**
 * Applies a PATCH to a directory (R-DIR-01): only the given fields change; a new password, private key or
 * account token is sealed and replaces the stored one, an omitted one is kept, `null` removes a password or
 * private key. An sftp-csv directory keeps at least one credential; an hris-api one always has its token.
 */
export function applyDirectoryPatch(
  directory: Directory,
  patch: UpdateDirectoryBody,
  seal: (plaintext: string) => SealedSecret,
  now: Date,
): void {
  refuseOtherType(directory, patch);
  if (directory.type === 'hris-api') {
    const { accountToken, ...hris } = patch.hris ?? {};
    const current = hrisOf(directory);
    const { safeguard, ...policy } = patch.policy ?? {};
    if (accountToken !== undefined) directory.secrets = { ...directory.secrets, accountToken: seal(accountToken) };
    directory.settings = {
      ...current,
      ...defined(hris),
      policy: { ...current.policy, ...defined(policy), safeguard: { ...current.policy.safeguard, ...defined(safeguard ?? {}) } },
    };
  } else {
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
    directory.secrets = defined(secrets);
    directory.settings = {
      ...sftpOf(directory),
      ...defined(sftp),
      ...defined({ dateFormat: patch.dateFormat, headerMapping: patch.headerMapping }),
    };
  }
  if (patch.name !== undefined) directory.name = patch.name;
  if (patch.enabled !== undefined) directory.enabled = patch.enabled;
  if (patch.recipients !== undefined) directory.recipients = patch.recipients;
  if (patch.schedule !== undefined) directory.schedule = patch.schedule;
  directory.updatedAt = now;
}
