import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ConnectConfig } from 'ssh2';
import { freePort, LOOPBACK, readFirstLine } from './net';
import { findExecutable, run, spawnManaged, type ManagedProcess } from './process';
import { DEFAULT_SFTP_USERNAME, ensureSftpAccount, type SftpAccount } from './sftp-account';
import { waitFor } from './wait-for';

export interface SftpServerOptions {
  /** System user to serve (default `roster-sftp`); created on first use. */
  username?: string;
  /** How long to wait for sshd to greet (default 10 000 ms). */
  readyTimeoutMs?: number;
}

export interface SftpFixture {
  host: '127.0.0.1';
  port: number;
  username: string;
  password: string;
  /** OpenSSH-format ed25519 private key authorised for `username` on this fixture only. */
  privateKey: string;
  /** `SHA256:<base64, no padding>`, as `ssh-keygen -lf` prints it; changes on restartWithNewHostKey(). */
  readonly hostKeyFingerprint: string;
  /** Absolute path of this fixture's root folder, owned by `username`: the configured SFTP folder. */
  folder: string;
  /** ssh2 / ssh2-sftp-client options with the host key pinned to the current fingerprint. */
  connectOptions(auth?: 'password' | 'privateKey'): ConnectConfig;
  /** Writes a file under `folder` atomically (readers never see it half-written), creating and chowning dirs. */
  put(relPath: string, content: string | Buffer): Promise<void>;
  read(relPath: string): Buffer;
  readText(relPath: string): string;
  /** Sorted entry names of a directory under `folder`; [] when it does not exist. */
  list(relDir?: string): string[];
  exists(relPath: string): boolean;
  /** Stops sshd (and its open sessions) and removes keys, config and folder. Safe to call twice. */
  stop(): Promise<void>;
  /** Restarts sshd on the same port with a freshly generated host key (to test host-key pinning). */
  restartWithNewHostKey(): Promise<void>;
  /** Recent sshd log output, for diagnosing a failing test. */
  logs(): string;
}

const SSHD_MISSING = 'OpenSSH sshd not found: apt-get install openssh-server';
const STARTUP_ATTEMPTS = 3;
/** Cleared once an sshd older than 9.8 rejects the option. */
let perSourcePenaltiesKnown = true;

/** The `SHA256:...` fingerprint of a raw SSH public key blob (what ssh2's hostVerifier receives). */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Starts a private OpenSSH sshd on a free loopback port that serves SFTP only. */
export async function startSftpServer(options: SftpServerOptions = {}): Promise<SftpFixture> {
  const sshd = findExecutable('sshd', 'SSHD_BIN', ['/usr/sbin/sshd']);
  const keygen = findExecutable('ssh-keygen', undefined, ['/usr/bin/ssh-keygen']);
  if (!sshd || !keygen) throw new Error(SSHD_MISSING);

  const account = await ensureSftpAccount(options.username ?? DEFAULT_SFTP_USERNAME);
  const baseDir = await mkdtemp(join(tmpdir(), 'roster-sftp-'));
  try {
    // sshd reads AuthorizedKeysFile with the user's uid, so the fixture dir must be traversable.
    await chmod(baseDir, 0o711);
    const folder = join(baseDir, 'root');
    await mkdir(folder, { mode: 0o755 });
    await chown(folder, account.uid, account.gid);
    await mkdir(join(baseDir, 'staging'), { mode: 0o700 });
    // sshd refuses to start without its privilege separation directory.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

    const clientKey = join(baseDir, 'client_key');
    await run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'roster-test-client', '-f', clientKey]);
    const authorizedKeys = join(baseDir, 'authorized_keys');
    await writeFile(authorizedKeys, await readFile(`${clientKey}.pub`));
    await chmod(authorizedKeys, 0o644);

    const server = new SshdSftpServer(sshd, keygen, account, baseDir, folder, await readFile(clientKey, 'utf8'), {
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    });
    await server.start();
    return server;
  } catch (error) {
    await rm(baseDir, { recursive: true, force: true });
    throw error;
  }
}

class SshdSftpServer implements SftpFixture {
  readonly host = LOOPBACK;
  port = 0;
  readonly username: string;
  readonly password: string;
  hostKeyFingerprint = '';
  private sshdProcess: ManagedProcess | undefined;
  private hostKeyGeneration = 0;
  private stopped = false;

  constructor(
    private readonly sshd: string,
    private readonly keygen: string,
    private readonly account: SftpAccount,
    private readonly baseDir: string,
    readonly folder: string,
    readonly privateKey: string,
    private readonly options: { readyTimeoutMs: number },
  ) {
    this.username = account.username;
    this.password = account.password;
  }

