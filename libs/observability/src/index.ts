export { ConfigError, exitOnConfigError, loadConfig } from './config/load-config';
export { LOG_LEVELS, envField, isSecretField, secretField, type LogLevel } from './config/env-fields';
export { REDACT_CENSOR, REDACT_PATHS, createLogger, type LoggerOptions } from './logging/logger';
export { logContext, withLogContext, type LogContext } from './logging/log-context';
export { LoggingModule, REQUEST_ID_HEADER, ROOT_LOGGER, requestId, type LoggingModuleOptions } from './logging/logging.module';
export {
  down,
  natsIndicator,
  postgresIndicator,
  up,
  withTimeout,
  type HealthIndicatorFn,
  type HealthIndicatorResult,
  type HealthStatus,
  type IndicatorOptions,
  type NatsTarget,
  type PostgresTarget,
} from './health/indicators';
export {
  HealthController,
  HealthModule,
  HealthService,
  type HealthModuleAsyncOptions,
  type HealthModuleOptions,
  type ReadinessReport,
} from './health/health.module';
export { PUBLIC_ROUTE, Public } from './http/public-route';
export { Metrics, metrics, type MetricsOptions } from './metrics/metrics';
export { MetricsController, MetricsModule } from './metrics/metrics.module';
export { installShutdown, type ShutdownLogger, type ShutdownOptions } from './shutdown/install-shutdown';
