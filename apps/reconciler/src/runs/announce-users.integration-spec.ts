import fc from 'fast-check';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Outbox, outboxEvents } from '@roster/messaging';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { CSV_USER_POLICY, placeholderUser } from '@roster/reconciliation';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { UsersRepository } from '../users/users.repository';
import { announceCreated } from './announce-users';

const TENANT = '00000000-0000-4000-8000-0000000000c1';
const CTX = { directoryId: '00000000-0000-4000-8000-0000000000c2', now: new Date('2026-01-05T00:00:00Z') };

class Rollback extends Error {}

/**
 * R-EVT-01: a run's user.created events leave in the order the run created the users (what a consumer following the
 * directory reads), not in whatever order PostgreSQL returns a chunk's rows.
 */
describe('announceCreated (R-EVT-01)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_announce');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('R-EVT-01 user.created follows creation order within and across chunks of 1000', async () => {
    await orm.em
      .fork()
      .transactional(async (em) => {
        const users = new UsersRepository(em, TENANT);
        const created = Array.from({ length: 1500 }, (_, i) => users.withId(placeholderUser(`user${i}@announce.test`, CSV_USER_POLICY, CTX)));
        await users.upsert(created);
        // Creation order is not the order of the ids (random uuids) nor of the rows on disk.
        const order = fc.sample(fc.shuffledSubarray(created, { minLength: created.length, maxLength: created.length }), { numRuns: 1, seed: 3 })[0] ?? created;
        // Whatever plan PostgreSQL picks for the lookup: without nested loops it hashes or sorts, and rows come back
        // in another order than the keys (as a tenant's statistics can make it choose; seen in a review's test).
        await sql(em, `set local enable_nestloop = off`);
        const outbox = new Outbox('reconciler');
        await announceCreated(em, outbox, users, order.map((u) => u.id), '00000000-0000-4000-8000-0000000000c3', TENANT);
        const events = await sql<{ envelope: { type: string; data: { user: { userId: string } } } }>(em,
          `select envelope from ${outboxEvents(qualified(em, 'outbox'))} order by seq, n`,
        );
        expect(events.map((e) => e.envelope.type)).toEqual(order.map(() => 'io.roster.directory.user.created.v1'));
        expect(events.map((e) => e.envelope.data.user.userId)).toEqual(order.map((u) => u.id));
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
  });
});
