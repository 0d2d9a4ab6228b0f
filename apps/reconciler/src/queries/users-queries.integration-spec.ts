import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { MANAGER_CHAIN_MAX_DEPTH, type UsersSearchRequestV1 } from '@roster/contracts';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { UsersQueriesUseCase, likePrefix, searchStatement } from './users-queries.usecase';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const BIG = '00000000-0000-4000-8000-0000000000cc';
const HR = '00000000-0000-4000-8000-0000000000d1';
const PAYROLL = '00000000-0000-4000-8000-0000000000d2';

interface Seed {
  id?: string;
  tenantId?: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  displayName?: string | null;
  status?: string;
  directoryId?: string | null;
  managerId?: string | null;
  customFields?: Record<string, string>;
  username?: string | null;
  externalId?: string | null;
}

/**
 * Issue 9: the reconciler's user reads for the admin API, against real Postgres with every migration applied:
 * tenant scoping, search, filters, keyset paging that neither skips nor repeats while users are written, the
 * manager chain on data with loops (the reconciler refuses them; rows written otherwise must not hang the query),
 * and the plans on a 100k-user tenant.
 */
describe('UsersQueriesUseCase (issue 9)', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let queries: UsersQueriesUseCase;
  const ids: Record<string, string> = {};

  const insertUsers = async (rows: Seed[]) => {
    const em = orm.em.fork();
    for (const r of rows) {
      const id = r.id ?? randomUUID();
      ids[r.email] ??= id;
      await sql(em,
        `insert into ${qualified(em, 'users')} (id, tenant_id, email, status, first_name, last_name, display_name, custom_fields, source_directory_id,
                                                 external_id, username, manager_id, content_hash)
         values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, 'h')`,
        [id, r.tenantId ?? A, r.email, r.status ?? 'active', r.firstName ?? null, r.lastName ?? null, r.displayName ?? null, JSON.stringify(r.customFields ?? {}),
          r.directoryId === undefined ? HR : r.directoryId, r.externalId ?? null, r.username ?? null, r.managerId ?? null],
      );
    }
  };
  const setManager = (email: string, manager: string | null, tenantId = A) =>
    sql(orm.em.fork(), `update ${qualified(orm, 'users')} set manager_id = ? where tenant_id = ? and email = ?`, [manager === null ? null : ids[manager], tenantId, email]);
  const addTeam = async (tenantId: string, name: string, members: string[], directoryId = HR) => {
    const em = orm.em.fork();
    const teamId = randomUUID();
    await sql(em, `insert into ${qualified(em, 'teams')} (id, tenant_id, name, name_key, source_directory_id) values (?, ?, ?, ?, ?)`, [teamId, tenantId, name, name.trim().toLowerCase(), directoryId]);
    for (const email of members) {
      await sql(em, `insert into ${qualified(em, 'team_memberships')} (team_id, user_id, source_directory_id, tenant_id) values (?, ?, ?, ?)`, [teamId, ids[email], directoryId, tenantId]);
    }
    return teamId;
  };
  const search = (q: Partial<UsersSearchRequestV1> = {}) => queries.search({ tenantId: A, limit: 50, ...q });
  const emails = async (q: Partial<UsersSearchRequestV1> = {}) => (await search(q)).users.map((u) => u.email);

  let engineering: string;

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_users_queries');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
    queries = new UsersQueriesUseCase(orm);
    await insertUsers([
      { email: 'ada.lovelace@acme.test', firstName: 'Ada', lastName: 'Lovelace', customFields: { 'T-Shirt Size': 'M', 'Cost Center': 'R&D' }, username: 'ada', externalId: 'E-1' },
      { email: 'alan.turing@acme.test', firstName: 'Alan', lastName: 'Turing', directoryId: PAYROLL },
      { email: 'grace.hopper@acme.test', firstName: 'Grace', lastName: 'Hopper', displayName: 'Amazing Grace' },
      { email: 'katherine.johnson@acme.test', firstName: 'Katherine', lastName: 'Johnson', status: 'inactive' },
      { email: 'a_b@acme.test', firstName: null, lastName: null, directoryId: null },
      { email: 'axb@acme.test', firstName: 'Percent', lastName: '100%' },
      // Tenant B has an Ada too, with the same email: never seen from A.
      { tenantId: B, email: 'ada.lovelace@acme.test', firstName: 'Ada', lastName: 'Elsewhere', id: randomUUID() },
    ]);
    await setManager('ada.lovelace@acme.test', 'grace.hopper@acme.test');
    await setManager('alan.turing@acme.test', 'grace.hopper@acme.test');
    await setManager('katherine.johnson@acme.test', 'ada.lovelace@acme.test');
    engineering = await addTeam(A, 'Engineering', ['ada.lovelace@acme.test', 'alan.turing@acme.test']);
    await addTeam(A, 'Analytical Engines', ['ada.lovelace@acme.test'], PAYROLL);
  }, 120_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('searches by a case-insensitive prefix of the email, first name, full name, last name or display name, in email order', async () => {
    expect(await emails()).toEqual(['a_b@acme.test', 'ada.lovelace@acme.test', 'alan.turing@acme.test', 'axb@acme.test', 'grace.hopper@acme.test', 'katherine.johnson@acme.test']);
    expect(await emails({ q: 'ADA' })).toEqual(['ada.lovelace@acme.test']);
    expect(await emails({ q: 'ada lov' })).toEqual(['ada.lovelace@acme.test']);
    expect(await emails({ q: 'turi' })).toEqual(['alan.turing@acme.test']);
    expect(await emails({ q: 'amazing' })).toEqual(['grace.hopper@acme.test']);
    expect(await emails({ q: 'a' })).toEqual(['a_b@acme.test', 'ada.lovelace@acme.test', 'alan.turing@acme.test', 'axb@acme.test', 'grace.hopper@acme.test']);
    // LIKE's wildcards are the text they are.
    expect(await emails({ q: 'a_' })).toEqual(['a_b@acme.test']);
    expect(await emails({ q: '100%' })).toEqual(['axb@acme.test']);
    expect(await emails({ q: 'nobody' })).toEqual([]);
    expect(likePrefix('a\\b%c_')).toBe('a\\\\b\\%c\\_%');
  });

  it('filters by owning directory, status, team (id or name, any case) and manager', async () => {
    expect(await emails({ directoryId: PAYROLL })).toEqual(['alan.turing@acme.test']);
    expect(await emails({ status: 'inactive' })).toEqual(['katherine.johnson@acme.test']);
    expect(await emails({ team: engineering })).toEqual(['ada.lovelace@acme.test', 'alan.turing@acme.test']);
    expect(await emails({ team: '  analytical ENGINES ' })).toEqual(['ada.lovelace@acme.test']);
    expect(await emails({ team: 'No such team' })).toEqual([]);
    expect(await emails({ managerId: ids['grace.hopper@acme.test'] })).toEqual(['ada.lovelace@acme.test', 'alan.turing@acme.test']);
    expect(await emails({ q: 'a', status: 'active', team: 'engineering', directoryId: HR })).toEqual(['ada.lovelace@acme.test']);
    const [ada] = (await search({ q: 'ada' })).users;
    expect(ada).toEqual({
      userId: ids['ada.lovelace@acme.test'],
      email: 'ada.lovelace@acme.test',
      username: 'ada',
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: null,
      status: 'active',
      jobTitle: null,
      department: null,
      sourceDirectoryId: HR,
      managerId: ids['grace.hopper@acme.test'],
      teams: ['Analytical Engines', 'Engineering'],
    });
  });

  it('R-TEN-01 never reads another tenant: its users, teams and ids are not found', async () => {
    const fromB = await queries.search({ tenantId: B, q: 'ada', limit: 10 });
    expect(fromB.users.map((u) => [u.email, u.lastName])).toEqual([['ada.lovelace@acme.test', 'Elsewhere']]);
    expect(await queries.search({ tenantId: B, team: engineering, limit: 10 })).toEqual({ users: [], nextAfter: null });
    expect(await queries.search({ tenantId: B, managerId: ids['grace.hopper@acme.test'], limit: 10 })).toEqual({ users: [], nextAfter: null });
    expect(await queries.profile({ tenantId: B, userId: ids['ada.lovelace@acme.test'] })).toEqual({});
    expect(await queries.profile({ tenantId: A, userId: randomUUID() })).toEqual({});
  });

  it('reads a profile: custom fields, username, external id, teams through each directory, the manager chain and direct reports', async () => {
    const { user } = await queries.profile({ tenantId: A, userId: ids['ada.lovelace@acme.test'] });
    expect(user).toMatchObject({
      email: 'ada.lovelace@acme.test',
      username: 'ada',
      externalId: 'E-1',
      status: 'active',
      sourceDirectoryId: HR,
      customFields: { 'T-Shirt Size': 'M', 'Cost Center': 'R&D' },
      teams: [
        { name: 'Analytical Engines', sourceDirectoryId: PAYROLL },
        { name: 'Engineering', sourceDirectoryId: HR },
      ],
      groups: [],
      managerChain: [{ userId: ids['grace.hopper@acme.test'], email: 'grace.hopper@acme.test', displayName: 'Amazing Grace' }],
      managerChainEnd: 'top',
      directReports: 1,
    });
    const top = await queries.profile({ tenantId: A, userId: ids['grace.hopper@acme.test'] });
    expect(top.user).toMatchObject({ managerChain: [], managerChainEnd: 'top', directReports: 2 });
    const deep = await queries.profile({ tenantId: A, userId: ids['katherine.johnson@acme.test'] });
    expect(deep.user?.managerChain.map((m) => m.email)).toEqual(['ada.lovelace@acme.test', 'grace.hopper@acme.test']);
  });

  it('stops a manager chain at a loop in the data, at itself, at a missing manager and at the depth limit, without hanging', async () => {
    // x1 -> x2 -> x3 -> x1, and x0 -> x1 (into the loop): written directly, as no run would.
    await insertUsers(['x0', 'x1', 'x2', 'x3', 'self', 'orphan'].map((n) => ({ email: `${n}@loop.test` })));
    await setManager('x0@loop.test', 'x1@loop.test');
    await setManager('x1@loop.test', 'x2@loop.test');
    await setManager('x2@loop.test', 'x3@loop.test');
    await setManager('x3@loop.test', 'x1@loop.test');
    await setManager('self@loop.test', 'self@loop.test');
    await sql(orm.em.fork(), `update ${qualified(orm, 'users')} set manager_id = ? where email = 'orphan@loop.test'`, [randomUUID()]);
    const chain = async (email: string) => (await queries.profile({ tenantId: A, userId: ids[email] })).user;

    expect(await chain('x1@loop.test')).toMatchObject({ managerChainEnd: 'loop', directReports: 2 });
    expect((await chain('x1@loop.test'))?.managerChain.map((m) => m.email)).toEqual(['x2@loop.test', 'x3@loop.test']);
    expect((await chain('x0@loop.test'))?.managerChain.map((m) => m.email)).toEqual(['x1@loop.test', 'x2@loop.test', 'x3@loop.test']);
    expect(await chain('x0@loop.test')).toMatchObject({ managerChainEnd: 'loop' });
    expect(await chain('self@loop.test')).toMatchObject({ managerChain: [], managerChainEnd: 'loop', directReports: 1 });
    expect(await chain('orphan@loop.test')).toMatchObject({ managerChain: [], managerChainEnd: 'missing' });

    // A chain deeper than the limit: the nearest MANAGER_CHAIN_MAX_DEPTH managers, and it says so.
    const depth = MANAGER_CHAIN_MAX_DEPTH + 10;
    await insertUsers(Array.from({ length: depth + 1 }, (_, i) => ({ email: `level${String(i).padStart(3, '0')}@deep.test` })));
    for (let i = 0; i < depth; i++) await setManager(`level${String(i).padStart(3, '0')}@deep.test`, `level${String(i + 1).padStart(3, '0')}@deep.test`);
    const bottom = await chain('level000@deep.test');
    expect(bottom?.managerChain).toHaveLength(MANAGER_CHAIN_MAX_DEPTH);
    expect(bottom?.managerChain[0]?.email).toBe('level001@deep.test');
    expect(bottom?.managerChainEnd).toBe('depth-limit');
  });

  it('pages by email without skipping or repeating users, while users are added before and after the cursor', async () => {
    const tenantId = randomUUID();
    await insertUsers(Array.from({ length: 230 }, (_, i) => ({ tenantId, email: `p${String(i * 2).padStart(4, '0')}@page.test` })));
    const seen: string[] = [];
    const addedAfter: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await queries.search({ tenantId, limit: 50, ...(after ? { after } : {}) });
      seen.push(...page.users.map((u) => u.email));
      after = page.nextAfter ?? undefined;
      pages++;
      // Between pages, a sync adds users on both sides of the cursor (p<odd> sorts between the even ones).
      if (after) {
        const later = `p${String(Number(after.slice(1, 5)) + 3).padStart(4, '0')}@page.test`;
        addedAfter.push(later);
        await insertUsers([{ tenantId, email: later }, { tenantId, email: `a${pages}@page.test` }]);
      }
    } while (after);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    const original = Array.from({ length: 230 }, (_, i) => `p${String(i * 2).padStart(4, '0')}@page.test`);
    expect(original.every((e) => seen.includes(e))).toBe(true);
    // Added before the cursor: not seen this time (keyset pages do not shift); after it: seen once.
    expect(seen.some((e) => e.startsWith('a'))).toBe(false);
    expect(addedAfter.every((e) => seen.includes(e))).toBe(true);
    expect(seen).toHaveLength(230 + addedAfter.length);
    expect(pages).toBeGreaterThanOrEqual(5);
    // An exact multiple of the page size ends with nextAfter null, not an empty page.
    const exact = randomUUID();
    await insertUsers(Array.from({ length: 4 }, (_, i) => ({ tenantId: exact, email: `e${i}@page.test` })));
    const first = await queries.search({ tenantId: exact, limit: 2 });
    const second = await queries.search({ tenantId: exact, limit: 2, after: first.nextAfter ?? '' });
    expect([first.nextAfter, second.nextAfter, second.users.map((u) => u.email)]).toEqual(['e1@page.test', null, ['e2@page.test', 'e3@page.test']]);
  });

  describe('on a tenant of 100k users', () => {
    const plans: Record<string, { ms: number; nodes: string[] }> = {};

    beforeAll(async () => {
      const em = orm.em.fork();
      const users = qualified(em, 'users');
      await sql(em,
        `insert into ${users} (id, tenant_id, email, status, first_name, last_name, display_name, custom_fields, source_directory_id, manager_id, content_hash)
         select gen_random_uuid(), ?, 'user' || lpad(i::text, 6, '0') || '@big.test', case when i % 10 = 0 then 'inactive' else 'active' end,
                'Name' || (i % 500), 'Family' || (i % 3000), 'Name' || (i % 500) || ' Family' || (i % 3000), '{}'::jsonb,
                case when i % 2 = 0 then ?::uuid else ?::uuid end, null, 'h'
           from generate_series(1, 100000) i`,
        [BIG, HR, PAYROLL],
      );
      // 100 teams of 1000 members.
      await sql(em, `insert into ${qualified(em, 'teams')} (id, tenant_id, name, name_key, source_directory_id)
                     select gen_random_uuid(), ?, 'Team ' || t, 'team ' || t, ? from generate_series(0, 99) t`, [BIG, HR]);
      await sql(em,
        `insert into ${qualified(em, 'team_memberships')} (team_id, user_id, source_directory_id, tenant_id)
         select t.id, u.id, ?, ? from ${users} u join ${qualified(em, 'teams')} t
             on t.tenant_id = u.tenant_id and t.name_key = 'team ' || (substring(u.email from 5 for 6)::int % 100)
          where u.tenant_id = ?`,
        [HR, BIG, BIG],
      );
      // Managers: user i reports to user i / 10 (a tree 5 levels deep).
      await sql(em,
        `update ${users} u set manager_id = m.id from ${users} m
          where u.tenant_id = ? and m.tenant_id = u.tenant_id and substring(u.email from 5 for 6)::int >= 10
            and m.email = 'user' || lpad((substring(u.email from 5 for 6)::int / 10)::text, 6, '0') || '@big.test'`,
        [BIG],
      );
      await sql(em, `analyze ${users}`);
      await sql(em, `analyze ${qualified(em, 'team_memberships')}`);
      await sql(em, `analyze ${qualified(em, 'teams')}`);
    }, 240_000);

    const explain = async (label: string, q: Partial<UsersSearchRequestV1>) => {
      const em = orm.em.fork();
      const { text, params } = searchStatement(em, { tenantId: BIG, limit: 50, ...q });
      const [row] = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(em, `explain (analyze, format json) ${text}`, params);
      const [plan] = row['QUERY PLAN'];
      const nodes: string[] = [];
      const walk = (n: PlanNode) => {
        nodes.push(`${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`);
        for (const c of n.Plans ?? []) walk(c);
      };
      walk(plan.Plan);
      plans[label] = { ms: plan['Execution Time'], nodes };
      return plans[label];
    };

    it('answers every page and search from indexes, in milliseconds', async () => {
      const cases: [string, Partial<UsersSearchRequestV1>][] = [
        ['first page', {}],
        ['page in the middle', { after: 'user050000@big.test' }],
        ['email prefix, one match', { q: 'user099999' }],
        ['email prefix, 100k matches', { q: 'user' }],
        ['name prefix, ~2k matches', { q: 'name12' }],
        ['full name prefix', { q: 'name123 family1' }],
        ['last name prefix, rare', { q: 'family2999' }],
        ['no match', { q: 'zzz' }],
        ['status inactive', { status: 'inactive' }],
        ['directory', { directoryId: PAYROLL, after: 'user090000@big.test' }],
        ['team by name', { team: 'Team 42' }],
        ['direct reports', { managerId: (await queries.search({ tenantId: BIG, q: 'user000042', limit: 1 })).users[0]?.userId ?? '' }],
        ['search + status + team', { q: 'name1', status: 'active', team: 'team 7' }],
      ];
      for (const [label, q] of cases) await explain(label, q);
      const slow = Object.entries(plans).filter(([, p]) => p.ms > 250);
      expect(slow).toEqual([]);
      // No search reads the tenant's rows one by one: only index scans on users.
      const scans = Object.entries(plans).filter(([, p]) => p.nodes.some((n) => n.startsWith('Seq Scan on users')));
      expect(scans).toEqual([]);
      if (process.env.ROSTER_PRINT_PLANS) process.stderr.write(`${JSON.stringify(plans, null, 2)}\n`);
    }, 60_000);

    it('reads a profile with a 3-level manager chain and 10 direct reports from the 100k', async () => {
      const [u] = (await queries.search({ tenantId: BIG, q: 'user001234@', limit: 1 })).users;
      const started = Date.now();
      const { user } = await queries.profile({ tenantId: BIG, userId: u?.userId ?? '' });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(user?.managerChain.map((m) => m.email)).toEqual(['user000123@big.test', 'user000012@big.test', 'user000001@big.test']);
      expect(user).toMatchObject({ managerChainEnd: 'top', directReports: 10, teams: [{ name: 'Team 34' }] });
    });
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
