import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * A loopback port that was free a moment ago. Another process can still take it before the server binds,
 * so fixtures retry startup on a new port when their server fails to bind.
 *
 * Ports come from below the kernel's ephemeral range, so an outgoing connection (to Postgres, NATS, a service)
 * never takes a port between this check and the bind — asking the kernel for port 0 would hand out exactly the
 * ports outgoing connections use. Each jest worker draws from its own slice of that space, so two test files
 * running side by side never pick the same port, and one process never gets the same port twice.
 */
export async function freePort(): Promise<number> {
  const slice = portSlice();
  if (slice) {
    for (let attempt = 0; attempt < 64; attempt++) {
      const port = slice.low + Math.floor(Math.random() * slice.size);
      if (handedOut.has(port)) continue;
      handedOut.add(port);
      if (await canListen(port)) return port;
    }
  }
  return kernelPort();
}

const handedOut = new Set<number>();
const FIRST_PORT = 10_000;
const SLICES = 16;

/** This process's slice of the ports under the ephemeral range; undefined where that range is unknown. */
function portSlice(): { low: number; size: number } | undefined {
  let ephemeralLow: number;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return undefined;
  }
  const size = Math.floor((ephemeralLow - FIRST_PORT) / SLICES);
  if (!Number.isInteger(size) || size < 100) return undefined;
  // Jest numbers its workers from 1; the bench, the chaos tool and the quick start (no worker id) use slice 0.
  const worker = Number(process.env['JEST_WORKER_ID'] ?? 0) % SLICES;
  return { low: FIRST_PORT + worker * size, size };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

function kernelPort(): Promise<number> {
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
