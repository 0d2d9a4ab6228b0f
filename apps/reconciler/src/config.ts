import { BaseServiceConfig } from '@roster/platform';

export const ReconcilerConfig = BaseServiceConfig;
