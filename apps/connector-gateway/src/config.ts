import { BaseServiceConfig } from '@roster/platform';

export const ConnectorGatewayConfig = BaseServiceConfig;
