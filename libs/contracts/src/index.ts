export * from './lib/envelope';
export * from './lib/records';
export * from './lib/payloads';
export * from './lib/contracts';
export * from './lib/parse';
export * from './lib/asyncapi';
