import { HRIS_GROUPS, HrisEmulator, hrisEmployee, startHrisEmulator, usersCsv } from '@roster/testing';
import { RunView, SftpWorld, hrisEmulatorEnv, startWorld } from './support/world';

const EMPLOYEES = 12;
const OTHER_EMPLOYEES = 8;
const groupById = new Map(HRIS_GROUPS.map((g) => [g.id, g]));
/** Employee i's source groups as "TYPE:name", sorted. */
const sourceGroups = (groupIds: string[]) => groupIds.map((id) => `${groupById.get(id)?.type}:${groupById.get(id)?.name}`).sort();
const groupId = (name: string) => HRIS_GROUPS.find((g) => g.name === name)?.id as string;

/**
 * R-API-08 (groups), R-API-09 (remove local / other-directory groups) and R-API-10 (one work email per tenant, user
 * events an identity service can act on) through the five services, the bridge emulator, real sshd, Postgres and
 * JetStream. One tenant: an hris-api directory synchronizing groups, an sftp-csv directory whose teams are "other
 * directory groups", and a second hris-api directory whose source collides on emails.
 */
describe('HR-system API groups and logins, end to end', () => {
  let emulator: HrisEmulator;
  let other: HrisEmulator;
  let world: SftpWorld;
  let tenantId: string;
  let directoryId: string;
  let csvDirectoryId: string;

  beforeAll(async () => {
    emulator = await startHrisEmulator({ employees: EMPLOYEES });
    // The second source: its own emails, except three collisions (R-API-10).
    other = await startHrisEmulator({
      employees: OTHER_EMPLOYEES,
      customize: (record, i) => ({
        ...record,
        work_email: i === 4 || i === 6 ? 'person.3@other.test' : i === 7 ? hrisEmployee(5).work_email : `person.${i}@other.test`,
      }),
    });
    world = await startWorld('e2e_hris_groups', {
      env: {
        // Both emulators are allowed bridge hosts.
        ...hrisEmulatorEnv(emulator, other),
        // Record batches of 5: the run's records span several batches (R-API-10 across batches).
        ROSTER_BATCH_SIZE: '5',
      },
    });
    tenantId = await world.createTenant('Groups Co', 'owner@groups.test');
    directoryId = await world.createHrisDirectory(tenantId, emulator, {
      pageSize: 5,
      policy: { orphans: 'ignore', synchronizeGroups: true, preserveGroups: true, removeLocalGroups: false, removeOtherDirectoryGroups: false },
    });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await emulator?.close();
    await other?.close();
  }, 60_000);

  const api = <T>(method: string, path: string, body?: unknown) => world.platform.api<T>(method, `/v1/tenants/${tenantId}${path}`, body);
  const run = async (dir = directoryId) => world.waitForRun(tenantId, await world.startRun(tenantId, dir), 60_000);
  const setPolicy = async (policy: Record<string, boolean>) => expect((await api('PATCH', `/directories/${directoryId}`, { policy })).status).toBe(200);
  const events = (type: string) => world.eventCount(tenantId, type);

  /** The directory's groups as "TYPE:name". */
  const groups = async () =>
    (
      await world.pg.query<{ g: string }>(
        `select type || ':' || name as g from reconciler.directory_groups where tenant_id = $1 and source_directory_id = $2 order by 1`,
        [tenantId, directoryId],
      )
    ).rows.map((r) => r.g);
  /** Every user's memberships of the directory's groups, by email. */
  const memberships = async () => {
    const { rows } = await world.pg.query<{ email: string; g: string }>(
      `select u.email, g.type || ':' || g.name as g from reconciler.group_memberships m
         join reconciler.users u on u.id = m.user_id join reconciler.directory_groups g on g.id = m.group_id
        where m.tenant_id = $1 and g.source_directory_id = $2 order by 1, 2`,
      [tenantId, directoryId],
    );
    const byEmail: Record<string, string[]> = {};
    for (const r of rows) (byEmail[r.email] ??= []).push(r.g);
    return byEmail;
  };
  /** Team memberships (any directory) of these emails, as "email: team". */
  const teamMemberships = async (emails: string[]) =>
    (
      await world.pg.query<{ m: string }>(
        `select u.email || ': ' || t.name as m from reconciler.team_memberships m
           join reconciler.users u on u.id = m.user_id join reconciler.teams t on t.id = m.team_id
          where m.tenant_id = $1 and u.email = any($2) order by 1`,
        [tenantId, emails],
      )
    ).rows.map((r) => r.m);
  /** The expected memberships: each employee's source groups. */
  const expected = (overrides: Record<number, string[]> = {}) => {
    const out: Record<string, string[]> = {};
    for (let i = 0; i < EMPLOYEES; i++) {
      const list = sourceGroups(overrides[i] ?? hrisEmployee(i).groups);
      if (list.length > 0) out[hrisEmployee(i).work_email as string] = list;
    }
    return out;
  };
  const email = (i: number) => hrisEmployee(i).work_email as string;

  it('R-API-08 every source group type becomes a directory group; memberships follow the source exactly, a group leaving the source removes the membership', async () => {
    const first = await run();
    expect(first).toMatchObject({ status: 'succeeded', problemCount: 0 });
    expect(first.counts).toMatchObject({ created: EMPLOYEES });
    expect(await groups()).toEqual([
      'BUSINESS_UNIT:Products',
      'BUSINESS_UNIT:Services',
      'COST_CENTER:CC-100',
      'COST_CENTER:CC-200',
      'DEPARTMENT:Engineering',
      'DEPARTMENT:Sales',
      'GROUP:Admins',
      'TEAM:Payments',
      'TEAM:Platform',
    ]);
    expect(await memberships()).toEqual(expected());
    expect(await events('group.created')).toBe(9);
    const added = Object.values(expected()).flat().length;
    expect(await events('group.member.added')).toBe(added);

    // Employee 1 leaves three of their groups; Admins (employees 0 and 10) leaves the source altogether.
    const changes = {
      1: [groupId('Payments')],
      0: hrisEmployee(0).groups.filter((id) => id !== groupId('Admins')),
      10: hrisEmployee(10).groups.filter((id) => id !== groupId('Admins')),
    };
    for (const [i, ids] of Object.entries(changes)) emulator.update(Number(i), { groups: ids });
    const second = await run();
    expect(second).toMatchObject({ status: 'succeeded' });
    // Employee 1 counts as updated; 0 and 10 lost Admins with the group itself (announced once, as group.removed).
    expect(second.counts).toMatchObject({ created: 0, updated: 1, unchanged: EMPLOYEES - 1 });
    expect(await memberships()).toEqual(expected(changes));
    expect(await groups()).not.toContain('GROUP:Admins');
    expect(await events('group.removed')).toBe(1);
    expect(await events('group.member.removed')).toBe(3);

    // The same source again changes nothing and announces nothing.
    const third = await run();
    expect(third.counts).toMatchObject({ updated: 0, unchanged: EMPLOYEES });
    expect(await events('group.member.added')).toBe(added);
    expect(await events('group.member.removed')).toBe(3);
  }, 180_000);

  it('R-API-08 synchronize groups off + preserve groups on: groups and memberships synced earlier are frozen', async () => {
    const before = { groups: await groups(), memberships: await memberships() };
    await setPolicy({ synchronizeGroups: false, preserveGroups: true });
    emulator.update(2, { groups: [] });
    emulator.update(3, { groups: [groupId('Everyone')] });
    const frozen = await run();
    expect(frozen).toMatchObject({ status: 'succeeded' });
    expect(frozen.counts).toMatchObject({ updated: 0 });
    expect(await groups()).toEqual(before.groups);
    expect(await memberships()).toEqual(before.memberships);
  }, 120_000);

  it('R-API-09 remove other directory groups and remove local groups each take synced users out only when switched on', async () => {
    // A local group (no API creates one: made by hand), and an sftp-csv directory whose team is another directory's group.
    await world.pg.query(
      `insert into reconciler.teams (id, tenant_id, name, name_key, source_directory_id) values (gen_random_uuid(), $1, 'Hand Made', 'hand made', null)`,
      [tenantId],
    );
    const csv = await world.createSftpDirectory(tenantId, { name: 'Office drop' });
    expect(csv.status).toBe(201);
    csvDirectoryId = (csv.body as { id: string }).id;
    const people = [email(3), email(4), 'csv.only@groups.test'];
    await world.sftp.put('users.csv', usersCsv(people.map((e) => ({ 'User Email': e, 'User Name': e.startsWith('csv.') ? 'Cee Only' : '', Teams: 'Hand Made, Office' }))));
    const csvRun = await run(csvDirectoryId);
    expect({ status: csvRun.status, failure: csvRun.failure }).toEqual({ status: 'succeeded', failure: null });
    const all = people.flatMap((e) => [`${e}: Hand Made`, `${e}: Office`]).sort();
    expect(await teamMemberships(people)).toEqual(all);
    const removedBefore = await events('membership.removed');

    // Both switches off: nothing taken away.
    expect(await run()).toMatchObject({ status: 'succeeded' });
    expect(await teamMemberships(people)).toEqual(all);

    // Other directories' groups only: out of Office (the sftp directory's team), still in the local group.
    await setPolicy({ removeOtherDirectoryGroups: true, removeLocalGroups: false });
    const otherOff = await run();
    expect(otherOff).toMatchObject({ status: 'succeeded' });
    expect(otherOff.counts).toMatchObject({ updated: 2 });
    expect(await teamMemberships(people)).toEqual(
      [`${email(3)}: Hand Made`, `${email(4)}: Hand Made`, 'csv.only@groups.test: Hand Made', 'csv.only@groups.test: Office'].sort(),
    );

    // Local groups only: out of Hand Made too; a user this directory does not sync keeps both.
    await setPolicy({ removeOtherDirectoryGroups: false, removeLocalGroups: true });
    expect(await run()).toMatchObject({ status: 'succeeded' });
    expect(await teamMemberships(people)).toEqual(['csv.only@groups.test: Hand Made', 'csv.only@groups.test: Office']);
    expect(await events('membership.removed')).toBe(removedBefore + 4);
    await setPolicy({ removeLocalGroups: false });
  }, 180_000);

  it('R-API-08 synchronize groups off + preserve groups off: the directory\'s groups and their memberships are removed on the next run', async () => {
    const removedBefore = await events('group.removed');
    const count = (await groups()).length;
    await setPolicy({ synchronizeGroups: false, preserveGroups: false });
    expect(await run()).toMatchObject({ status: 'succeeded' });
    expect(await groups()).toEqual([]);
    expect(await memberships()).toEqual({});
    expect(await events('group.removed')).toBe(removedBefore + count);
    // Another directory's groups are not this switch's business.
    expect(await teamMemberships(['csv.only@groups.test'])).toEqual(['csv.only@groups.test: Hand Made', 'csv.only@groups.test: Office']);
  }, 120_000);

  it('R-API-10 one work email, one user per tenant: duplicate and taken emails are row problems, and user events carry id, email, status and directory', async () => {
    const createdBefore = await events('user.created');
    const dir = await api<{ id: string }>('POST', '/directories', {
      name: 'Second HR',
      type: 'hris-api',
      hris: { provider: 'merge', baseUrl: other.baseUrl, accountToken: other.accountToken, pageSize: 5, fieldMappings: [] },
      policy: { orphans: 'ignore' },
    });
    expect(dir.status).toBe(201);
    const secondId = dir.body.id;
    const owner = async (e: string) =>
      (await world.pg.query<{ id: string; source_directory_id: string; external_id: string }>(`select id, source_directory_id, external_id from reconciler.users where tenant_id = $1 and email = $2`, [tenantId, e])).rows;
    const takenBefore = await owner(email(5));

    const result: RunView = await run(secondId);
    expect(result.status).toBe('partially-succeeded');
    // 0, 1, 2, 3, 5 are created; 4 (same batch as 3) and 6 (a later batch) repeat 3's email; 7 has an email of the first directory.
    expect(result.counts).toMatchObject({ created: 5, updated: 0 });
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ externalId: hrisEmployee(4).id, code: 'DUPLICATE_EMAIL' }),
        expect.objectContaining({ externalId: hrisEmployee(6).id, code: 'DUPLICATE_EMAIL' }),
        expect.objectContaining({ externalId: hrisEmployee(7).id, field: 'User Email', code: 'EMAIL_TAKEN' }),
      ]),
    );
    expect(result.problemCount).toBe(3);
    const person3 = await owner('person.3@other.test');
    expect(person3).toEqual([expect.objectContaining({ source_directory_id: secondId, external_id: hrisEmployee(3).id })]);
    expect(await owner(email(5))).toEqual(takenBefore);
    const { rows: dupes } = await world.pg.query(`select lower(email) from reconciler.users where tenant_id = $1 group by 1 having count(*) > 1`, [tenantId]);
    expect(dupes).toEqual([]);

    // What an identity service receives: user id, work email, status and owning directory on every user event.
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const poll = async () => ((await events('user.created')) >= createdBefore + 5 ? resolve() : Date.now() > deadline ? reject(new Error('no user.created')) : setTimeout(() => void poll(), 200));
      void poll();
    });
    const created = await directoryEvents<{ user: { userId: string; email: string; status: string; sourceDirectoryId: string } }>('user.created');
    const mine = created.filter((e) => e.user.sourceDirectoryId === secondId);
    expect(mine.map((e) => e.user.email).sort()).toEqual(['person.0@other.test', 'person.1@other.test', 'person.2@other.test', 'person.3@other.test', 'person.5@other.test']);
    expect(mine.find((e) => e.user.email === 'person.3@other.test')?.user).toMatchObject({ userId: person3[0].id, status: 'active' });

    // A login change: same user, new work email, announced with the old and new value.
    other.update(3, { work_email: 'person.three@other.test' });
    const renamed = await run(secondId);
    expect(renamed.counts).toMatchObject({ created: 0, updated: 1 });
    const updates = await waitForEvents<{ user: { userId: string; email: string; status: string; sourceDirectoryId: string }; changes: Record<string, { from: unknown; to: unknown }> }>(
      'user.updated',
      (e) => e.user.userId === person3[0].id,
    );
    expect(updates[0]).toMatchObject({
      user: { userId: person3[0].id, email: 'person.three@other.test', status: 'active', sourceDirectoryId: secondId },
      changes: { email: { from: 'person.3@other.test', to: 'person.three@other.test' } },
    });
  }, 180_000);

  /** The `data` of every `roster.directory.<tenant>.<type>.v1` event on ROSTER_DIRECTORY, in order. */
  async function directoryEvents<T>(type: string): Promise<T[]> {
    const jsm = await world.nc.jetstreamManager();
    const subject = `roster.directory.${tenantId}.${type}.v1`;
    const { state } = await jsm.streams.info('ROSTER_DIRECTORY');
    const out: T[] = [];
    for (let seq = state.first_seq; seq > 0 && seq <= state.last_seq; seq++) {
      const m = await jsm.streams.getMessage('ROSTER_DIRECTORY', { seq }).catch(() => undefined);
      if (m?.subject === subject) out.push((JSON.parse(Buffer.from(m.data).toString('utf8')) as { data: T }).data);
    }
    return out;
  }

  async function waitForEvents<T>(type: string, match: (e: T) => boolean): Promise<T[]> {
    for (let i = 0; i < 100; i++) {
      const found = (await directoryEvents<T>(type)).filter(match);
      if (found.length > 0) return found;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no ${type} event matched`);
  }
});
