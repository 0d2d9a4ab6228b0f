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
    pool: { min: 0, max: o.poolMax ?? 10 },
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
