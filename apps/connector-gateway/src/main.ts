import 'reflect-metadata';
import { filterOf } from '@roster/contracts';
import { exitOnConfigError, loadConfig } from '@roster/observability';
import { runService } from '@roster/platform';
import { ConnectorGatewayConfig } from './config';
import { databaseOptions } from './database';

/**
 * The HR-system API connectors (hris-api directories) arrive with issue 6. Until then the gateway runs its
 * durable consumer with no handler: a request that reaches it is dead-lettered with NO_HANDLER and stays
 * there to be redriven once the connector exists. The admin API does not create hris-api directories yet.
 */
async function main(): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(ConnectorGatewayConfig));
  await runService({
    service: 'connector-gateway',
    config,
    database: databaseOptions(config.ROSTER_DATABASE_URL),
    imports: [],
    consumers: [{ name: 'sync', stream: 'ROSTER_RUNS', filterSubject: filterOf('sync.requested', { directoryType: 'hris-api' }) }],
  });
}

void main();
