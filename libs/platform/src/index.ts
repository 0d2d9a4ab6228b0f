export * from './lib/platform.module';
export * from './lib/service-config';
export * from './lib/run-service';
