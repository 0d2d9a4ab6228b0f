import { MikroORM } from '@mikro-orm/postgresql';
import { createTestDatabase } from '@roster/testing';
import { serviceOrmOptions, sql } from './index';

describe('the services\' PostgreSQL connections (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('orm_config');
    orm = await MikroORM.init(serviceOrmOptions({ schema: 'orm_config', clientUrl: db.url, entities: [], migrations: [] }));
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('compress large values with lz4 where the server has it, and keep the server default where it does not', async () => {
    const em = orm.em.fork();
    const [server] = await sql<{ lz4: boolean }>(em, `select exists (select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) as lz4`);
    const [setting] = await sql<{ value: string }>(em, `select current_setting('default_toast_compression') as value`);
    expect(setting.value).toBe(server.lz4 ? 'lz4' : 'pglz');
    // Every pooled connection, not only the first: two transactions at once take two connections.
    const values = await Promise.all(
      [1, 2].map(() => orm.em.fork().transactional(async (t) => (await sql<{ value: string }>(t, `select current_setting('default_toast_compression') as value, pg_sleep(0.05)`))[0].value)),
    );
    expect(values).toEqual([setting.value, setting.value]);
    if (server.lz4) {
      await sql(em, `create table orm_config_values (v text)`);
      await sql(em, `insert into orm_config_values select repeat('{"email":"someone@example.com"},', 20000)`);
      const [row] = await sql<{ method: string }>(em, `select pg_column_compression(v) as method from orm_config_values`);
      expect(row.method).toBe('lz4');
    }
  });

  it('turn off JIT compilation on every connection: a chunk statement never pays its compile back', async () => {
    // Past jit_above_cost (the cost PostgreSQL estimates from table sizes, not the chunk's), a page of the 1M-row
    // memberships phase spent ~25 ms of 43 compiling. The server default stays on; the services' sessions turn it off.
    const [server] = await sql<{ value: string }>(em(), `select boot_val as value from pg_settings where name = 'jit'`);
    expect(server.value).toBe('on');
    const values = await Promise.all(
      [1, 2].map(() => orm.em.fork().transactional(async (t) => (await sql<{ value: string }>(t, `select current_setting('jit') as value, pg_sleep(0.05)`))[0].value)),
    );
    expect(values).toEqual(['off', 'off']);
    // A statement costed above jit_above_cost (a cross join of generated series, ~103k) is planned without JIT: a
    // plain EXPLAIN shows the JIT section wherever it would compile.
    const plan = await sql<{ 'QUERY PLAN': string }>(em(),
      `explain select count(*) from generate_series(1, 2000) a, generate_series(1, 2000) b where a + b > 5`);
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).not.toMatch(/JIT:/);
  });

  const em = () => orm.em.fork();
});
