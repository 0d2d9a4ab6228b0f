import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import SftpClient from 'ssh2-sftp-client';
import { sha256Fingerprint } from './host-key';
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
}

const TIMEOUT_MS = 15_000;

/**
 * One SFTP session on a customer's or the platform's server. Never reused after `close()` (ssh2 leaks
 * listeners otherwise); every path is resolved under the configured folder.
 */
export class SftpSource {
  private readonly client = new SftpClient('roster-file-ingest');
  private seenFingerprint?: string;

  private constructor(private readonly conn: SftpConnection) {}

  static async open(conn: SftpConnection): Promise<SftpSource> {
    const source = new SftpSource(conn);
    await source.connect();
    return source;
  }

  private async connect(): Promise<void> {
    try {
      await this.client.connect({
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
    const found: (RemoteFile & { modifyTime: number })[] = [];
    for (const sub of ['', 'local']) {
      const dir = this.resolve(sub);
      if (sub && !(await this.client.exists(dir))) continue;
      for (const entry of await this.client.list(dir)) {
        if (entry.type === '-' && pattern.test(entry.name)) {
          found.push({ relativePath: sub ? `${sub}/${entry.name}` : entry.name, size: entry.size, modifyTime: entry.modifyTime });
        }
      }
    }
    return found.sort((a, b) => a.modifyTime - b.modifyTime).map(({ relativePath, size }) => ({ relativePath, size }));
  }

  read(relativePath: string): Readable {
    return this.client.createReadStream(this.resolve(relativePath), { autoClose: true }) as unknown as Readable;
  }

  /** Moves a processed file to `archive/` or a rejected one to `error/` (with a `.reason.txt` beside it). */
  async moveTo(bucket: 'archive' | 'error', relativePath: string, stamp: string, reason?: string): Promise<string> {
    const dir = this.resolve(bucket);
    if (!(await this.client.exists(dir))) await this.client.mkdir(dir, true);
    const target = `${bucket}/${stamp}-${posix.basename(relativePath)}`;
    await this.client.rename(this.resolve(relativePath), this.resolve(target));
    if (reason) await this.client.put(Buffer.from(`${reason}\n`, 'utf8'), `${this.resolve(target)}.reason.txt`);
    return target;
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