  async start(): Promise<void> {
    await this.generateHostKey();
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      try {
        await this.launch();
        return;
      } catch (error) {
        if (attempt >= STARTUP_ATTEMPTS) throw error;
      }
    }
  }

  connectOptions(auth: 'password' | 'privateKey' = 'password'): ConnectConfig {
    const pinned = this.hostKeyFingerprint;
    return {
      host: this.host,
      port: this.port,
      username: this.username,
      ...(auth === 'password' ? { password: this.password } : { privateKey: this.privateKey }),
      hostVerifier: (key: Buffer) => sha256Fingerprint(key) === pinned,
      readyTimeout: 5000,
    };
  }

  async put(relPath: string, content: string | Buffer): Promise<void> {
    const target = this.resolve(relPath);
    await this.mkdirOwned(dirname(target));
    const staged = join(this.baseDir, 'staging', `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    await writeFile(staged, content, { mode: 0o644 });
    await chown(staged, this.account.uid, this.account.gid);
    await rename(staged, target);
  }

  read(relPath: string): Buffer {
    return readFileSync(this.resolve(relPath));
  }

  readText(relPath: string): string {
    return readFileSync(this.resolve(relPath), 'utf8');
  }

  list(relDir = '.'): string[] {
    const dir = this.resolve(relDir);
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  }

  exists(relPath: string): boolean {
    return existsSync(this.resolve(relPath));
  }

  logs(): string {
    return this.sshdProcess?.output() ?? '';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stopSshd();
    await rm(this.baseDir, { recursive: true, force: true });
  }

  async restartWithNewHostKey(): Promise<void> {
    if (this.stopped) throw new Error('SFTP fixture was stopped; start a new one');
    await this.stopSshd();
    await this.generateHostKey();
    await this.launch();
  }

  private async generateHostKey(): Promise<void> {
    const previous = this.hostKeyPath();
    this.hostKeyGeneration += 1;
    await rm(previous, { force: true });
    await rm(`${previous}.pub`, { force: true });
    await run(this.keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'roster-test-host', '-f', this.hostKeyPath()]);
    const { stdout } = await run(this.keygen, ['-lf', `${this.hostKeyPath()}.pub`]);
    const fingerprint = /SHA256:[A-Za-z0-9+/]+/.exec(stdout)?.[0];
    if (!fingerprint) throw new Error(`unexpected ssh-keygen -lf output: ${stdout}`);
    this.hostKeyFingerprint = fingerprint;
  }

  private hostKeyPath(): string {
    return join(this.baseDir, `host_key_${this.hostKeyGeneration}`);
  }

  private async launch(): Promise<void> {
    const configPath = join(this.baseDir, 'sshd_config');
    const pidFile = join(this.baseDir, 'sshd.pid');
    await rm(pidFile, { force: true });
    await writeFile(configPath, this.config(pidFile));
    const check = await run(this.sshd, ['-t', '-f', configPath], { okCodes: [0, 1, 255] });
    if (check.code !== 0 && perSourcePenaltiesKnown && /PerSourcePenalties/.test(check.stderr)) {
      // sshd < 9.8 has no penalties and does not know the option.
      perSourcePenaltiesKnown = false;
      return this.launch();
    }
    if (check.code !== 0) throw new Error(`sshd rejected its test config: ${check.stderr.trim()}`);

    const server = spawnManaged(this.sshd, ['-D', '-e', '-f', configPath], 'sshd');
    this.sshdProcess = server;
    const ready = waitFor(
      async () => {
        if (!server.isRunning()) return undefined;
        // The PidFile is written after sshd has bound its port, so a greeting then comes from this sshd.
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        if (pid !== server.pid) return undefined;
        return (await readFirstLine(this.port, 1000)).startsWith('SSH-2.0-');
      },
      { timeoutMs: this.options.readyTimeoutMs, intervalMs: 50, description: `sshd to greet on port ${this.port}` },
    );
    const exitedEarly = server.exited.then(({ code, signal }) => {
      throw new Error(`sshd exited during startup (code ${code}, signal ${signal}):\n${server.output()}`);
    });
    try {
      await Promise.race([ready, exitedEarly]);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  private config(pidFile: string): string {
    return [
      `Port ${this.port}`,
      `ListenAddress ${LOOPBACK}`,
      `HostKey ${this.hostKeyPath()}`,
      `PidFile ${pidFile}`,
      `AllowUsers ${this.username}`,
      'UsePAM no',
      'PasswordAuthentication yes',
      'PubkeyAuthentication yes',
      'KbdInteractiveAuthentication no',
      `AuthorizedKeysFile ${join(this.baseDir, 'authorized_keys')}`,
      // The key file lives in a root-owned tmp dir, which StrictModes would reject.
      'StrictModes no',
      'PermitRootLogin no',
      'Subsystem sftp internal-sftp',
      'ForceCommand internal-sftp',
      'AllowTcpForwarding no',
      'AllowAgentForwarding no',
      'X11Forwarding no',
      'PermitTTY no',
      'PrintMotd no',
      'UseDNS no',
      // Tests open many connections at once and fail some on purpose (wrong password, wrong host key);
      // sshd >= 9.8 would otherwise penalise 127.0.0.1 and refuse the next connections.
      'MaxStartups 100',
      'MaxAuthTries 10',
      ...(perSourcePenaltiesKnown ? ['PerSourcePenalties no'] : []),
      'LogLevel VERBOSE',
      '',
    ].join('\n');
  }

  private async stopSshd(): Promise<void> {
    const server = this.sshdProcess;
    if (!server?.isRunning()) return;
    // Each connection is a forked sshd in its own session; SIGTERM on the listener leaves them running,
    // so end them first and give the listener a moment to reap them.
    for (const pid of childPids(server.pid)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await waitFor(() => childPids(server.pid).length === 0, { timeoutMs: 2000, intervalMs: 20 }).catch(() => undefined);
    await server.stop();
  }

  /** Maps a path relative to the folder to an absolute one, refusing paths that escape it. */
  private resolve(relPath: string): string {
    const target = resolve(this.folder, relPath);
    const rel = relative(this.folder, target);
    if (isAbsolute(relPath) || rel === '..' || rel.startsWith(`..${sep}`)) {
      throw new Error(`path ${relPath} is outside the SFTP fixture folder`);
    }
    return target;
  }

  private async mkdirOwned(dir: string): Promise<void> {
    if (dir === this.folder || existsSync(dir)) return;
    await this.mkdirOwned(dirname(dir));
    await mkdir(dir, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await chown(dir, this.account.uid, this.account.gid);
  }
}

function childPids(parent: number): number[] {
  if (process.platform !== 'linux') return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
