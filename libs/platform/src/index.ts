export * from './lib/platform.module';
export * from './lib/service-config';
export * from './lib/run-service';
export * from './lib/interval-loop';
export * from './lib/run-retention';
