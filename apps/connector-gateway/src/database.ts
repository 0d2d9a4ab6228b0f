import { MESSAGING_ENTITIES } from '@roster/messaging';
import type { ServiceOrmOptions } from '@roster/persistence';
import { migrations } from './migrations';
import { FetchRunEntity, FetchWatermarkEntity } from './sync/fetch-watermark.entity';

export const SCHEMA = 'connector_gateway';

/** Connector state: the fetch watermarks of incremental runs (R-API-02). */
export function databaseOptions(clientUrl: string): ServiceOrmOptions {
  return {
    schema: SCHEMA,
    clientUrl,
    entities: [FetchWatermarkEntity, FetchRunEntity, ...MESSAGING_ENTITIES],
    migrations,
    migrationsPathTs: `${__dirname}/migrations`,
  };
}
