import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { uniqueName } from './unique-name';

export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** e.g. `roster_t_reconciler_k3f9x0q2mz` */
  name: string;
  /** The server URL with this database as its path. */
  url: string;
  /** Terminates the database's connections and drops it; safe to call twice. */
  drop(): Promise<void>;
}

/** The maintenance connection used to create and drop test databases. */
export function testServerUrl(): string {
  return process.env['ROSTER_TEST_PG_URL'] || DEFAULT_TEST_PG_URL;
}

/** Creates an empty, uniquely named database on the server at ROSTER_TEST_PG_URL. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `roster_t_${uniqueName(label)}`;
  await withAdmin(serverUrl, async (admin) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name}`);
        return;
      } catch (error) {
        // 55006: another session is briefly connected to template1 (e.g. a parallel worker's tooling).
        if ((error as { code?: string }).code !== '55006' || attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      await withAdmin(serverUrl, async (admin) => {
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        const { rows } = await admin.query<{ server_version_num: string }>('SHOW server_version_num');
        // WITH (FORCE) (PostgreSQL 13+) also covers a connection opened between terminate and drop.
        const force = Number(rows[0]?.server_version_num) >= 130000 ? ' WITH (FORCE)' : '';
        await admin.query(`DROP DATABASE IF EXISTS ${name}${force}`);
      });
      dropped = true;
    },
  };
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${redactUrl(url)}: ${(error as Error).message}; start it or set ROSTER_TEST_PG_URL`);
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable ROSTER_TEST_PG_URL)';
  }
}

/** Thrown to end `inRolledBackTransaction`'s transaction; caught there, never seen by the test. */
class RolledBack extends Error {}

/**
 * Runs `body` in a transaction of a fork of `orm`'s EntityManager that is always rolled back: a test's writes (and
 * what a run would commit) leave nothing behind for the next test. An error thrown by `body` reaches the caller.
 */
export async function inRolledBackTransaction(orm: MikroORM, body: (em: EntityManager) => Promise<void>): Promise<void> {
  await orm.em
    .fork()
    .transactional(async (em) => {
      await body(em);
      throw new RolledBack();
    })
    .catch((e: unknown) => {
      if (!(e instanceof RolledBack)) throw e;
    });
}
