import 'reflect-metadata';
import { filterOf, tenantOfSubject } from '@roster/contracts';
import { exitOnConfigError, loadConfig } from '@roster/observability';
import { RunHistoryModule, runRetentionSettings, runService } from '@roster/platform';
import { ReconcilerModule } from './app.module';
import { ReconcilerConfig } from './config';
import { databaseOptions } from './database';
import { DeactivationModule } from './deactivation/deactivation.module';
import { PruneRunHistoryUseCase } from './runs/prune-run-history.usecase';

async function main(): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(ReconcilerConfig));
  await runService({
    service: 'reconciler',
    config,
    database: databaseOptions(config.ROSTER_DATABASE_URL),
    imports: [
      ReconcilerModule,
      DeactivationModule.register({ intervalMs: config.ROSTER_DEACTIVATION_INTERVAL_MS }),
      RunHistoryModule.register(PruneRunHistoryUseCase, runRetentionSettings(config)),
    ],
    // Batches and completions share one consumer, ordered per tenant (a lane each): a run's batches are staged before
    // its completion, and a tenant's long apply does not hold back the other tenants' runs.
    consumers: [
      {
        name: 'records',
        stream: 'ROSTER_RECORDS',
        filterSubject: 'roster.records.>',
        concurrency: 4 * config.ROSTER_RECORDS_LANES,
        lanes: { keyOf: tenantOfSubject, concurrency: config.ROSTER_RECORDS_LANES },
      },
      { name: 'exports', stream: 'ROSTER_EXPORTS', filterSubject: filterOf('export.requested') },
    ],
  });
}

void main();
