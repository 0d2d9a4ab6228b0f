export * from './lib/orm-config';
export * from './lib/database';
