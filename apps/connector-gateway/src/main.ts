import 'reflect-metadata';
import { filterOf } from '@roster/contracts';
import { exitOnConfigError, loadConfig } from '@roster/observability';
import { runService } from '@roster/platform';
import { ConnectorGatewayModule } from './app.module';
import { ConnectorGatewayConfig } from './config';
import { databaseOptions } from './database';

/**
 * The HR-system API connectors (hris-api directories): `sync.requested` for hris-api on the durable
 * `connector-gateway-sync`, and test connection (`hris.test`) over request/reply.
 */
async function main(): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(ConnectorGatewayConfig));
  await runService({
    service: 'connector-gateway',
    config,
    database: databaseOptions(config.ROSTER_DATABASE_URL),
    imports: [ConnectorGatewayModule.register(config)],
    consumers: [
      { name: 'sync', stream: 'ROSTER_RUNS', filterSubject: filterOf('sync.requested', { directoryType: 'hris-api' }) },
      // R-API-02: the fetch watermark moves when a run is applied.
      { name: 'run-finished', stream: 'ROSTER_RUNS', filterSubject: filterOf('run.finished') },
    ],
  });
}

void main();
