import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { MikroORM } from '@mikro-orm/postgresql';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { type StoredUser, sourceDigestOf } from '@roster/reconciliation';
import { createTestDatabase, inRolledBackTransaction, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { UsersRepository, usersByKeySql } from './users.repository';

const TENANT = '00000000-0000-4000-8000-0000000000d1';
const DIRECTORY = '00000000-0000-4000-8000-0000000000d2';

/**
 * Text as HR systems send it, with what an array literal must escape: quotes, backslashes, braces, commas, blanks,
 * the word NULL, empty strings, non-ASCII (PostgreSQL text holds no NUL character; CSV and JSON input that has one
 * is refused before it gets here).
 */
const awkward = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', 'NULL', 'null', '"', '\\', '{a,b}', ' padded ', 'a,b', "O'Brien", '"quoted"', 'back\\slash', 'tab\there', 'line\nbreak', 'Zoë 日本'),
).filter((s) => !s.includes('\u0000'));
const maybe = fc.option(awkward, { nil: null });

const userArb = (email: string): fc.Arbitrary<Omit<StoredUser, 'id'>> =>
  fc.record({
    email: fc.constant(email),
    status: fc.constantFrom('active', 'inactive', 'deleted') as fc.Arbitrary<StoredUser['status']>,
    firstName: maybe,
    lastName: maybe,
    displayName: maybe,
    jobTitle: maybe,
    department: maybe,
    location: maybe,
    employeeId: maybe,
    startDate: fc.option(fc.constantFrom('2024-01-31', '1999-12-01'), { nil: null }),
    isOrgAdmin: fc.boolean(),
    customFields: fc.dictionary(awkward, awkward, { maxKeys: 3 }),
    sourceDirectoryId: fc.option(fc.constant(DIRECTORY), { nil: null }),
    externalId: maybe,
    deactivateAt: fc.option(fc.constantFrom('2026-03-01T00:00:00.000Z', '2031-12-31T23:59:59.000Z'), { nil: null }),
    username: maybe,
    managerEmail: fc.constant(null),
    contentHash: fc.stringMatching(/^[0-9a-f]{8}$/),
    fieldSequences: fc.dictionary(fc.constantFrom('firstName', 'teams', 'customFields.Shoe "size"'), fc.nat(), { maxKeys: 3 }),
  });

/**
 * The users insert and update (`upsert`, one array per column: `columnsOf`) stores every field as given, whatever
 * the text holds (R-CSV-01 upsert by email, R-CSV-04 custom fields, R-EVT-02 field sequences).
 */
