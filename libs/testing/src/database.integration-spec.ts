import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from './database';

describe('createTestDatabase (real PostgreSQL)', () => {
  const created: TestDatabase[] = [];
  const admin = new Client({ connectionString: process.env['ROSTER_TEST_PG_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres' });

  const exists = async (name: string): Promise<boolean> =>
    (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(created.map((db) => db.drop()));
    await admin.end();
  });

  it('creates an empty database with a unique, lower-case name of at most 63 characters', async () => {
    const [a, b] = await Promise.all([createTestDatabase('Reconciler Runs'), createTestDatabase('Reconciler Runs')]);
    created.push(a!, b!);
    expect(a!.name).toMatch(/^roster_t_reconciler_runs_[a-z0-9]{10}$/);
    expect(a!.name).not.toBe(b!.name);
    expect(a!.name.length).toBeLessThanOrEqual(63);
    expect(await exists(a!.name)).toBe(true);
    expect(new URL(a!.url).pathname).toBe(`/${a!.name}`);
  });

  it('keeps names within 63 characters for a very long label', async () => {
    const db = await createTestDatabase('x'.repeat(200));
    created.push(db);
    expect(db.name.length).toBeLessThanOrEqual(63);
    expect(await exists(db.name)).toBe(true);
  });

  it('gives a usable database: create table, insert and select through its url', async () => {
    const db = await createTestDatabase('usable');
    created.push(db);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE users (email text PRIMARY KEY, name text NOT NULL)');
      await client.query('INSERT INTO users VALUES ($1, $2), ($3, $4)', ['ada@example.com', 'Ada', 'alan@example.com', 'Alan']);
      const { rows } = await client.query('SELECT email FROM users ORDER BY email');
      expect(rows).toEqual([{ email: 'ada@example.com' }, { email: 'alan@example.com' }]);
      expect((await client.query('SELECT current_database() AS db')).rows[0].db).toBe(db.name);
    } finally {
      await client.end();
    }
  });

  it('drop() terminates open connections, removes the database and can be called twice', async () => {
    const db = await createTestDatabase('dropped');
    const lingering = new Client({ connectionString: db.url });
    lingering.on('error', () => undefined); // the terminated backend reports here
    await lingering.connect();

    await db.drop();
    await db.drop();

    expect(await exists(db.name)).toBe(false);
    await expect(lingering.query('SELECT 1')).rejects.toThrow();
    await lingering.end().catch(() => undefined);
  });
});
