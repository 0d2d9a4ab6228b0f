import { Module } from '@nestjs/common';
import { MasterKeyRing, SecretBox } from '@roster/security';
import type { ConnectorGatewayConfig } from './config';
import { HrisTestResponder } from './connection/hris-test.responder';
import { TestHrisConnectionUseCase } from './connection/test-hris-connection.usecase';
import { CONNECTOR_REGISTRY, ConnectorRegistry } from './connectors/connector.registry';
import { MergeConnector } from './connectors/merge/merge.connector';
import { SyncRequestedHandler } from './sync/sync-requested.handler';
import { GATEWAY_SETTINGS, SyncHrisUseCase } from './sync/sync-hris.usecase';

/** The connectors this gateway knows, by provider (a second provider: one folder under connectors/ and one line here). */
export function connectorsFor(config: ConnectorGatewayConfig) {
  const retry = { attempts: config.ROSTER_HRIS_RETRY_ATTEMPTS, baseDelayMs: config.ROSTER_HRIS_RETRY_BASE_MS, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };
  return new ConnectorRegistry([
    new MergeConnector({
      apiKey: config.ROSTER_HRIS_BRIDGE_API_KEY,
      urlPolicy: { allowLoopback: config.ROSTER_HRIS_ALLOW_LOOPBACK, allowedHosts: config.ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS },
      retry,
    }),
  ]);
}

@Module({})
export class ConnectorGatewayModule {
  static register(config: ConnectorGatewayConfig) {
    return {
      module: ConnectorGatewayModule,
      controllers: [SyncRequestedHandler],
      providers: [
        {
          provide: GATEWAY_SETTINGS,
          useValue: { secrets: new SecretBox(new MasterKeyRing(config.ROSTER_SECRETS_KEY, config.ROSTER_SECRETS_PREVIOUS_KEYS)), batchSize: config.ROSTER_BATCH_SIZE, fullFetchEveryMs: config.ROSTER_HRIS_FULL_FETCH_DAYS * 86_400_000 },
        },
        { provide: CONNECTOR_REGISTRY, useValue: connectorsFor(config) },
        SyncHrisUseCase,
        TestHrisConnectionUseCase,
        HrisTestResponder,
      ],
    };
  }
}
