// One jest run covers every tier: unit (*.spec.ts), integration (*.integration-spec.ts, real Postgres/NATS/
// sshd/SMTP) and end-to-end (e2e/**/*.e2e-spec.ts, the five services as processes).
const preset = require('./jest.preset');

module.exports = {
  ...preset,
  rootDir: __dirname,
  testMatch: [
    '<rootDir>/apps/**/*.spec.ts',
    '<rootDir>/libs/**/*.spec.ts',
    '<rootDir>/tools/**/*.spec.ts',
    '<rootDir>/apps/**/*.integration-spec.ts',
    '<rootDir>/libs/**/*.integration-spec.ts',
    '<rootDir>/tools/**/*.integration-spec.ts',
    '<rootDir>/e2e/**/*.e2e-spec.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/libs/testing/src/global-setup.js',
  testTimeout: 30000,
  maxWorkers: 2,
};
