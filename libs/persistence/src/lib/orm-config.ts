import { MigrationObject, Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migration, Migrator } from '@mikro-orm/migrations';

export interface ServiceOrmOptions {
  /** The service's own Postgres schema; no service reads another's. */
  schema: string;
  clientUrl: string;
  entities: Options['entities'];
  migrations: (MigrationObject | (new (...args: never[]) => Migration))[];
  /** Folder the migration generator writes new migrations into (source tree). */
  migrationsPathTs?: string;
  debug?: boolean;
  poolMax?: number;
}

export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/**
 * Settings each pooled connection takes when it opens, for every statement of the service:
 *
 * - `jit = off`. Roster's statements work a chunk at a time (≤ 1000 rows), but PostgreSQL estimates their cost from
 *   the tables' sizes, and a run's temporary tables have no statistics: past a million rows most chunk statements
 *   cross `jit_above_cost`, and each one compiled its expressions again (~25 ms of a 43 ms page of the memberships
 *   phase, measured). The compile never pays off on a chunk, so a 1M-row sync grew faster than its rows.
 * - `default_toast_compression = lz4` where the server has it (PostgreSQL ≥ 14 built with it; the server's default
 *   otherwise). Large values Roster writes — staged record batches (~0.5 MB of JSON each), outbox pages (up to 1000
 *   envelopes) — are compressed (TOAST); pglz cost a second of a 100k-user sync on the outbox alone (measured: 213k
 *   envelopes in pages, insert 3.8 s with pglz, 2.8 s with lz4, the same WAL). Values already stored stay as they
 *   are; both read back the same.
 */
const SESSION_SETTINGS = `do $$ begin
  perform set_config('jit', 'off', false);
  begin perform set_config('default_toast_compression', 'lz4', false); exception when others then null; end;
end $$`;

type PgConnection = { query(text: string, callback: (error: Error | null) => void): void };

function applySessionSettings(connection: PgConnection, done: (error: Error | null, connection: PgConnection) => void): void {
  connection.query(SESSION_SETTINGS, (error) => done(error, connection));
}

/** MikroORM options every service shares: pg driver, explicit entity list, migrations in the service schema. */
export function serviceOrmOptions(o: ServiceOrmOptions): Options<PostgreSqlDriver> {
  return {
    driver: PostgreSqlDriver,
    clientUrl: o.clientUrl,
    schema: o.schema,
    entities: o.entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    debug: o.debug ?? false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    pool: { min: 0, max: o.poolMax ?? 10, afterCreate: applySessionSettings },
    migrations: {
      tableName: `${o.schema}.${MIGRATIONS_TABLE}`,
      migrationsList: o.migrations as MigrationObject[],
      pathTs: o.migrationsPathTs,
      path: o.migrationsPathTs,
      snapshot: false,
      silent: true,
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
    },
  };
}
