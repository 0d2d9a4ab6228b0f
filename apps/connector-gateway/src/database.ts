import { MESSAGING_ENTITIES } from '@roster/messaging';
import type { ServiceOrmOptions } from '@roster/persistence';
import { migrations } from './migrations';

export const SCHEMA = 'connector_gateway';

/** Connector state (cursors, watermarks) arrives with the HR-system connectors (issue 6). */
export function databaseOptions(clientUrl: string): ServiceOrmOptions {
  return {
    schema: SCHEMA,
    clientUrl,
    entities: [...MESSAGING_ENTITIES],
    migrations,
    migrationsPathTs: `${__dirname}/migrations`,
  };
}
