import type { HrisConnector } from './connector';
import { ConnectorException, ConnectorExceptionCode } from './connector.exception';

export const CONNECTOR_REGISTRY = Symbol('CONNECTOR_REGISTRY');

/** Connectors by provider: a directory's `hris.provider` picks one. A new provider is a folder + one entry. */
export class ConnectorRegistry {
  private readonly byProvider: Map<string, HrisConnector>;

  constructor(connectors: readonly HrisConnector[]) {
    this.byProvider = new Map(connectors.map((c) => [c.provider, c]));
  }

  get(provider: string): HrisConnector {
    const connector = this.byProvider.get(provider);
    if (!connector) {
      throw new ConnectorException(ConnectorExceptionCode.NOT_CONFIGURED, `no connector for provider '${provider}' (known: ${this.providers().join(', ')})`);
    }
    return connector;
  }

  providers(): string[] {
    return [...this.byProvider.keys()];
  }
}
