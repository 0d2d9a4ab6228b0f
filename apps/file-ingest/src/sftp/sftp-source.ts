import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { sha256Fingerprint } from './host-key';
import { SftpReadAhead } from './sftp-read-ahead';
import { resolveWithin } from './sftp-path';
import { SftpSourceException, SftpSourceExceptionCode as Code } from './sftp-source.exception';

export interface SftpConnection {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  /** Pinned at setup (R-SFTP-01); any other key is refused before authentication. */
  hostKeyFingerprint: string;
  folder: string;
}

export interface RemoteFile {
  /** Path relative to the configured folder, e.g. `users.csv` or `local/users.csv`. */
  relativePath: string;
  size: number;
  /** Last modification, ms since the epoch (the server's, at a second's precision). */
  modifyTime: number;
}

/** Where a processed file goes (`archive/`) and a rejected one (`error/`, with a `.reason.txt` beside it). */
export type Bucket = 'archive' | 'error';

/** The path a file moved to `bucket` takes: the run's stamp keeps two runs' files of one name apart. */
export function bucketPath(bucket: Bucket, relativePath: string, stamp: string): string {
  return `${bucket}/${stamp}-${posix.basename(relativePath)}`;
}

/** What a move found: done now, done already (a redelivery after a crash), or the file gone from both places. */
export type MoveOutcome = 'moved' | 'already-moved' | 'missing';

const TIMEOUT_MS = 15_000;

/**
 * One SFTP session on a customer's or the platform's server. Never reused after `close()` (ssh2 leaks
 * listeners otherwise); every path is resolved under the configured folder.
 */
export class SftpSource {
  private readonly client = new SftpClient('roster-file-ingest');
  /** The session's SFTP channel, for reads with several requests in flight (`SftpReadAhead`). */
  private sftp?: SFTPWrapper;
  private seenFingerprint?: string;

  private constructor(private readonly conn: SftpConnection) {}

  static async open(conn: SftpConnection): Promise<SftpSource> {
    const source = new SftpSource(conn);
    await source.connect();
    return source;
  }

  private async connect(): Promise<void> {
    try {
      this.sftp = await this.client.connect({
        host: this.conn.host,
        port: this.conn.port,
        username: this.conn.username,
        password: this.conn.password,
        privateKey: this.conn.privateKey,
        readyTimeout: TIMEOUT_MS,
        retries: 0,
        hostVerifier: (key: Buffer) => {
          this.seenFingerprint = sha256Fingerprint(key);
          return this.seenFingerprint === this.conn.hostKeyFingerprint;
        },
      });
    } catch (e) {
      await this.close();
      throw this.explain(e);
    }
    if (!(await this.client.exists(this.conn.folder))) {
      await this.close();
      throw new SftpSourceException(Code.FOLDER_MISSING, `folder ${this.conn.folder} does not exist on ${this.where()}`);
    }
  }

  /** Users files in the folder and its `local/` subfolder (manual drops), oldest first. */
  findUsersFiles(): Promise<RemoteFile[]> {
    return this.findCsvFiles('users');
  }

  /** `<kind>*.csv` files in the folder and its `local/` subfolder (manual drops), oldest first (R-SFTP-02). */
  async findCsvFiles(kind: 'users' | 'teams'): Promise<RemoteFile[]> {
    const pattern = new RegExp(`^${kind}.*\\.csv$`, 'i');
    const found: RemoteFile[] = [];
    for (const sub of ['', 'local']) {
      const dir = this.resolve(sub);
      if (sub && !(await this.client.exists(dir))) continue;
      for (const entry of await this.client.list(dir)) {
        if (entry.type === '-' && pattern.test(entry.name)) {
          found.push({ relativePath: sub ? `${sub}/${entry.name}` : entry.name, size: entry.size, modifyTime: entry.modifyTime });
        }
      }
    }
    return found.sort((a, b) => a.modifyTime - b.modifyTime);
  }

  /** The file's size and modification time now, or undefined when it is not there (or not a file). */
  async stat(relativePath: string): Promise<RemoteFile | undefined> {
    const path = this.resolve(relativePath);
    if ((await this.client.exists(path)) !== '-') return undefined;
    const stats = await this.client.stat(path);
    return { relativePath, size: stats.size, modifyTime: stats.modifyTime };
  }

  /**
   * The file's bytes, or with `range` those from `start` to `end` (inclusive), read with several requests in flight
   * (`SftpReadAhead`: a server far away is read at its bandwidth, not at one chunk per round trip).
   */
  read(relativePath: string, range?: { start: number; end: number }): Readable {
    if (!this.sftp) throw new SftpSourceException(Code.TRANSFER_FAILED, `no SFTP session to ${this.where()} to read ${relativePath} with`);
    return new SftpReadAhead(this.sftp, this.resolve(relativePath), range ?? {});
  }

  /**
   * Moves a file to `target` (a `bucketPath`), creating its folder; with a reason, writes `<target>.reason.txt`.
   * Safe to repeat: a file already at `target` and gone from its place counts as moved (a redelivered run that
   * crashed between two moves finishes the second); the reason file is simply written again.
   */
  async move(relativePath: string, target: string, reason?: string): Promise<MoveOutcome> {
    const from = this.resolve(relativePath);
    const to = this.resolve(target);
    let outcome: MoveOutcome;
    if (await this.client.exists(from)) {
      const dir = posix.dirname(to);
      if (!(await this.client.exists(dir))) await this.client.mkdir(dir, true);
      await this.client.rename(from, to);
      outcome = 'moved';
    } else {
      outcome = (await this.client.exists(to)) ? 'already-moved' : 'missing';
    }
    if (reason && outcome !== 'missing') await this.client.put(Buffer.from(`${reason}\n`, 'utf8'), `${to}.reason.txt`);
    return outcome;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private resolve(relativePath: string): string {
    return resolveWithin(this.conn.folder, relativePath);
  }

  private where(): string {
    return `${this.conn.host}:${this.conn.port}`;
  }

  // Errors from ssh2 can quote connection options; build our own sentence instead of passing them on.
  private explain(e: unknown): SftpSourceException {
    const text = String((e as Error)?.message ?? e);
    if (this.seenFingerprint && this.seenFingerprint !== this.conn.hostKeyFingerprint) {
      return new SftpSourceException(
        Code.HOST_KEY_MISMATCH,
        `host key of ${this.where()} changed: server presented ${this.seenFingerprint}, pinned ${this.conn.hostKeyFingerprint}`,
      );
    }
    if (/authentication/i.test(text)) {
      return new SftpSourceException(Code.AUTH_FAILED, `authentication as ${this.conn.username} on ${this.where()} failed`);
    }
    const code = (e as { code?: string })?.code ?? /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH/.exec(text)?.[0];
    return new SftpSourceException(Code.UNREACHABLE, `cannot reach ${this.where()}${code ? ` (${code})` : ''}`);
  }
}
