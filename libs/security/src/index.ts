export * from './lib/secret-box';
export * from './lib/outbound-url';
