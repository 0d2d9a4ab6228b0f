import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Client, type SFTPWrapper } from 'ssh2';
import { type SftpFixture, startSftpServer } from '@roster/testing';
import { SftpReadAhead } from './sftp-read-ahead';
import { SftpSource } from './sftp-source';

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** R-SFTP-01 reading files from a real OpenSSH sshd: several READ requests in flight, bytes in order, bounded. */
describe('SftpReadAhead against a real sshd', () => {
  let fixture: SftpFixture;
  let client: Client;
  let sftp: SFTPWrapper;
  const content = randomBytes(3 * 1024 * 1024 + 12_345);

  beforeAll(async () => {
    fixture = await startSftpServer();
    await writeFile(join(fixture.folder, 'users.csv'), content);
    await writeFile(join(fixture.folder, 'empty.csv'), '');
    client = new Client();
    await new Promise<void>((resolve, reject) =>
      client.on('ready', resolve).on('error', reject).connect({ host: fixture.host, port: fixture.port, username: fixture.username, password: fixture.password }),
    );
    sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((e, s) => (e ? reject(e) : resolve(s))));
  }, 60_000);

  afterAll(async () => {
    client?.end();
    await fixture?.stop();
  });

  /** The channel, counting READ requests in flight and the bytes asked for; `shorten` makes each READ ask for less. */
  function watched(shorten?: (length: number) => number) {
    const stats = { inFlight: 0, maxInFlight: 0, requested: 0, opened: 0, closed: 0 };
    const proxy = new Proxy(sftp, {
      get(target, key, receiver) {
        if (key === 'open' || key === 'close') {
          return (...args: unknown[]) => {
            stats[key === 'open' ? 'opened' : 'closed']++;
            return (target[key] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        if (key !== 'read') {
          const value = Reflect.get(target, key, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return (handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, cb: (err: Error | undefined, n: number) => void) => {
          const asked = shorten ? Math.max(1, shorten(length)) : length;
          stats.inFlight++;
          stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
          stats.requested += asked;
          target.read(handle, buffer, offset, asked, position, (err, n) => {
            stats.inFlight--;
            cb(err, n);
          });
        };
      },
    });
    return { sftp: proxy, stats };
  }
  const path = (name: string) => `${fixture.folder}/${name}`;

  it('R-SFTP-01 reads a whole file byte for byte, with several requests in flight', async () => {
    const { sftp: channel, stats } = watched();
    const read = await drain(new SftpReadAhead(channel, path('users.csv'), { chunkSize: 32 * 1024, requests: 8 }));
    expect(read.equals(content)).toBe(true);
    expect(stats.maxInFlight).toBe(8);
  });

  it('reads a range (start and end inclusive), an empty file, and a file through SftpSource', async () => {
    expect((await drain(new SftpReadAhead(sftp, path('users.csv'), { start: 100, end: 70_000, chunkSize: 4096 }))).equals(content.subarray(100, 70_001))).toBe(true);
    expect((await drain(new SftpReadAhead(sftp, path('empty.csv')))).length).toBe(0);
    const source = await SftpSource.open({ ...fixture, folder: fixture.folder });
    try {
      expect((await drain(source.read('users.csv'))).equals(content)).toBe(true);
      expect((await drain(source.read('users.csv', { start: 0, end: 9 }))).equals(content.subarray(0, 10))).toBe(true);
    } finally {
      await source.close();
    }
  });

  it('puts a short answer right: the rest of the chunk is read before the next chunk goes out', async () => {
    // Every READ asks the server for a third of what the stream wanted: each chunk comes back short, again and again.
    const { sftp: channel } = watched((length) => Math.floor(length / 3));
    expect((await drain(new SftpReadAhead(channel, path('users.csv'), { chunkSize: 10_000, requests: 4 }))).equals(content)).toBe(true);
  });

  it('holds no more than its requests beyond the buffer while nobody reads (back-pressure)', async () => {
    const { sftp: channel, stats } = watched();
    const chunkSize = 16 * 1024;
    const stream = new SftpReadAhead(channel, path('users.csv'), { chunkSize, requests: 4 });
    stream.pause();
    stream.on('data', () => undefined); // a listener that would take everything, were the stream flowing
    stream.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The stream's buffer (one chunk's worth) plus the requests in flight, not the 3 MB file.
    expect(stats.requested).toBeLessThanOrEqual(chunkSize * (1 + 4 + 1));
    const rest = drain(stream);
    stream.resume();
    await rest;
    expect(stats.requested).toBeGreaterThanOrEqual(content.length);
  });

  it('fails with the server\'s error for a file that is not there, and closes its handle when destroyed early', async () => {
    await expect(drain(new SftpReadAhead(sftp, path('missing.csv')))).rejects.toThrow(/No such file/);
    const { sftp: channel, stats } = watched();
    const stream = new SftpReadAhead(channel, path('users.csv'), { chunkSize: 8192 });
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    expect(first.equals(content.subarray(0, 8192))).toBe(true);
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    expect({ opened: stats.opened, closed: stats.closed }).toEqual({ opened: 1, closed: 1 });
    // A stream read to its end closes its handle too, and the channel still serves.
    expect((await drain(new SftpReadAhead(channel, path('users.csv'), { start: 0, end: 99 }))).equals(content.subarray(0, 100))).toBe(true);
    expect({ opened: stats.opened, closed: stats.closed }).toEqual({ opened: 2, closed: 2 });
  });
});
