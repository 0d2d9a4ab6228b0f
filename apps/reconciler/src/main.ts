import 'reflect-metadata';
import { filterOf } from '@roster/contracts';
import { exitOnConfigError, loadConfig } from '@roster/observability';
import { runService } from '@roster/platform';
import { ReconcilerModule } from './app.module';
import { ReconcilerConfig } from './config';
import { databaseOptions } from './database';
import { DeactivationModule } from './deactivation/deactivation.module';

async function main(): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(ReconcilerConfig));
  await runService({
    service: 'reconciler',
    config,
    database: databaseOptions(config.ROSTER_DATABASE_URL),
    imports: [ReconcilerModule, DeactivationModule.register({ intervalMs: config.ROSTER_DEACTIVATION_INTERVAL_MS })],
    // Batches and completions share one ordered consumer: a run's batches are staged before its completion.
    consumers: [
      { name: 'records', stream: 'ROSTER_RECORDS', filterSubject: 'roster.records.>' },
      { name: 'exports', stream: 'ROSTER_EXPORTS', filterSubject: filterOf('export.requested') },
    ],
  });
}

void main();
