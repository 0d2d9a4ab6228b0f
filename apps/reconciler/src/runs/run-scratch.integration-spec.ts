import type { MikroORM } from '@mikro-orm/postgresql';
import { Outbox } from '@roster/messaging';
import { openDatabase } from '@roster/persistence';
import { CSV_USER_POLICY, placeholderUser } from '@roster/reconciliation';
import { createTestDatabase, inRolledBackTransaction, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { TeamsApplier, wantedTeamsOf } from '../teams/apply-teams';
import { UsersRepository } from '../users/users.repository';
import { RunScratch } from './run-scratch';

const TENANT = '00000000-0000-4000-8000-0000000000e1';
const DIRECTORY = '00000000-0000-4000-8000-0000000000e2';
const OTHER_DIRECTORY = '00000000-0000-4000-8000-0000000000e3';
const CTX = { directoryId: DIRECTORY, now: new Date('2026-01-05T00:00:00Z') };

/**
 * R-CSV-09 (issue 4): the memberships phase skips, in PostgreSQL, a record whose user already belongs through the
 * directory to exactly the teams it names — and only such a record: every other one still reaches the planner.
 */
describe('RunScratch.wantedTeams (R-CSV-09)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_run_scratch');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('R-CSV-09 a record naming exactly its user\'s teams through the directory is left out; every other record is planned', async () => {
    await inRolledBackTransaction(orm, async (em) => {
      const users = new UsersRepository(em, TENANT);
      const email = (name: string) => `${name}@scratch.test`;
      const bulk = Array.from({ length: 2500 }, (_, i) => `same${i}`);
      const names = ['same', 'more', 'respelled', 'emptied', 'none', 'other-dir', 'twice', 'unknown-team', ...bulk, 'last-changed'];
      await users.upsert(names.map((n) => users.withId(placeholderUser(email(n), CSV_USER_POLICY, CTX))));
      const outbox = new Outbox('reconciler');
      const member = async (directoryId: string, cells: [string, string[]][]) => {
        const teams = new TeamsApplier(em, outbox, TENANT, '00000000-0000-4000-8000-0000000000e4', directoryId, null);
        await teams.load();
        await teams.applyMemberships(cells.map(([n, t], i) => ({ rowNumber: i + 2, email: email(n), teams: wantedTeamsOf(t) })));
      };
      await member(DIRECTORY, [
        ['same', ['Sales']],
        ['more', ['Sales']],
        ['respelled', ['Sales', 'R&D']],
        ['emptied', ['Sales']],
        ['twice', ['Sales']],
        ...bulk.map((n): [string, string[]] => [n, ['Sales']]),
        ['last-changed', ['Sales']],
      ]);
      await member(OTHER_DIRECTORY, [['other-dir', ['Sales']]]);

      const scratch = new RunScratch(em);
      await scratch.create();
      await scratch.addCreated([{ email: email('new'), id: '00000000-0000-4000-8000-0000000000e5' }]);
      const cells: [string, string[]][] = [
        ['same', ['Sales']], // left out
        ['more', ['Sales', 'R&D']], // a team more
        ['respelled', [' r&d ', 'SALES']], // the same keys spelled otherwise: left out
        ['emptied', []], // a team fewer
        ['none', []], // none before, none now: left out
        ['other-dir', ['Sales']], // a member through another directory only: added through this one
        ['twice', ['Sales']], // two records of one email: both planned (the planner takes the first)
        ['twice', ['R&D']],
        ['unknown-team', ['Nowhere']], // a placeholder to create
        ['new', ['Sales']], // created by this run
        ...bulk.map((n): [string, string[]] => [n, ['sales']]), // 2500 left out, across pages
        ['last-changed', []],
      ];
      await scratch.addWantedTeams(cells.map(([n, t], i) => ({ rowNumber: i + 2, email: email(n), teams: wantedTeamsOf(t) })));
      await scratch.index();

      const planned: { email: string; newUser: boolean }[] = [];
      for await (const page of scratch.wantedTeams({ tenantId: TENANT, directoryId: DIRECTORY })) planned.push(...page.map((w) => ({ email: w.email, newUser: w.newUser })));
      expect(planned).toEqual(
        ['more', 'emptied', 'other-dir', 'twice', 'twice', 'unknown-team', 'new', 'last-changed'].map((n) => ({ email: email(n), newUser: n === 'new' })),
      );
    });
  });

  it('R-CSV-09 a user found unchanged whose membership or manager then changed counts once as updated, whatever batches found it', async () => {
    await inRolledBackTransaction(orm, async (em) => {
      const scratch = new RunScratch(em);
      await scratch.create();
      await scratch.addUnchanged(['a@x.test', 'b@x.test', 'c@x.test']);
      await scratch.addUnchanged(['a@x.test', 'd@x.test']); // a: its email's record in two batches, unchanged both times
      await scratch.index();
      await scratch.addTouched(['a@x.test', 'c@x.test', 'new@x.test']); // new: created (not unchanged), then touched
      await scratch.addTouched(['c@x.test']);
      expect(await scratch.unchangedButTouched()).toBe(2);
    });
  });
});
