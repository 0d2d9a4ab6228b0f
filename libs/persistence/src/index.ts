export * from './lib/orm-config';
export * from './lib/database';
export * from './lib/json-sql';
export * from './lib/prune';
