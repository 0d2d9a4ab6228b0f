import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { SERVICES, TestDatabase, createTestDatabase } from '@roster/testing';

const root = join(__dirname, '../..');

describe('`node main.js migrate` (the deploy\'s migration step)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_migrate');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('applies every service\'s migrations into its own schema and exits 0, twice without harm', async () => {
    const env = { PATH: process.env.PATH, ROSTER_DATABASE_URL: db.url, ROSTER_NATS_URL: 'nats://127.0.0.1:1', ROSTER_HTTP_PORT: '1' };
    for (let pass = 0; pass < 2; pass++) {
      for (const service of SERVICES) {
        const { stdout } = await promisify(execFile)(process.execPath, [join(root, `dist/apps/${service}/src/main.js`), 'migrate'], {
          env: { ...env, ROSTER_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'), ROSTER_API_KEY: 'x'.repeat(20), ROSTER_SMTP_URL: 'smtp://127.0.0.1:1' },
        });
        expect(stdout).toContain('"msg":"migrations applied"');
      }
    }
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const { rows } = await pg.query(
      `select table_schema from information_schema.tables where table_name = 'mikro_orm_migrations' order by table_schema`,
    );
    await pg.end();
    expect(rows.map((r) => r.table_schema)).toEqual(['connector_gateway', 'directory_config', 'file_ingest', 'notifier', 'reconciler']);
  }, 90_000);
});