describe('UsersRepository.upsert (R-CSV-01, R-CSV-04, R-EVT-02)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_users_repo');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  const emails = ['ann@acme.io', 'bob@acme.io', 'cy@acme.io'];

  it('inserts, then rewrites, every field of every user exactly as given; a manager is linked at insert only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(...emails.map(userArb)), fc.tuple(...emails.map(userArb)), async (first, second) => {
        await inRolledBackTransaction(orm, async (em) => {
          const users = new UsersRepository(em, TENANT);
          const inserted: StoredUser[] = first.map((u) => ({ ...u, id: randomUUID() }));
          const [boss, ...reports] = inserted;
          // The manager is stored first, then linked at its reports' insert (managersAtInsert's shape).
          await users.upsert([boss]);
          await users.upsert(reports, new Map(reports.map((r) => [r.id, boss.id])));
          const stored = await users.findByIds(inserted.map((u) => u.id));
          for (const u of inserted) {
            const managerEmail = u === boss ? null : boss.email;
            expect(stored.get(u.email)).toEqual({ ...u, fieldSequences: u.fieldSequences ?? {}, managerEmail, managerId: u === boss ? null : boss.id, sourceDigest: null });
          }
          // The same ids again with other values: an update of every written field; the manager links stay.
          const updated: StoredUser[] = second.map((u, i) => ({ ...u, id: inserted[i].id }));
          await users.upsert(updated, new Map(updated.map((u) => [u.id, u.id])));
          const rewritten = await users.findByIds(updated.map((u) => u.id));
          for (const u of updated) {
            const managerId = u.id === boss.id ? null : boss.id;
            expect(rewritten.get(u.email)).toEqual({ ...u, fieldSequences: u.fieldSequences ?? {}, managerEmail: managerId ? boss.email : null, managerId, sourceDigest: null });
          }
        });
      }),
      { numRuns: 60 },
    );
  });

  it('writes a thousand users and more in one call, each once', async () => {
    await inRolledBackTransaction(orm, async (em) => {
      const users = new UsersRepository(em, TENANT);
      const many = fc.sample(userArb('any@bulk.io'), { numRuns: 2500, seed: 7 }).map((u, i) => users.withId({ ...u, email: `user${i}@bulk.io` }));
      await users.upsert(many);
      const stored = await users.findByIds(many.map((u) => u.id));
      expect(stored.size).toBe(2500);
      expect(stored.get('user2499@bulk.io')?.id).toBe(many[2499].id);
    });
  });

  it('issue 4: a user is found unchanged by digest only while its content hash is the one its digest was stored with', async () => {
    await inRolledBackTransaction(orm, async (em) => {
      const users = new UsersRepository(em, TENANT);
      const [ann, bob, cy] = fc.sample(userArb('x@acme.io'), { numRuns: 3, seed: 11 }).map((u, i) => users.withId({ ...u, email: emails[i] }));
      // Ann's digest stored with her insert, Bob's set later (a run that found him unchanged), Cy has none.
      await users.upsert([ann, bob, cy], undefined, new Map([[ann.id, sourceDigestOf('rec-ann', ann.contentHash)]]));
      const [before] = await sql<{ updated_at: Date }>(em, `select updated_at from ${qualified(em, 'users')} where id = ?`, [bob.id]);
      await users.setSourceDigests([{ id: bob.id, digest: sourceDigestOf('rec-bob', bob.contentHash) }]);
      const [after] = await sql<{ updated_at: Date; source_digest: string }>(em, `select updated_at, source_digest from ${qualified(em, 'users')} where id = ?`, [bob.id]);
      expect(after.updated_at).toEqual(before.updated_at);
      expect(after.source_digest).toBe(sourceDigestOf('rec-bob', bob.contentHash));

      const probe = [
        { email: ann.email, digest: 'rec-ann' },
        { email: bob.email, digest: 'rec-bob' },
        { email: cy.email, digest: 'rec-cy' },
        { email: 'nobody@acme.io', digest: 'rec-ann' },
      ];
      const probed = async (records: { email: string; digest: string | null }[] = probe) => Object.fromEntries([...(await users.probeByEmail(records))].map(([email, p]) => [email, p]));
      // PostgreSQL's md5(record digest || content hash) is sourceDigestOf: Ann and Bob known, Cy found, a stranger not.
      expect(await probed()).toEqual({ [ann.email]: { id: ann.id, known: true }, [bob.email]: { id: bob.id, known: true }, [cy.email]: { id: cy.id, known: false } });
      // Another record for Ann, or none: not her digest.
      expect(await probed([{ email: ann.email, digest: 'rec-ann-2' }])).toEqual({ [ann.email]: { id: ann.id, known: false } });
      expect(await probed([{ email: ann.email, digest: null }])).toEqual({ [ann.email]: { id: ann.id, known: false } });
      // Bob's content changed by another path (its content hash with it, as every writer keeps it): no longer vouched for.
      await sql(em, `update ${qualified(em, 'users')} set job_title = 'Changed', content_hash = 'other', updated_at = now() where id = ?`, [bob.id]);
      expect((await probed())[bob.email]).toEqual({ id: bob.id, known: false });
      // A rewrite without a digest (its content changed from what any digest was of) clears Ann's.
      await users.upsert([{ ...ann, jobTitle: 'Lead' }]);
      expect((await probed())[ann.email]).toEqual({ id: ann.id, known: false });
    });
  });

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    Alias?: string;
    'Index Cond'?: string;
    Plans?: PlanNode[];
  }
  const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

  it('issue 4 R-EVT-02 looks users up by key with an index probe per key, also where a plain join hashed the whole directory', async () => {
    const em = orm.em.fork();
    const table = qualified(em, 'users');
    const tenant = randomUUID();
    const directory = randomUUID();
    // A tenant of 25 000 users in one directory beside another of 50 000, analyzed: the shape under which the plain
    // join read every user of the directory for each chunk of external ids.
    const seed = (t: string, d: string, n: number, prefix: string) =>
      sql(em,
        `insert into ${table} (id, tenant_id, email, status, source_directory_id, external_id, username, content_hash, custom_fields, created_at, updated_at)
         select gen_random_uuid(), ?, ? || g || '@plan.test', 'active', ?, ? || g, ? || g, md5(g::text), '{}'::jsonb, now(), now() from generate_series(1, ?) g`,
        [t, prefix, d, prefix, prefix, n],
      );
    await seed(randomUUID(), randomUUID(), 50_000, 'other');
    await seed(tenant, directory, 25_000, 'p');
    await sql(em, `analyze ${table}`);
    const keys = Array.from({ length: 500 }, (_, i) => `new-${i}`);
    const cases = [
      { column: 'email', keys: keys.map((k) => `${k}@plan.test`), directory: false },
      { column: 'external_id', keys, directory: true },
      { column: 'username', keys, directory: false },
      { column: 'id', keys: keys.map(() => randomUUID()), directory: false },
    ] as const;
    for (const c of cases) {
      const [row] = await sql<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(em, `explain (format json) ${usersByKeySql(table, c.column, c.directory)}`, [
        c.keys,
        tenant,
        ...(c.directory ? [directory] : []),
      ]);
      const plan = nodes((row?.['QUERY PLAN'][0] as { Plan: PlanNode }).Plan);
      const lookup = plan.filter((n) => n['Relation Name'] === 'users' && n.Alias === 'u');
      expect({ column: c.column, lookup: lookup.map((n) => n['Node Type']), hashed: plan.some((n) => n['Node Type'] === 'Hash Join') }).toEqual({
        column: c.column,
        lookup: ['Index Scan'],
        hashed: false,
      });
      expect(lookup[0]?.['Index Cond']).toContain('k.key');
    }
    await sql(em, `delete from ${table} where email like '%@plan.test'`);
  });
});
