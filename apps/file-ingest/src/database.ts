import { MESSAGING_ENTITIES } from '@roster/messaging';
import type { ServiceOrmOptions } from '@roster/persistence';
import { FileLedgerEntity } from './ledger/file-ledger.entity';
import { ProcessedFileEntity } from './ledger/processed-file.entity';
import { RunFilePlanEntity } from './ledger/run-file-plan.entity';
import { migrations } from './migrations';

export const SCHEMA = 'file_ingest';

export function databaseOptions(clientUrl: string): ServiceOrmOptions {
  return {
    schema: SCHEMA,
    clientUrl,
    entities: [FileLedgerEntity, ProcessedFileEntity, RunFilePlanEntity, ...MESSAGING_ENTITIES],
    migrations,
    migrationsPathTs: `${__dirname}/migrations`,
  };
}
