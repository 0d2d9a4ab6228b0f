import fc from 'fast-check';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { RowProblemCode, type RowProblem } from '@roster/contracts';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { CSV_USER_POLICY, type ManagerLink, placeholderUser, planManagerLinks } from '@roster/reconciliation';
import { createTestDatabase, inRolledBackTransaction, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { UsersRepository } from '../users/users.repository';
import { MAX_CHAIN_STEPS, ManagerPhase, managersAtInsert } from './apply-managers';
import { ProblemLog } from './problem-log';
import { RunScratch } from './run-scratch';

const TENANT = '00000000-0000-4000-8000-0000000000a1';
const DIRECTORY = '00000000-0000-4000-8000-0000000000a2';
const RUN = '00000000-0000-4000-8000-0000000000a3';
const CTX = { directoryId: DIRECTORY, now: new Date('2025-06-15T00:00:00Z') };
const EMAILS = ['ann@acme.io', 'bob@acme.io', 'cy@acme.io', 'dee@acme.io', 'eve@acme.io', 'fay@acme.io'];
const OUTSIDERS = ['new.boss@acme.io', 'other@acme.io'];

/** Rolls the case's transaction back after `body`, so every case starts from an empty tenant. */
/**
 * The set-based manager phase against real Postgres, checked against the in-memory planner it replaces for
 * loop-free files (R-CSV-15, R-CSV-08): same managers, same placeholders, same problems, same announced changes.
 */
describe('ManagerPhase (R-CSV-15, R-CSV-08)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_managers');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  /**
   * Stores `current` (email → manager email), runs the phase on `links`, and reads the outcome back. `created`
   * are the run's new users: stored with the rest (`linkAtInsert` false), or — as a run does it — inserted after
   * them one at a time in the order of their first link (a batch each), linked at insert to a manager already
   * stored (managersAtInsert).
   */
  async function runPhase(current: ReadonlyMap<string, string | null>, links: readonly ManagerLink[], created: readonly string[] = [], linkAtInsert = false) {
    let outcome!: Awaited<ReturnType<typeof readOutcome>> & { linkedAtInsert: string[] };
    await inRolledBackTransaction(orm, async (em) => {
      const users = new UsersRepository(em, TENANT);
      const rows = [...current.keys()].map((email) => users.withId(placeholderUser(email, CSV_USER_POLICY, CTX)));
      await users.upsert(rows);
      await users.setManagers([...current].flatMap(([email, managerEmail]) => (managerEmail ? [{ email, managerEmail }] : [])));
      const scratch = new RunScratch(em);
      await scratch.create();
      const linkedAtInsert: string[] = [];
      if (!linkAtInsert) await scratch.addCreated(rows.filter((r) => created.includes(r.email)));
      else {
        const firstLinkAt = (email: string) => {
          const at = links.findIndex((l) => l.email.toLowerCase() === email);
          return at < 0 ? links.length : at;
        };
        for (const email of [...created].sort((a, b) => firstLinkAt(a) - firstLinkAt(b))) {
          const row = users.withId(placeholderUser(email, CSV_USER_POLICY, CTX));
          const managerIds = await managersAtInsert(users, [row], links);
          if (managerIds.size > 0) linkedAtInsert.push(email);
          await users.upsert([row], managerIds);
          await scratch.addCreated([row]);
        }
      }
      await scratch.addLinks(links);
      await scratch.index();
      const problems = new ProblemLog(em, TENANT, RUN);
      const phase = new ManagerPhase(em, TENANT, users, scratch, problems);
      const counts = await phase.apply(CSV_USER_POLICY, CTX);
      const announced: string[] = [];
      for await (const page of phase.changesOfExistingUsers()) announced.push(...page.map((c) => `${c.email}:${c.previousManagerEmail}->${c.managerEmail}`));
      outcome = { ...(await readOutcome(em, { counts, problems: problems.first, checkedBy: phase.checkedBy, announced })), linkedAtInsert };
    });
    return outcome;
  }

  async function readOutcome(em: EntityManager, phase: { counts: { created: number; failed: number }; problems: RowProblem[]; checkedBy: string | undefined; announced: string[] }) {
    const rows = await sql<{ email: string; manager_email: string | null }>(em,
      `select u.email, m.email as manager_email from ${qualified(em, 'users')} u left join ${qualified(em, 'users')} m on m.id = u.manager_id where u.tenant_id = ?`,
      [TENANT],
    );
    return { ...phase, managers: new Map(rows.map((r) => [r.email, r.manager_email])) };
  }

  /** What the planner would leave: the stored links with its changes, its placeholders, its problems. */
  function expected(current: ReadonlyMap<string, string | null>, links: readonly ManagerLink[], created: readonly string[] = []) {
    const plan = planManagerLinks(links, { has: (email) => current.has(email) }, current);
    const managers = new Map(current);
    for (const email of plan.placeholders) managers.set(email, null);
    for (const change of plan.setManager) managers.set(change.email, change.managerEmail);
    const announced = plan.setManager.filter((c) => !created.includes(c.email)).map((c) => `${c.email}:${c.previousManagerEmail}->${c.managerEmail}`);
    return { plan, managers, announced };
  }

  const sortProblems = (problems: readonly RowProblem[]) => [...problems].sort((a, b) => (a.rowNumber ?? 0) - (b.rowNumber ?? 0) || a.code.localeCompare(b.code));

  /** Stored links without loops: each user reports to someone earlier in a random order, or to nobody. */
  const currentArb = fc
    .tuple(fc.shuffledSubarray(EMAILS, { minLength: EMAILS.length }), fc.array(fc.nat(), { minLength: EMAILS.length, maxLength: EMAILS.length }))
    .map(([order, picks]) => {
      const managerOf = new Map<string, string | null>();
      order.forEach((email, i) => {
        const pick = (picks[i] ?? 0) % (i + 1);
        managerOf.set(email, pick === i ? null : (order[pick] ?? null));
      });
      return managerOf;
    });
  const linksArb = fc
    .array(fc.record({ email: fc.mixedCase(fc.constantFrom(...EMAILS)), managerEmail: fc.mixedCase(fc.constantFrom(...EMAILS, ...OUTSIDERS)) }), { maxLength: 10 })
    .map((links): ManagerLink[] => links.map((link, i) => ({ ...link, rowNumber: i + 2 })));

  it('R-CSV-15 leaves the same managers, placeholders and problems as the in-memory planner, for any links', async () => {
    await fc.assert(
      fc.asyncProperty(currentArb, linksArb, fc.subarray(EMAILS), async (stored, links, created) => {
        // A user the run created had no manager before the run's links.
        const current = new Map([...stored].map(([email, manager]): [string, string | null] => [email, created.includes(email) ? null : manager]));
        const want = expected(current, links, created);
        const got = await runPhase(current, links, created);
        expect(got.managers).toEqual(want.managers);
        expect(sortProblems(got.problems)).toEqual(sortProblems(want.plan.problems));
        expect(got.counts.created).toBe(want.plan.placeholders.length);
        expect(got.announced.sort()).toEqual(want.announced.sort());
        // The set-based check decides every file without a loop; the planner decides only where one is refused.
        const refusedLoop = want.plan.problems.some((p) => p.code === RowProblemCode.MANAGER_LOOP);
        expect(got.checkedBy).toBe(refusedLoop ? 'planner' : 'sql');
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('R-CSV-08 R-CSV-15 new users linked at insert to managers already stored end as the planner leaves them unlinked-first: same managers, placeholders, problems', async () => {
    const existing = EMAILS.slice(0, 3);
    const fresh = [...EMAILS.slice(3), ...OUTSIDERS.slice(0, 1)];
    const currentOfExisting = currentArb.map((m) => new Map([...m].filter(([email]) => existing.includes(email)).map(([e, mgr]) => [e, mgr !== null && existing.includes(mgr) ? mgr : null])));
    const links = fc
      .array(fc.record({ email: fc.mixedCase(fc.constantFrom(...existing, ...fresh)), managerEmail: fc.mixedCase(fc.constantFrom(...EMAILS, ...OUTSIDERS)) }), { maxLength: 10 })
      .map((ls): ManagerLink[] => ls.map((link, i) => ({ ...link, rowNumber: i + 2 })));
    let linked = 0;
    let loops = 0;
    await fc.assert(
      fc.asyncProperty(currentOfExisting, links, fc.subarray(fresh), async (current, allLinks, created) => {
        // Rows name users the run has: stored ones and the ones it created.
        const ls = allLinks.filter((l) => existing.includes(l.email.toLowerCase()) || created.includes(l.email.toLowerCase()));
        // The planner's view: the new users exist, with no manager yet (what the run did before linking at insert).
        const before = new Map<string, string | null>([...current, ...created.map((e): [string, string | null] => [e, null])]);
        const want = expected(before, ls, created);
        const got = await runPhase(current, ls, created, true);
        expect(got.managers).toEqual(want.managers);
        expect(sortProblems(got.problems)).toEqual(sortProblems(want.plan.problems));
        expect(got.counts.created).toBe(want.plan.placeholders.length);
        expect(got.announced.sort()).toEqual(want.announced.sort());
        linked += got.linkedAtInsert.length;
        if (want.plan.problems.some((p) => p.code === RowProblemCode.MANAGER_LOOP)) loops++;
      }),
      { numRuns: 80 },
    );
    // The property was exercised: links were made at insert, and loops through them refused.
    expect(linked).toBeGreaterThan(0);
    expect(loops).toBeGreaterThan(0);
  }, 120_000);

  it('R-CSV-15 a loop closed through a link made at insert is refused on the row that closes it, as the planner refuses it; the link made at insert stays', async () => {
    // Stored: bob → ann. New: dee, whose row (2) names bob: linked at insert. Row 3 makes ann report to dee: a loop
    // (ann → dee → bob → ann) that the planner refuses on row 3, the link that closes it.
    const current = new Map<string, string | null>([
      ['ann@acme.io', null],
      ['bob@acme.io', 'ann@acme.io'],
    ]);
    const links: ManagerLink[] = [
      { rowNumber: 2, email: 'dee@acme.io', managerEmail: 'bob@acme.io' },
      { rowNumber: 3, email: 'ann@acme.io', managerEmail: 'dee@acme.io' },
    ];
    const got = await runPhase(current, links, ['dee@acme.io'], true);
    expect(got.linkedAtInsert).toEqual(['dee@acme.io']);
    expect(got.checkedBy).toBe('planner');
    expect(got.problems).toEqual([expect.objectContaining({ rowNumber: 3, code: RowProblemCode.MANAGER_LOOP })]);
    expect(got.managers.get('dee@acme.io')).toBe('bob@acme.io');
    expect(got.managers.get('ann@acme.io')).toBeNull();
  });

  it('R-CSV-15 finds a loop that runs through stored links, and refuses only the link that closes it', async () => {
    // Stored: cy → bob → ann. The file makes ann report to cy (a loop) and dee to ann (fine).
    const current = new Map<string, string | null>([
      ['ann@acme.io', null],
      ['bob@acme.io', 'ann@acme.io'],
      ['cy@acme.io', 'bob@acme.io'],
      ['dee@acme.io', null],
    ]);
    const links: ManagerLink[] = [
      { rowNumber: 2, email: 'ann@acme.io', managerEmail: 'cy@acme.io' },
      { rowNumber: 3, email: 'dee@acme.io', managerEmail: 'ann@acme.io' },
    ];
    const got = await runPhase(current, links);
    expect(got.checkedBy).toBe('planner');
    expect(got.problems).toEqual([expect.objectContaining({ rowNumber: 2, code: RowProblemCode.MANAGER_LOOP, field: 'Manager Email' })]);
    expect(got.managers.get('ann@acme.io')).toBeNull();
    expect(got.managers.get('dee@acme.io')).toBe('ann@acme.io');
  });

  it(`R-CSV-15 a chain deeper than ${MAX_CHAIN_STEPS} levels is left to the planner and linked in full`, async () => {
    const chain = Array.from({ length: MAX_CHAIN_STEPS + 6 }, (_, i) => `level${i}@acme.io`);
    const current = new Map<string, string | null>(chain.map((email) => [email, null]));
    const links = chain.slice(1).map((email, i) => ({ rowNumber: i + 2, email, managerEmail: chain[i] as string }));
    const got = await runPhase(current, links);
    expect(got.checkedBy).toBe('planner');
    expect(got.problems).toEqual([]);
    expect(got.managers.get(chain[chain.length - 1] as string)).toBe(chain[chain.length - 2]);
    expect(got.managers).toEqual(expected(current, links).managers);
  });
});
