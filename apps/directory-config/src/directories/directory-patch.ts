import type { SealedSecret } from '@roster/contracts';
import { type Directory, eventOf, hrisOf, sftpOf } from '../entities/directory.entity';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import type { UpdateDirectoryBody } from '../http/schemas';

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Settings of one directory type sent to a directory of another are refused, not ignored. */
function refuseOtherType(directory: Directory, patch: UpdateDirectoryBody): void {
  const others = {
    // API directories set their R-SAFE-01 threshold in `policy.safeguard`.
    'hris-api': ['sftp', 'dateFormat', 'headerMapping', 'safeguard'],
    'sftp-csv': ['hris', 'policy'],
    // R-EVT-02: no source settings, no schedule (a run per micro-batch), and never an orphan action.
    event: ['sftp', 'dateFormat', 'headerMapping', 'hris', 'schedule', 'safeguard'],
  } as const satisfies Record<Directory['type'], readonly (keyof UpdateDirectoryBody)[]>;
  const foreign: string[] = others[directory.type].filter((k) => patch[k] !== undefined);
  if (directory.type === 'event' && patch.policy?.orphans !== undefined && patch.policy.orphans !== 'ignore') foreign.push('policy.orphans');
  if (foreign.length === 0) return;
  const kind = `${directory.type === 'event' ? 'an' : 'a'} ${directory.type} directory`;
  throw new DirectoryConfigException(
    DirectoryConfigExceptionCode.VALIDATION_FAILED,
    `${foreign.join(', ')}: not settings of ${kind}`,
    foreign.map((path) => ({ path, message: `not a setting of ${kind}` })),
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
  if (directory.type === 'event') {
    const current = eventOf(directory);
    const { safeguard, ...policy } = patch.policy ?? {};
    directory.settings = {
      policy: { ...current.policy, ...defined(policy), safeguard: { ...current.policy.safeguard, ...defined(safeguard ?? {}) } },
    };
  } else if (directory.type === 'hris-api') {
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
    const current = sftpOf(directory);
    directory.settings = {
      ...current,
      ...defined(sftp),
      ...defined({ dateFormat: patch.dateFormat, headerMapping: patch.headerMapping }),
      safeguard: { ...current.safeguard, ...defined(patch.safeguard ?? {}) },
    };
  }
  if (patch.name !== undefined) directory.name = patch.name;
  if (patch.enabled !== undefined) directory.enabled = patch.enabled;
  if (patch.recipients !== undefined) directory.recipients = patch.recipients;
  if (patch.schedule !== undefined) directory.schedule = patch.schedule;
  directory.updatedAt = now;
}
