import { MESSAGING_ENTITIES } from '@roster/messaging';
import type { ServiceOrmOptions } from '@roster/persistence';
import { NotificationEntity } from './entities/notification.entity';
import { migrations } from './migrations';

export const SCHEMA = 'notifier';

export function databaseOptions(clientUrl: string): ServiceOrmOptions {
  return {
    schema: SCHEMA,
    clientUrl,
    entities: [NotificationEntity, ...MESSAGING_ENTITIES],
    migrations,
    migrationsPathTs: `${__dirname}/migrations`,
  };
}
