// Runs once before the whole jest run: fail fast, with a clear sentence, when a real service is missing.
const { Client } = require('pg');

module.exports = async function globalSetup() {
  const url = process.env.ROSTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${url} (${e.message}); start it or set ROSTER_TEST_PG_URL`);
  } finally {
    await client.end().catch(() => undefined);
  }
};
