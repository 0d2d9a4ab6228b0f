import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findExecutable, run } from './process';

export const DEFAULT_SFTP_USERNAME = 'roster-sftp';

/** Password files live here, root-only; the password is random per machine, never a well-known one. */
const STATE_DIR = '/var/lib/roster-testing';

export interface SftpAccount {
  username: string;
  password: string;
  uid: number;
  gid: number;
}

/**
 * Creates (once per machine) and updates the system login the SFTP fixtures serve. Runs under `flock`,
 * a kernel lock released even if the holder dies, so parallel jest workers never race on useradd or
 * /etc/shadow.
 * - nologin shell: the machine's own sshd (whose sftp subsystem runs through the shell) refuses the
 *   account; the fixture's internal-sftp runs in sshd and never execs the shell.
 * - chpasswd only when the shadow hash differs from the one recorded after the last chpasswd: useradd
 *   leaves the account locked (`!`), and with `UsePAM no` sshd refuses a locked account even for keys.
 */
const PROVISION_SCRIPT = `
set -eu
user="$1"; shell="$2"; pwfile="$3"
if ! getent passwd "$user" >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell "$shell" --comment "Roster test SFTP login" "$user"
fi
if [ ! -s "$pwfile" ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' 'xy' > "$pwfile.tmp" && mv "$pwfile.tmp" "$pwfile")
  rm -f "$pwfile.hash"
fi
if [ "$(getent shadow "$user" | cut -d: -f2)" != "$(cat "$pwfile.hash" 2>/dev/null || true)" ]; then
  printf '%s:%s\\n' "$user" "$(cat "$pwfile")" | chpasswd
  (umask 077; getent shadow "$user" | cut -d: -f2 > "$pwfile.hash")
fi
`;

const provisioned = new Map<string, Promise<SftpAccount>>();

export function ensureSftpAccount(username = DEFAULT_SFTP_USERNAME): Promise<SftpAccount> {
  let account = provisioned.get(username);
  if (!account) {
    account = provision(username);
    provisioned.set(username, account);
    account.catch(() => provisioned.delete(username));
  }
  return account;
}

async function provision(username: string): Promise<SftpAccount> {
  if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(username)) throw new Error(`invalid SFTP test username: ${username}`);
  if (process.getuid?.() !== 0) {
    throw new Error('startSftpServer must run as root: it creates a system user and runs its own sshd');
  }
  const shell = findExecutable('nologin', undefined, ['/usr/sbin/nologin', '/sbin/nologin']) ?? '/bin/false';
  const passwordFile = join(STATE_DIR, `${username}.password`);
  await mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  await run('flock', ['--timeout', '60', join(STATE_DIR, `${username}.lock`), 'sh', '-c', PROVISION_SCRIPT, 'provision', username, shell, passwordFile]);

  const [password, passwd] = await Promise.all([
    readFile(passwordFile, 'utf8'),
    run('getent', ['passwd', username]).then((result) => result.stdout),
  ]);
  const [, , uid, gid] = passwd.trim().split(':');
  return { username, password: password.trim(), uid: Number(uid), gid: Number(gid) };
}
