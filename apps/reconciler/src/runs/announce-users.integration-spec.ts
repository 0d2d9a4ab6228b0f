import fc from 'fast-check';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Events, parseEvent } from '@roster/contracts';
import { Outbox, outboxEvents } from '@roster/messaging';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { CSV_USER_POLICY, type StoredUser, placeholderUser } from '@roster/reconciliation';
import { createTestDatabase, inRolledBackTransaction, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { UsersRepository, toDirectoryUser } from '../users/users.repository';
import { announceCreated } from './announce-users';

const TENANT = '00000000-0000-4000-8000-0000000000c1';
const CTX = { directoryId: '00000000-0000-4000-8000-0000000000c2', now: new Date('2026-01-05T00:00:00Z') };

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
    await inRolledBackTransaction(orm, async (em) => {
      const users = new UsersRepository(em, TENANT);
      const created = Array.from({ length: 1500 }, (_, i) => users.withId(placeholderUser(`user${i}@announce.test`, CSV_USER_POLICY, CTX)));
      await users.upsert(created);
      // Creation order is not the order of the ids (random uuids) nor of the rows on disk.
      const order = fc.sample(fc.shuffledSubarray(created, { minLength: created.length, maxLength: created.length }), { numRuns: 1, seed: 3 })[0] ?? created;
      // Whatever plan PostgreSQL picks for the lookup: without nested loops it hashes or sorts, and rows come back
      // in another order than the keys (as a tenant's statistics can make it choose; seen in a review's test).
      await sql(em, `set local enable_nestloop = off`);
      const outbox = new Outbox('reconciler');
      await announceCreated(em, outbox, order.map((u) => u.id), '00000000-0000-4000-8000-0000000000c3', TENANT);
      const events = await sql<{ envelope: { type: string; data: { user: { userId: string } } } }>(em,
        `select envelope from ${outboxEvents(qualified(em, 'outbox'))} order by seq, n`,
      );
      expect(events.map((e) => e.envelope.type)).toEqual(order.map(() => 'io.roster.directory.user.created.v1'));
      expect(events.map((e) => e.envelope.data.user.userId)).toEqual(order.map((u) => u.id));
    });
  });
  /** Text as people and HR systems write it: quotes, backslashes, line breaks, control characters, any script, emoji. */
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom('O\'Brien "Bob"', 'back\\slash', 'line\nbreak\r\ttab', '\u0001\u001f\u007f', 'Zoë 山田 🧑‍💻', '\u2028\u2029', '{"json":1}', ''),
  ).map((t) => t.split(String.fromCharCode(0)).join('')); // PostgreSQL text holds no NUL
  const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
  const shape = fc.record({
    username: nullable(text),
    firstName: nullable(text),
    lastName: nullable(text),
    displayName: nullable(text),
    jobTitle: nullable(text),
    department: nullable(text),
    location: nullable(text),
    employeeId: nullable(text),
    startDate: nullable(fc.constantFrom('2026-01-31', '1999-12-01')),
    status: fc.constantFrom('active', 'inactive', 'deleted', 'anonymized' as const),
    isOrgAdmin: fc.boolean(),
    sourceDirectoryId: nullable(fc.constant(CTX.directoryId)),
    customFields: fc.dictionary(text.filter((k) => k.length > 0), text, { maxKeys: 4 }),
    managed: fc.boolean(),
  });

  it('R-EVT-01 user.created written by PostgreSQL is, member for member, the event the service would build (toDirectoryUser)', async () => {
    const runId = '00000000-0000-4000-8000-0000000000c4';
    await fc.assert(
      fc.asyncProperty(fc.array(shape, { minLength: 1, maxLength: 30 }), async (shapes) => {
        await inRolledBackTransaction(orm, async (em) => {
          const users = new UsersRepository(em, TENANT);
          const boss = users.withId(placeholderUser('boss@announce.test', CSV_USER_POLICY, CTX));
          const created: StoredUser[] = shapes.map(({ managed: _managed, ...fields }, i) => ({
            ...users.withId(placeholderUser(`shape${i}@announce.test`, CSV_USER_POLICY, CTX)),
            ...fields,
          }));
          const managerIds = new Map(created.filter((_, i) => shapes[i].managed).map((u) => [u.id, boss.id]));
          await users.upsert([boss, ...created], managerIds);
          await announceCreated(em, new Outbox('reconciler'), created.map((u) => u.id), runId, TENANT);
          const lines = await sql<{ line: string }>(em, `select e.line from ${qualified(em, 'outbox')} o cross join lateral unnest(string_to_array(o.payload, E'\\n')) with ordinality as e(line, n) order by o.seq, e.n`);
          const stored = await users.findByIds(created.map((u) => u.id));
          const byId = new Map([...stored.values()].map((u) => [u.id, u]));
          expect(lines).toHaveLength(created.length);
          const ids = new Set<string>();
          lines.forEach(({ line }, i) => {
            // A valid CloudEvent of the contract (envelope and payload schema), one line of the page.
            const { name, event } = parseEvent(line);
            expect(name).toBe('user.created');
            expect(event).toMatchObject({ specversion: '1.0', source: 'reconciler', type: Events['user.created'].type, tenantid: TENANT, runid: runId, datacontenttype: 'application/json' });
            expect(new Date(event.time).toISOString()).toBe(event.time);
            ids.add(event.id);
            const user = byId.get(created[i].id) as StoredUser & { managerId: string | null };
            // The same members, values and order as the service's own event (the contract's schema orders them).
            const own = new Outbox('reconciler').message('user.created', { runId, user: toDirectoryUser(user, user.managerId) }, { tenantId: TENANT, runId });
            expect(JSON.stringify((JSON.parse(line) as { data: unknown }).data)).toBe(JSON.stringify(own.envelope.data));
          });
          expect(ids.size).toBe(created.length);
        });
      }),
      { numRuns: 40, seed: 20261207 },
    );
  });
});
