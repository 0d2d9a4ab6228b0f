import { Readable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';

/** Bytes asked for by one READ request. ssh2 splits a request over the server's limit into several. */
export const READ_AHEAD_CHUNK = 64 * 1024;
/**
 * READ requests kept in flight: at most this many chunks are held beyond the stream's own buffer (1 MiB). Measured
 * on 10 MB through a proxy adding round-trip time: at 20 ms, 5.6 s with one request at a time against 0.77 s with 8
 * and 0.43 s with 16; at 50 ms, 9.5 s against 1.5 s (8), 0.84 s (16) and 0.92 s (32).
 */
export const READ_AHEAD_REQUESTS = 16;

export interface ReadAheadOptions {
  /** First byte to read (default 0). */
  start?: number;
  /** Last byte to read, inclusive (default: to the end of the file). */
  end?: number;
  chunkSize?: number;
  requests?: number;
}

/**
 * A file on an SFTP server as a stream, read with several READ requests in flight, in order. ssh2's
 * `createReadStream` asks for one chunk at a time and waits for it before asking for the next, so its rate is one
 * chunk per round trip: ~1.3 MB/s to a server 50 ms away, whatever the bandwidth, and it reads nothing while the
 * consumer parses. Here up to `requests` chunks are asked for ahead (OpenSSH's own client keeps 64 in flight), the
 * chunks are pushed in file order as they complete, and no new request goes out while the stream's buffer is full
 * (back-pressure: memory stays `requests × chunkSize` beyond the buffer, whatever the file's size).
 *
 * A chunk that comes back short (a server may answer a READ with fewer bytes than asked, before the end) has its
 * rest read before the next chunk is pushed; a chunk that comes back empty is the end of the file.
 */
export class SftpReadAhead extends Readable {
  private handle?: Buffer;
  /** Offset of the next chunk to request, and the offset just past the last byte wanted. */
  private nextOffset: number;
  private readonly limit: number;
  private readonly chunkSize: number;
  private readonly requests: number;
  /** Requested chunks in file order; each settles to its bytes (empty: the end of the file). */
  private readonly queue: Promise<Buffer>[] = [];
  private pumping = false;
  private ended = false;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly path: string,
    options: ReadAheadOptions = {},
  ) {
    super({ highWaterMark: options.chunkSize ?? READ_AHEAD_CHUNK });
    this.nextOffset = options.start ?? 0;
    this.limit = options.end === undefined ? Number.POSITIVE_INFINITY : options.end + 1;
    this.chunkSize = options.chunkSize ?? READ_AHEAD_CHUNK;
    this.requests = options.requests ?? READ_AHEAD_REQUESTS;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.sftp.open(this.path, 'r', (err, handle) => {
      if (err) return callback(err);
      this.handle = handle;
      callback();
    });
  }

  override _read(): void {
    void this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The chunks still in flight settle into nothing: their rejections are not this stream's to report.
    for (const pending of this.queue) pending.catch(() => undefined);
    this.queue.length = 0;
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return callback(error);
    this.sftp.close(handle, () => callback(error));
  }

  /** Keeps `requests` chunks asked for and pushes the first while the stream wants more. */
  private async pump(): Promise<void> {
    if (this.pumping || this.ended || this.destroyed) return;
    this.pumping = true;
    try {
      for (;;) {
        this.fill();
        const next = this.queue.shift();
        if (!next) {
          this.finish();
          return;
        }
        const chunk = await next;
        if (this.destroyed) return;
        if (chunk.length === 0) {
          this.finish();
          return;
        }
        const wantsMore = this.push(chunk);
        if (!wantsMore) return;
      }
    } catch (e) {
      this.destroy(e as Error);
    } finally {
      this.pumping = false;
    }
  }

  private fill(): void {
    while (this.queue.length < this.requests && this.nextOffset < this.limit) {
      const length = Math.min(this.chunkSize, this.limit - this.nextOffset);
      const request = this.readFully(this.nextOffset, length);
      request.catch(() => undefined); // awaited in order by pump(); a rejection before then is not unhandled
      this.queue.push(request);
      this.nextOffset += length;
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    // Chunks asked for past the end come back empty; nothing more is pushed.
    for (const pending of this.queue) pending.catch(() => undefined);
    this.queue.length = 0;
    this.push(null);
  }

  /** `length` bytes from `offset`, fewer only at the end of the file (a short answer has its rest asked for). */
  private async readFully(offset: number, length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < length) {
      const part = await this.readOnce(offset + got, length - got);
      if (part.length === 0) break;
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, got);
  }

  private readOnce(position: number, length: number): Promise<Buffer> {
    const handle = this.handle;
    if (!handle) return Promise.reject(new Error(`${this.path}: read after the file was closed`));
    const buffer = Buffer.allocUnsafe(length);
    return new Promise((resolve, reject) => {
      // ssh2 reports the end of the file as 0 bytes read (its EOF status is not an error for `read`).
      this.sftp.read(handle, buffer, 0, length, position, (err, bytesRead) => {
        if (err) return reject(err);
        resolve(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
      });
    });
  }
}
