export * from './lib/master-keys';
export * from './lib/secret-box';
export * from './lib/outbound-url';
export * from './lib/allowed-hosts';
