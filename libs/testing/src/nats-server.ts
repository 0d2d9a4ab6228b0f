import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LOOPBACK, readFirstLine } from './net';
import { findExecutable, spawnManaged, type ManagedProcess } from './process';
import { uniqueName } from './unique-name';
import { waitFor } from './wait-for';

export interface NatsServerOptions {
  /** Enable JetStream (default true). */
  jetstream?: boolean;
  /** Extra nats-server arguments. */
  args?: string[];
  /** How long to wait for the server to accept connections (default 10 000 ms). */
  readyTimeoutMs?: number;
}

export interface NatsServerFixture {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** JetStream store directory; kept by restart(), removed by stop(). */
  storeDir: string;
  /** Graceful stop (SIGTERM), waits for exit and removes the store. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL now, like a crash; the store stays so restart() can bring the server back. */
  kill(): void;
  /** Stops (or reaps a killed server) and starts again on the same port with the same store. */
  restart(): Promise<void>;
  /** Recent server output, for diagnosing a failing test. */
  logs(): string;
}

const STARTUP_ATTEMPTS = 3;

export function natsServerBinary(): string {
  const binary = findExecutable('nats-server', 'NATS_SERVER_BIN', ['/usr/sbin/nats-server', '/usr/local/bin/nats-server']);
  if (!binary) {
    throw new Error(
      'nats-server not found: install it (apt-get install nats-server) or set NATS_SERVER_BIN to its path',
    );
  }
  return binary;
}

/** Starts a private nats-server (JetStream on, its own store) on a free loopback port. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerFixture> {
  const binary = natsServerBinary();
  const storeDir = await mkdtemp(join(tmpdir(), 'roster-nats-'));
  // The name is checked in the INFO greeting, proving the port answers for this server and not a stranger.
  const serverName = uniqueName('roster_test_nats');
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const jetstream = options.jetstream ?? true;

  const launch = (port: number): Promise<ManagedProcess> => {
    const args = ['-a', LOOPBACK, '-p', String(port), '-n', serverName, ...(options.args ?? [])];
    if (jetstream) args.push('-js', '-sd', storeDir);
    const server = spawnManaged(binary, args, 'nats-server');
    return awaitReady(server, port, serverName, jetstream, readyTimeoutMs).then(() => server);
  };

  let port = 0;
  let server: ManagedProcess | undefined;
  for (let attempt = 1; !server; attempt++) {
    port = await freePort();
    try {
      server = await launch(port);
    } catch (error) {
      if (attempt >= STARTUP_ATTEMPTS) {
        await rm(storeDir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  let current: ManagedProcess = server;
  let stopped = false;
  return {
    url: `nats://${LOOPBACK}:${port}`,
    port,
    storeDir,
    logs: () => current.output(),
    kill: () => current.kill(),
    stop: async () => {
      stopped = true;
      await current.stop();
      await rm(storeDir, { recursive: true, force: true });
    },
    restart: async () => {
      if (stopped) throw new Error('nats-server fixture was stopped; start a new one');
      await current.stop();
      current = await launch(port);
    },
  };
}

async function awaitReady(
  server: ManagedProcess,
  port: number,
  serverName: string,
  jetstream: boolean,
  timeoutMs: number,
): Promise<void> {
  const ready = waitFor(
    async () => {
      if (!server.isRunning()) return undefined;
      const greeting = await readFirstLine(port, 1000);
      const info = JSON.parse(greeting.replace(/^INFO\s+/, '')) as { server_name?: string; jetstream?: boolean };
      return info.server_name === serverName && Boolean(info.jetstream) === jetstream;
    },
    { timeoutMs, intervalMs: 50, description: `nats-server to accept connections on port ${port}` },
  );
  const exitedEarly = server.exited.then(({ code, signal }) => {
    throw new Error(`nats-server exited during startup (code ${code}, signal ${signal}):\n${server.output()}`);
  });
  try {
    await Promise.race([ready, exitedEarly]);
  } catch (error) {
    await server.stop();
    throw error;
  }
}
