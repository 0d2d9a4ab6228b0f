import { MESSAGING_ENTITIES_PRUNED_INBOX } from '@roster/messaging';
import type { ServiceOrmOptions } from '@roster/persistence';
import { ApiKeyEntity } from './auth/api-key.entity';
import { DirectoryEntity } from './entities/directory.entity';
import { RunEntity } from './entities/run.entity';
import { ExportEntity } from './exports/export.entity';
import { TenantEntity } from './entities/tenant.entity';
import { TenantDataKeyEntity } from './keys/tenant-data-key.entity';
import { migrations } from './migrations';

export const SCHEMA = 'directory_config';

export function databaseOptions(clientUrl: string): ServiceOrmOptions {
  return {
    schema: SCHEMA,
    clientUrl,
    // The inbox indexed by (consumer, handled_at): the inbound consumer's rows are pruned by age (inbound/prune-inbound-inbox).
    entities: [TenantEntity, DirectoryEntity, RunEntity, ApiKeyEntity, TenantDataKeyEntity, ExportEntity, ...MESSAGING_ENTITIES_PRUNED_INBOX],
    migrations,
    migrationsPathTs: `${__dirname}/migrations`,
  };
}
