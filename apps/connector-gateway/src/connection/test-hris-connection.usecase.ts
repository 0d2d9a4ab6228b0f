import { Inject, Injectable } from '@nestjs/common';
import type { HrisTestReplyV1, HrisTestRequestV1 } from '@roster/contracts';
import { SecretBoxError, directorySecretOwner } from '@roster/security';
import { ConnectorException } from '../connectors/connector.exception';
import { CONNECTOR_REGISTRY, ConnectorRegistry } from '../connectors/connector.registry';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../sync/sync-hris.usecase';

/** R-API-01: test connection; ok, or the precise reason (bad key, bad token, unreachable, rate-limited, …). */
@Injectable()
export class TestHrisConnectionUseCase {
  constructor(
    @Inject(CONNECTOR_REGISTRY) private readonly registry: ConnectorRegistry,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  async execute(req: HrisTestRequestV1): Promise<HrisTestReplyV1> {
    try {
      const connector = this.registry.get(req.provider);
      const accountToken = this.settings.secrets.open(req.accountToken, directorySecretOwner(req.tenantId, req.directoryId));
      return await connector.testConnection({ baseUrl: req.baseUrl, accountToken });
    } catch (e) {
      if (e instanceof ConnectorException || e instanceof SecretBoxError) return { ok: false, code: e.code, message: e.message };
      throw e;
    }
  }
}
