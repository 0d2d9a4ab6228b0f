import { createConnection, createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * A loopback port that was free a moment ago. Another process can still take it before the server binds,
 * so fixtures retry startup on a new port when their server fails to bind.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** Connects once and resolves with the first line the server sends (an SSH banner, a NATS INFO). */
export function readFirstLine(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: LOOPBACK, port });
    let received = '';
    const finish = (error: Error | undefined, line?: string): void => {
      socket.destroy();
      if (error) reject(error);
      else resolve(line ?? '');
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no greeting on port ${port} within ${timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const end = received.indexOf('\n');
      if (end >= 0) finish(undefined, received.slice(0, end).replace(/\r$/, ''));
    });
    socket.once('error', (error) => finish(error));
    socket.once('end', () => finish(new Error(`port ${port} closed the connection before a greeting`)));
  });
}
