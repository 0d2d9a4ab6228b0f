import 'reflect-metadata';
import { exitOnConfigError, loadConfig } from '@roster/observability';
import { filterOf } from '@roster/contracts';
import { runService } from '@roster/platform';
import { DirectoryConfigModule } from './app.module';
import { EXPORT_BUILD_DEAD_LETTERS, EXPORT_EVENTS_FILTER, EXPORT_MAIL_DEAD_LETTERS } from './exports/export-status.handler';
import { DirectoryConfigConfig } from './config';
import { INBOUND_BATCH, INBOUND_CONSUMER, inboundBatchKey } from './inbound/inbound-events.handler';
import { databaseOptions } from './database';

async function main(): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(DirectoryConfigConfig));
  await runService({
    service: 'directory-config',
    config,
    database: databaseOptions(config.ROSTER_DATABASE_URL),
    imports: [DirectoryConfigModule.register(config)],
    trustProxy: config.ROSTER_TRUST_PROXY,
    // One filter for the whole run lifecycle (nats-server 2.9 allows one filter subject per consumer).
    consumers: [
      { name: 'run-lifecycle', stream: 'ROSTER_RUNS', filterSubject: 'roster.runs.*.run.>' },
      // R-OPS-01: re-runs copy their source records on a consumer of their own (a copy never delays run statuses).
      { name: 'rerun', stream: 'ROSTER_RUNS', filterSubject: filterOf('rerun.requested') },
      // R-EXP-01: an export's status, from its events and from the dead letters of the steps that failed it.
      { name: 'exports', stream: 'ROSTER_EXPORTS', filterSubject: EXPORT_EVENTS_FILTER },
      { name: 'export-build-failures', stream: 'ROSTER_DLQ', filterSubject: EXPORT_BUILD_DEAD_LETTERS },
      { name: 'export-mail-failures', stream: 'ROSTER_DLQ', filterSubject: EXPORT_MAIL_DEAD_LETTERS },
      // R-EVT-02: micro-batches per (tenant, directory), handed to one handler each; the consumer holds two full
      // batches (one filling while the other commits).
      {
        name: INBOUND_CONSUMER,
        stream: 'ROSTER_INBOUND',
        filterSubject: 'roster.inbound.>',
        concurrency: 2 * config.ROSTER_INBOUND_BATCH_MAX,
        ack: 'sent',
        batch: { pattern: INBOUND_BATCH, keyOf: inboundBatchKey, maxItems: config.ROSTER_INBOUND_BATCH_MAX, windowMs: config.ROSTER_INBOUND_WINDOW_MS },
      },
    ],
  });
}

void main();
