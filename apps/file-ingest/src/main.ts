import 'reflect-metadata';
import { filterOf } from '@roster/contracts';
import { exitOnConfigError, loadConfig } from '@roster/observability';
import { runService } from '@roster/platform';
import { FileIngestModule } from './app.module';
import { FileIngestConfig } from './config';
import { databaseOptions } from './database';

async function main(): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(FileIngestConfig));
  await runService({
    service: 'file-ingest',
    config,
    database: databaseOptions(config.ROSTER_DATABASE_URL),
    imports: [FileIngestModule.register(config)],
    consumers: [
      { name: 'sync', stream: 'ROSTER_RUNS', filterSubject: filterOf('sync.requested', { directoryType: 'sftp-csv' }) },
    ],
  });
}

void main();
