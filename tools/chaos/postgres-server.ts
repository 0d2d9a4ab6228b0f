// The PostgreSQL the chaos run uses, and how it is "restarted":
// - private: a cluster of the driver's own (initdb in a temp dir, its own port), stopped immediate-mode (SIGQUIT:
//   no checkpoint, crash recovery at the next start) and started again: a real restart that disturbs no one else;
// - shared: the server at ROSTER_TEST_PG_URL, which other work on the machine uses and which must not restart; the
//   chaos database refuses new connections (ALLOW_CONNECTIONS false) and every connection of the services is
//   terminated for the down time: what a restart looks like from the services' side.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { LOOPBACK, ManagedProcess, findExecutable, freePort, spawnManaged, testServerUrl, uniqueName, waitFor } from '@roster/testing';

const exec = promisify(execFile);

/** application_name of the driver's own connections: never terminated by a fault. */
export const CHAOS_APP = 'roster-chaos';

export interface PostgresServer {
  kind: 'private' | 'shared';
  /** The maintenance URL (database `postgres`). */
  url: string;
  /** Creates an empty database; its URL. */
  createDatabase(label: string): Promise<{ name: string; url: string }>;
  dropDatabase(name: string): Promise<void>;
  /** The fault: the services lose the database for `downMs`, then it is back (and accepts connections). */
  outage(database: string, downMs: number): Promise<void>;
  version(): Promise<string>;
  stop(): Promise<void>;
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, application_name: CHAOS_APP, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function databaseOps(serverUrl: string) {
  return {
    async createDatabase(label: string) {
      const name = `roster_chaos_${uniqueName(label)}`;
      await withClient(serverUrl, (c) => c.query(`create database ${name}`));
      return { name, url: databaseUrl(serverUrl, name) };
    },
    async dropDatabase(name: string) {
      await withClient(serverUrl, async (c) => {
        await c.query(`alter database ${name} allow_connections true`).catch(() => undefined);
        await c.query(`drop database if exists ${name} with (force)`);
      });
    },
    version: () => withClient(serverUrl, async (c) => (await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? '?'),
  };
}

/** The shared server: outages are simulated per database (see the file's comment). */
export function sharedPostgres(): PostgresServer {
  const url = testServerUrl();
  return {
    kind: 'shared',
    url,
    ...databaseOps(url),
    async outage(database, downMs) {
      await withClient(url, async (c) => {
        await c.query(`alter database ${database} allow_connections false`);
        try {
          await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and application_name <> $2`, [
            database,
            CHAOS_APP,
          ]);
          await new Promise((r) => setTimeout(r, downMs));
        } finally {
          await c.query(`alter database ${database} allow_connections true`);
        }
      });
    },
    stop: async () => undefined,
  };
}

/** The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<major>/bin), or PATH. */
function postgresBin(name: string): string {
  const override = process.env['ROSTER_PG_BIN_DIR'];
  const debian = readdirSafe('/usr/lib/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => `/usr/lib/postgresql/${v}/bin/${name}`);
  const found = findExecutable(name, undefined, [...(override ? [join(override, name)] : []), ...debian]);
  if (!found) throw new Error(`${name} not found: install PostgreSQL's server binaries, set ROSTER_PG_BIN_DIR, or use --postgres terminate`);
  return found;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Runs as the `postgres` OS user when this process is root (PostgreSQL refuses to run as root). */
async function asPostgresUser(): Promise<{ wrap: (cmd: string, args: string[]) => [string, string[]]; uid: number; gid: number }> {
  if (process.getuid?.() !== 0) return { wrap: (cmd, args) => [cmd, args], uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const { stdout } = await exec('getent', ['passwd', 'postgres']).catch(() => {
    throw new Error('running as root needs the `postgres` OS user for a private cluster; or use --postgres terminate');
  });
  const [, , uid, gid] = stdout.trim().split(':');
  // setpriv execs the command (same pid), so the fixture can signal the postmaster itself. A change of user clears
  // the parent-death signal spawnManaged asked for, so it is asked again after it: the postmaster dies with us.
  return {
    wrap: (cmd, args) => ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--pdeathsig', 'KILL', '--', cmd, ...args]],
    uid: Number(uid),
    gid: Number(gid),
  };
}

/** A private cluster: initdb into a temp dir, the postmaster as a managed child process on a free port. */
export async function privatePostgres(): Promise<PostgresServer> {
  const initdb = postgresBin('initdb');
  const postgres = postgresBin('postgres');
  const user = await asPostgresUser();
  const dataDir = await mkdtemp(join(tmpdir(), 'roster-chaos-pg-'));
  await chown(dataDir, user.uid, user.gid);
  const [initCmd, initArgs] = user.wrap(initdb, ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  await exec(initCmd, initArgs, { cwd: tmpdir() });
  const port = await freePort();
  const url = `postgres://postgres@${LOOPBACK}:${port}/postgres`;
  let current: ManagedProcess | undefined;
  const start = async () => {
    // fsync off: a killed postmaster loses nothing the OS has (only an OS crash would); a 2-core machine thanks it.
    const [cmd, args] = user.wrap(postgres, [
      '-D', dataDir, '-p', String(port), '-k', dataDir, '-c', `listen_addresses=${LOOPBACK}`, '-c', 'fsync=off',
      '-c', 'max_connections=200', '-c', 'shared_buffers=256MB', '-c', 'max_wal_size=4GB', '-c', 'log_min_messages=warning',
    ]);
    const server = spawnManaged(cmd, args, 'postgres', { outputLimit: 256 * 1024 });
    current = server;
    await waitFor(
      async () => {
        if (!server.isRunning()) throw new Error(`postgres exited:\n${server.output().slice(-3000)}`);
        return withClient(url, async (c) => (await c.query('select 1')).rowCount === 1);
      },
      { timeoutMs: 60_000, intervalMs: 100, description: `private PostgreSQL on port ${port}` },
    );
  };
  /** Immediate shutdown: SIGQUIT to the postmaster, which SIGQUITs its backends and exits without a checkpoint. */
  const crash = async () => {
    const server = current;
    if (!server?.isRunning()) return;
    process.kill(server.pid, 'SIGQUIT');
    await server.exited;
  };
  try {
    await start();
  } catch (e) {
    await crash().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    kind: 'private',
    url,
    ...databaseOps(url),
    async outage(_database, downMs) {
      await crash();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await current?.stop(10_000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
