import fc from 'fast-check';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type EventName, parseEvent } from '@roster/contracts';
import { Outbox } from '@roster/messaging';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { CSV_USER_POLICY, placeholderUser } from '@roster/reconciliation';
import { createTestDatabase, inRolledBackTransaction, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { UsersRepository } from '../users/users.repository';
import { TeamsApplier, wantedTeamsOf } from './apply-teams';

const TENANT = '00000000-0000-4000-8000-0000000000d1';
const DIRECTORY = '00000000-0000-4000-8000-0000000000d2';
const RUN_1 = '00000000-0000-4000-8000-0000000000d3';
const RUN_2 = '00000000-0000-4000-8000-0000000000d4';
const CTX = { directoryId: DIRECTORY, now: new Date('2026-01-05T00:00:00Z') };

/** Team names as HR files spell them: quotes, backslashes, any script, emoji, case and spacing variants. */
const TEAM_NAMES = ['Sales', 'sales ', 'R&D "core"', 'back\\slash', 'Zoë 山田 🧑‍💻', 'Ops\ttab', "O'Neil's"];

/**
 * R-CSV-09 / R-CSV-08 / R-EVT-01: the membership events PostgreSQL writes into the outbox with the memberships
 * (TeamsRepository.changeMemberships) are, member for member, the events the service would build from the stored
 * memberships (`Outbox.message`, the contract's schema order); a placeholder team is announced before any
 * membership that names it; every line is a valid event of the contract.
 */
describe('membership events written by PostgreSQL (R-CSV-09)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_membership_events');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  const wantedOf = fc.array(fc.subarray(TEAM_NAMES, { maxLength: 3 }), { minLength: 1, maxLength: 12 });

  it('R-CSV-09 membership.added and .removed, built in SQL, equal the service-built events; placeholders come first', async () => {
    await fc.assert(
      fc.asyncProperty(wantedOf, wantedOf, async (first, second) => {
        await inRolledBackTransaction(orm, async (em) => {
          const users = new UsersRepository(em, TENANT);
          const people = Array.from({ length: Math.max(first.length, second.length) }, (_, i) => users.withId(placeholderUser(`member${i}@teams.test`, CSV_USER_POLICY, CTX)));
          await users.upsert(people);
          const outbox = new Outbox('reconciler');
          const apply = async (runId: string, cells: string[][]) => {
            const teams = new TeamsApplier(em, outbox, TENANT, runId, DIRECTORY, 'owner@teams.test');
            await teams.load();
            return teams.applyMemberships(cells.map((names, i) => ({ rowNumber: i + 2, email: people[i].email, teams: wantedTeamsOf(names) })));
          };
          const memberships = () =>
            sql<{ team_id: string; user_id: string; email: string; name: string }>(em,
              `select m.team_id, m.user_id, u.email, t.name from ${qualified(em, 'team_memberships')} m
                 join ${qualified(em, 'users')} u on u.id = m.user_id join ${qualified(em, 'teams')} t on t.id = m.team_id
                where m.tenant_id = ?`,
              [TENANT],
            );
          const key = (m: { team_id: string; user_id: string }) => `${m.team_id}/${m.user_id}`;

          await apply(RUN_1, first);
          const afterFirst = await memberships();
          const lines1 = await drain(em);
          await apply(RUN_2, second);
          const afterSecond = await memberships();
          const lines2 = await drain(em);

          const expectEvents = (lines: string[], runId: string, before: typeof afterFirst, after: typeof afterFirst, changed: Set<string>) => {
            const events = lines.map((line) => ({ line, ...parseEvent(line) }));
            const seenTeams = new Set(before.map((m) => m.team_id));
            const added = new Map(after.filter((m) => !before.some((b) => key(b) === key(m))).map((m) => [key(m), m]));
            const removed = new Map(before.filter((m) => !after.some((a) => key(a) === key(m))).map((m) => [key(m), m]));
            const byName = (name: EventName) => events.filter((e) => e.name === name);
            for (const e of events) {
              if (e.name === 'team.created') seenTeams.add((e.event.data as { team: { teamId: string } }).team.teamId);
              if (e.name !== 'membership.added' && e.name !== 'membership.removed') continue;
              const data = e.event.data as { teamId: string; userId: string };
              const m = (e.name === 'membership.added' ? added : removed).get(`${data.teamId}/${data.userId}`);
              expect(m).toBeDefined();
              if (!m) continue;
              // A consumer never meets a team it was not told about.
              if (e.name === 'membership.added') expect(seenTeams.has(m.team_id) || before.some((b) => b.team_id === m.team_id)).toBe(true);
              const own = outbox.message(e.name, { runId, teamId: m.team_id, userId: m.user_id, email: m.email, teamName: m.name, sourceDirectoryId: DIRECTORY }, { tenantId: TENANT, runId });
              expect(JSON.stringify((JSON.parse(e.line) as { data: unknown }).data)).toBe(JSON.stringify(own.envelope.data));
              expect(e.event).toMatchObject({ specversion: '1.0', source: 'reconciler', tenantid: TENANT, runid: runId, type: own.envelope.type });
              expect(e.line.includes('\n')).toBe(false);
            }
            expect(byName('membership.added')).toHaveLength(added.size);
            expect(byName('membership.removed')).toHaveLength(removed.size);
            expect(new Set(events.map((e) => e.event.id)).size).toBe(events.length);
            expect(changed).toEqual(new Set([...added.values(), ...removed.values()].map((m) => m.email)));
          };
          expectEvents(lines1, RUN_1, [], afterFirst, new Set(afterFirst.map((m) => m.email)));
          const changedSecond = new Set(
            [...afterSecond.filter((m) => !afterFirst.some((b) => key(b) === key(m))), ...afterFirst.filter((m) => !afterSecond.some((a) => key(a) === key(m)))].map((m) => m.email),
          );
          expectEvents(lines2, RUN_2, afterFirst, afterSecond, changedSecond);
        });
      }),
      { numRuns: 30, seed: 20261207 },
    );
  });
});

/** The outbox's events as their lines, in order, and the outbox emptied. */
async function drain(em: Parameters<typeof sql>[0]): Promise<string[]> {
  const rows = await sql<{ line: string }>(em,
    `select e.line from ${qualified(em, 'outbox')} o cross join lateral unnest(string_to_array(o.payload, E'\\n')) with ordinality as e(line, n) order by o.seq, e.n`,
  );
  await sql(em, `delete from ${qualified(em, 'outbox')}`);
  return rows.map((r) => r.line);
}
