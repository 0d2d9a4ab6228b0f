import type { MikroORM } from '@mikro-orm/postgresql';
import { Outbox, outboxEvents, type OutboxRelay } from '@roster/messaging';
import { openDatabase, qualified } from '@roster/persistence';
import { CSV_USER_POLICY, contentOfStored, placeholderUser, userContentHash } from '@roster/reconciliation';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { UsersRepository } from '../users/users.repository';
import { DeactivateDueUsersUseCase } from './deactivate-due-users.usecase';

const TENANT = '00000000-0000-4000-8000-000000000001';
const DIRECTORY = '00000000-0000-4000-8000-0000000000d1';
const relay = { kick: () => undefined } as unknown as OutboxRelay;

/**
 * R-CSV-10 scheduled deactivations against real Postgres, with an injected clock (no sleeps): the schedule is
 * the users' deactivate_at, so a new process (a restart) picks it up; replicas claim rows SKIP LOCKED.
 */
describe('DeactivateDueUsersUseCase (R-CSV-10)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_deactivation');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
    const em = orm.em.fork();
    const users = new UsersRepository(em, TENANT);
    const ctx = { directoryId: DIRECTORY, now: new Date('2025-06-01T00:00:00Z') };
    const rows = Array.from({ length: 1200 }, (_, i) => {
      const user = placeholderUser(`due${i}@acme.test`, CSV_USER_POLICY, ctx);
      const content = { ...contentOfStored(user as never), deactivateAt: i < 1100 ? '2025-06-10T00:00:00.000Z' : '2025-07-01T00:00:00.000Z' };
      return users.withId({ ...user, ...content, contentHash: userContentHash(content) });
    });
    // A manager who is due: stays the manager of their report (R-CSV-13).
    await users.upsert(rows);
    await users.setManagers([{ email: 'due1@acme.test', managerEmail: 'due0@acme.test' }]);
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  const count = async (sql: string) => Number((await orm.em.fork().execute<{ n: string }[]>(sql, [TENANT]))[0]?.n);

  it('R-CSV-10 deactivates exactly the users whose date has passed, once across two replicas, with user.updated and a new content hash', async () => {
    expect(await new DeactivateDueUsersUseCase(orm, new Outbox('reconciler'), relay).execute(new Date('2025-06-09T23:59:59Z'))).toBe(0);

    // Two replicas at the same instant, each with its own connection pool (as two processes would be).
    const other = await openDatabase({ ...databaseOptions(db.url), migrate: false });
    try {
      const at = new Date('2025-06-10T00:00:01Z');
      const [a, b] = await Promise.all([
        new DeactivateDueUsersUseCase(orm, new Outbox('reconciler'), relay).execute(at),
        new DeactivateDueUsersUseCase(other, new Outbox('reconciler'), relay).execute(at),
      ]);
      expect(a + b).toBe(1100);
    } finally {
      await other.close(true);
    }
    const users = qualified(orm, 'users');
    expect(await count(`select count(*) as n from ${users} where tenant_id = ? and status = 'inactive'`)).toBe(1100);
    expect(await count(`select count(*) as n from ${users} where tenant_id = ? and status = 'active'`)).toBe(100);
    expect(await count(`select count(*) as n from ${outboxEvents(qualified(orm, 'outbox'))} where envelope->>'tenantid' = ? and envelope->>'type' = 'io.roster.directory.user.updated.v1'`)).toBe(1100);

    const [due1] = (await new UsersRepository(orm.em.fork(), TENANT).findByEmails(['due1@acme.test'])).values();
    expect(due1).toMatchObject({ status: 'inactive', managerEmail: 'due0@acme.test' });
    expect(due1?.contentHash).toBe(userContentHash(contentOfStored(due1 as never)));
  }, 60_000);

  it('R-CSV-10 a later tick (or a restarted process) takes the future dates when they come, and nothing twice', async () => {
    const restarted = await openDatabase({ ...databaseOptions(db.url), migrate: false });
    try {
      const use = new DeactivateDueUsersUseCase(restarted, new Outbox('reconciler'), relay);
      expect(await use.execute(new Date('2025-06-30T23:59:59Z'))).toBe(0);
      expect(await use.execute(new Date('2025-07-01T00:00:00Z'))).toBe(100);
      expect(await use.execute(new Date('2025-08-01T00:00:00Z'))).toBe(0);
    } finally {
      await restarted.close(true);
    }
    expect(await count(`select count(*) as n from ${outboxEvents(qualified(orm, 'outbox'))} where envelope->>'tenantid' = ? and envelope->>'type' = 'io.roster.directory.user.updated.v1'`)).toBe(1200);
  }, 60_000);
});
