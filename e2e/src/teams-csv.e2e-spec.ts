import { csv, usersCsv, waitFor } from '@roster/testing';
import { SftpWorld, startWorld } from './support/world';

const TEAMS_HEADER = ['Team Name', 'Team Owner', 'Parent Team', 'Team Type', 'Team Description'];

/**
 * Teams, memberships, custom fields and the file ledger through the five services, real sshd, Postgres and
 * JetStream: a teams file and a users file in one run (teams first), then later runs against that state.
 */
describe('teams.csv + users.csv over SFTP, end to end', () => {
  let world: SftpWorld;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    world = await startWorld('e2e_teams');
    tenantId = await world.createTenant('Acme', 'owner@acme.test');
    const directory = await world.createSftpDirectory(tenantId, { name: 'Acme HR drop', dateFormat: 'dd/mm/yyyy' });
    if (directory.status !== 201) throw new Error(JSON.stringify(directory.body));
    directoryId = directory.body.id;
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const run = async (timeoutMs = 30_000) => world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), timeoutMs);

  const teams = async () =>
    (
      await world.pg.query(
        `select t.name, t.owner_email, o.email as owner_user, p.name as parent, t.type
           from reconciler.teams t left join reconciler.teams p on p.id = t.parent_team_id
           left join reconciler.users o on o.id = t.owner_user_id
          where t.tenant_id = $1 order by t.name`,
        [tenantId],
      )
    ).rows;

  const memberships = async () =>
    (
      await world.pg.query(
        `select u.email, string_agg(t.name, ', ' order by t.name) as teams from reconciler.team_memberships m
           join reconciler.users u on u.id = m.user_id join reconciler.teams t on t.id = m.team_id
          where m.tenant_id = $1 and m.source_directory_id = $2 group by u.email order by u.email`,
        [tenantId, directoryId],
      )
    ).rows;

  const eventCount = (type: string) => world.eventCount(tenantId, type);

  it('R-SFTP-03 R-CSV-03 R-CSV-08 R-CSV-09 R-CSV-15 R-TEN-02 teams before users: parents and named teams created, cycles refused, memberships exact', async () => {
    await world.sftp.put(
      'teams.csv',
      csv(
        [
          { 'Team Name': 'Engineering', 'Team Owner': 'cto@acme.test', 'Team Type': 'Department' },
          { 'Team Name': 'Platform', 'Parent Team': 'Engineering' },
          { 'Team Name': 'Payments', 'Parent Team': 'Finance' },
          { 'Team Name': 'Loop A', 'Parent Team': 'Loop B' },
          { 'Team Name': 'Loop B', 'Parent Team': 'Loop A' },
        ],
        TEAMS_HEADER,
      ),
    );
    await world.sftp.put(
      'local/users.csv',
      usersCsv([
        { 'User Email': 'cto@acme.test', 'User Name': 'Cy Toh', Teams: 'Engineering' },
        { 'User Email': 'ann@acme.test', 'User Name': 'Ann Archer', Teams: 'platform, Design', 'Shoe Size': '38' },
        { 'User Email': 'bob@acme.test', 'User Name': 'Bob Baker', Teams: 'Payments', 'Shoe Size': '44.5' },
      ]),
    );
    const first = await run();
    expect(first.status).toBe('partially-succeeded');
    expect(first.fileName).toBe('teams.csv, local/users.csv');
    expect(first.problems).toEqual([expect.objectContaining({ rowNumber: 6, field: 'Parent Team', code: 'TEAM_CYCLE' })]);
    expect(first.problems[0]?.message).toMatch(/teams\.csv|Loop A as parent of Loop B/);
    expect(first.counts).toMatchObject({ created: 3, skipped: 0, failed: 0 });
    expect(world.sftp.exists('teams.csv') || world.sftp.exists('local/users.csv')).toBe(false);
    expect(world.sftp.list('archive').filter((f) => /-(teams|users)\.csv$/.test(f))).toHaveLength(2);

    expect(await teams()).toEqual([
      // Named on a user only: default values, the tenant owner as owner (not a user, so no owner user).
      { name: 'Design', owner_email: 'owner@acme.test', owner_user: null, parent: null, type: null },
      { name: 'Engineering', owner_email: 'cto@acme.test', owner_user: 'cto@acme.test', parent: null, type: 'Department' },
      { name: 'Finance', owner_email: 'owner@acme.test', owner_user: null, parent: null, type: null },
      { name: 'Loop A', owner_email: 'owner@acme.test', owner_user: null, parent: 'Loop B', type: null },
      { name: 'Loop B', owner_email: 'owner@acme.test', owner_user: null, parent: null, type: null },
      { name: 'Payments', owner_email: 'owner@acme.test', owner_user: null, parent: 'Finance', type: null },
      { name: 'Platform', owner_email: 'owner@acme.test', owner_user: null, parent: 'Engineering', type: null },
    ]);
    // R-CSV-09: parents are not implied (ann is in Platform, not Engineering); names match case-insensitively.
    expect(await memberships()).toEqual([
      { email: 'ann@acme.test', teams: 'Design, Platform' },
      { email: 'bob@acme.test', teams: 'Payments' },
      { email: 'cto@acme.test', teams: 'Engineering' },
    ]);
    await waitFor(async () => (await eventCount('team.created')) === 7 && (await eventCount('membership.added')) === 4, {
      timeoutMs: 10_000,
      description: '7 team.created and 4 membership.added events',
    });
    const { rows: defs } = await world.pg.query(`select label, type from reconciler.custom_field_definitions where tenant_id = $1`, [tenantId]);
    expect(defs).toEqual([{ label: 'Shoe Size', type: 'number' }]);
  }, 60_000);

  it('R-CSV-09 R-CSV-07 R-CSV-14 R-CSV-04 Teams lists exactly the memberships, blank keeps them, a renamed team is new, a misfit custom value is a problem for that field only', async () => {
    await world.sftp.put('teams.csv', csv([{ 'Team Name': 'Platform Engineering', 'Parent Team': 'Engineering' }], TEAMS_HEADER));
    await world.sftp.put(
      'users.csv',
      usersCsv([
        { 'User Email': 'ann@acme.test', 'User Name': 'Ann Archer', Teams: 'Platform Engineering', 'Shoe Size': 'big', 'Job Title': 'Engineer' },
        { 'User Email': 'bob@acme.test', 'User Name': 'Bob Baker', Teams: '' },
      ]),
    );
    const second = await run();
    expect(second.status).toBe('partially-succeeded');
    // ann changed (job title, teams) and has a problem; bob's blank Teams keeps his memberships: unchanged.
    expect(second.counts).toMatchObject({ created: 0, updated: 1, unchanged: 1, failed: 1 });
    expect(second.problems).toEqual([expect.objectContaining({ rowNumber: 2, field: 'Shoe Size', code: 'INVALID_CUSTOM_FIELD' })]);
    const names = (await teams()).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['Platform', 'Platform Engineering']));
    expect(await memberships()).toEqual([
      { email: 'ann@acme.test', teams: 'Platform Engineering' },
      { email: 'bob@acme.test', teams: 'Payments' },
      { email: 'cto@acme.test', teams: 'Engineering' },
    ]);
    const { rows } = await world.pg.query(`select job_title, custom_fields from reconciler.users where tenant_id = $1 and email = 'ann@acme.test'`, [tenantId]);
    expect(rows[0]).toEqual({ job_title: 'Engineer', custom_fields: { 'Shoe Size': '38' } });
    await waitFor(async () => (await eventCount('membership.removed')) === 2, { timeoutMs: 10_000, description: '2 membership.removed events' });
  }, 60_000);

  it('R-DIR-03 a user whose only change is a membership counts as updated, with a membership.added event', async () => {
    const before = await eventCount('membership.added');
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'bob@acme.test', 'User Name': 'Bob Baker', Teams: 'Payments, Platform' }]));
    const third = await run();
    expect(third.counts).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    await waitFor(async () => (await eventCount('membership.added')) === before + 1, { timeoutMs: 10_000, description: 'one more membership.added' });
  }, 60_000);

  it('R-SFTP-02 the same content is never applied twice: a duplicate is archived and reported, nothing applied', async () => {
    const content = usersCsv([{ 'User Email': 'dup@acme.test', 'User Name': 'Dee Upton', 'Job Title': 'First' }]);
    await world.sftp.put('users.csv', content);
    expect((await run()).status).toBe('succeeded');
    await world.pg.query(`update reconciler.users set job_title = 'Changed since' where tenant_id = $1 and email = 'dup@acme.test'`, [tenantId]);
    await world.sftp.put('local/users.csv', content);
    const duplicate = await run();
    expect(duplicate.status).toBe('failed');
    expect(duplicate.failure?.code).toBe('DUPLICATE_FILE');
    expect(duplicate.failure?.message).toMatch(/local\/users\.csv has the same content as users\.csv, already applied by run/);
    expect(world.sftp.exists('local/users.csv')).toBe(false);
    const { rows } = await world.pg.query(`select job_title from reconciler.users where tenant_id = $1 and email = 'dup@acme.test'`, [tenantId]);
    expect(rows[0].job_title).toBe('Changed since');
  }, 60_000);

  it('R-SFTP-02 R-CSV-15 a teams file that cannot be read fails the run whole: to error/ with a .reason.txt, nothing changed, the users file kept for the next run', async () => {
    const before = await teams();
    await world.sftp.put('teams.csv', Buffer.from('Team Name\nOps\u0000\n'));
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'eve@acme.test', 'User Name': 'Eve Evans', Teams: 'Ops' }]));
    const failed = await run();
    expect(failed.status).toBe('failed');
    expect(failed.failure?.code).toBe('NOT_CSV');
    const reason = world.sftp.list('error').find((f) => f.endsWith('-teams.csv.reason.txt'));
    expect(reason).toBeDefined();
    expect(world.sftp.readText(`error/${reason}`)).toMatch(/^NOT_CSV: teams\.csv is not a CSV text file: NUL byte/);
    expect(await teams()).toEqual(before);
    expect((await world.pg.query(`select 1 from reconciler.users where tenant_id = $1 and email = 'eve@acme.test'`, [tenantId])).rowCount).toBe(0);
    expect(world.sftp.exists('users.csv')).toBe(true);
    const next = await run();
    expect(next.status).toBe('succeeded');
    expect(await memberships()).toContainEqual({ email: 'eve@acme.test', teams: 'Ops' });
  }, 60_000);
});
