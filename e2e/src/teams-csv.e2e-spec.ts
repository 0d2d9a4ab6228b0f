import { Client } from 'pg';
import { NatsConnection, connect } from 'nats';
import {
  NatsServerFixture,
  Platform,
  SftpFixture,
  SmtpSink,
  TestDatabase,
  createTestDatabase,
  csv,
  startNatsServer,
  startPlatform,
  startSftpServer,
  startSmtpSink,
  usersCsv,
  waitFor,
} from '@roster/testing';

interface RunView {
  id: string;
  status: string;
  counts: Record<string, number> | null;
  problems: { rowNumber?: number; field?: string; code: string; message: string }[];
  problemCount: number;
  failure: { code: string; message: string } | null;
  fileName: string | null;
}

const TEAMS_HEADER = ['Team Name', 'Team Owner', 'Parent Team', 'Team Type', 'Team Description'];

/**
 * Teams, memberships, custom fields and the file ledger through the five services, real sshd, Postgres and
 * JetStream: a teams file and a users file in one run (teams first), then later runs against that state.
 */
describe('teams.csv + users.csv over SFTP, end to end', () => {
  let db: TestDatabase;
  let nats: NatsServerFixture;
  let sftp: SftpFixture;
  let smtp: SmtpSink;
  let platform: Platform;
  let pg: Client;
  let nc: NatsConnection;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    [db, nats, sftp, smtp] = await Promise.all([createTestDatabase('e2e_teams'), startNatsServer(), startSftpServer(), startSmtpSink()]);
    platform = await startPlatform({ databaseUrl: db.url, natsUrl: nats.url, smtpUrl: `smtp://${smtp.host}:${smtp.port}` });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    nc = await connect({ servers: nats.url });
    const tenant = await platform.api<{ id: string }>('POST', '/v1/tenants', { name: 'Acme', ownerEmail: 'owner@acme.test' });
    tenantId = tenant.body.id;
    const directory = await platform.api<{ id: string }>('POST', `/v1/tenants/${tenantId}/directories`, {
      name: 'Acme HR drop',
      type: 'sftp-csv',
      sftp: { host: sftp.host, port: sftp.port, username: sftp.username, password: sftp.password, folder: sftp.folder, hostKeyFingerprint: sftp.hostKeyFingerprint },
      dateFormat: 'dd/mm/yyyy',
      recipients: [],
    });
    if (directory.status !== 201) throw new Error(JSON.stringify(directory.body));
    directoryId = directory.body.id;
  }, 120_000);

  afterAll(async () => {
    await nc?.drain();
    await pg?.end();
    await platform?.stop();
    await Promise.all([sftp?.stop(), smtp?.stop(), nats?.stop()]);
    await db?.drop();
  }, 60_000);

  const run = async (timeoutMs = 30_000): Promise<RunView> => {
    const started = await platform.api<RunView>('POST', `/v1/tenants/${tenantId}/directories/${directoryId}/runs`, {});
    expect(started.status).toBe(202);
    return waitFor(
      async () => {
        const { body } = await platform.api<RunView>('GET', `/v1/tenants/${tenantId}/runs/${started.body.id}`);
        return ['succeeded', 'partially-succeeded', 'failed'].includes(body.status) ? body : undefined;
      },
      { timeoutMs, intervalMs: 200, description: 'run to finish' },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${platform.logs().slice(-6000)}`);
    });
  };

  const teams = async () =>
    (
      await pg.query(
        `select t.name, t.owner_email, o.email as owner_user, p.name as parent, t.type
           from reconciler.teams t left join reconciler.teams p on p.id = t.parent_team_id
           left join reconciler.users o on o.id = t.owner_user_id
          where t.tenant_id = $1 order by t.name`,
        [tenantId],
      )
    ).rows;

  const memberships = async () =>
    (
      await pg.query(
        `select u.email, string_agg(t.name, ', ' order by t.name) as teams from reconciler.team_memberships m
           join reconciler.users u on u.id = m.user_id join reconciler.teams t on t.id = m.team_id
          where m.tenant_id = $1 and m.source_directory_id = $2 group by u.email order by u.email`,
        [tenantId, directoryId],
      )
    ).rows;

  const eventCount = async (type: string) => {
    const jsm = await nc.jetstreamManager();
    const subject = `roster.directory.${tenantId}.${type}.v1`;
    const info = await jsm.streams.info('ROSTER_DIRECTORY', { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  };

  it('R-SFTP-03 R-CSV-03 R-CSV-08 R-CSV-09 R-CSV-15 R-TEN-02 teams before users: parents and named teams created, cycles refused, memberships exact', async () => {
    await sftp.put(
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
    await sftp.put(
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
    expect(sftp.exists('teams.csv') || sftp.exists('local/users.csv')).toBe(false);
    expect(sftp.list('archive').filter((f) => /-(teams|users)\.csv$/.test(f))).toHaveLength(2);

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
    const { rows: defs } = await pg.query(`select label, type from reconciler.custom_field_definitions where tenant_id = $1`, [tenantId]);
    expect(defs).toEqual([{ label: 'Shoe Size', type: 'number' }]);
  }, 60_000);

  it('R-CSV-09 R-CSV-07 R-CSV-14 R-CSV-04 Teams lists exactly the memberships, blank keeps them, a renamed team is new, a misfit custom value is a problem for that field only', async () => {
    await sftp.put('teams.csv', csv([{ 'Team Name': 'Platform Engineering', 'Parent Team': 'Engineering' }], TEAMS_HEADER));
    await sftp.put(
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
    const { rows } = await pg.query(`select job_title, custom_fields from reconciler.users where tenant_id = $1 and email = 'ann@acme.test'`, [tenantId]);
    expect(rows[0]).toEqual({ job_title: 'Engineer', custom_fields: { 'Shoe Size': '38' } });
    await waitFor(async () => (await eventCount('membership.removed')) === 2, { timeoutMs: 10_000, description: '2 membership.removed events' });
  }, 60_000);

  it('R-DIR-03 a user whose only change is a membership counts as updated, with a membership.added event', async () => {
    const before = await eventCount('membership.added');
    await sftp.put('users.csv', usersCsv([{ 'User Email': 'bob@acme.test', 'User Name': 'Bob Baker', Teams: 'Payments, Platform' }]));
    const third = await run();
    expect(third.counts).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    await waitFor(async () => (await eventCount('membership.added')) === before + 1, { timeoutMs: 10_000, description: 'one more membership.added' });
  }, 60_000);

  it('R-SFTP-02 the same content is never applied twice: a duplicate is archived and reported, nothing applied', async () => {
    const content = usersCsv([{ 'User Email': 'dup@acme.test', 'User Name': 'Dee Upton', 'Job Title': 'First' }]);
    await sftp.put('users.csv', content);
    expect((await run()).status).toBe('succeeded');
    await pg.query(`update reconciler.users set job_title = 'Changed since' where tenant_id = $1 and email = 'dup@acme.test'`, [tenantId]);
    await sftp.put('local/users.csv', content);
    const duplicate = await run();
    expect(duplicate.status).toBe('failed');
    expect(duplicate.failure?.code).toBe('DUPLICATE_FILE');
    expect(duplicate.failure?.message).toMatch(/local\/users\.csv has the same content as users\.csv, already applied by run/);
    expect(sftp.exists('local/users.csv')).toBe(false);
    const { rows } = await pg.query(`select job_title from reconciler.users where tenant_id = $1 and email = 'dup@acme.test'`, [tenantId]);
    expect(rows[0].job_title).toBe('Changed since');
  }, 60_000);

  it('R-SFTP-02 R-CSV-15 a teams file that cannot be read fails the run whole: to error/ with a .reason.txt, nothing changed, the users file kept for the next run', async () => {
    const before = await teams();
    await sftp.put('teams.csv', Buffer.from('Team Name\nOps\u0000\n'));
    await sftp.put('users.csv', usersCsv([{ 'User Email': 'eve@acme.test', 'User Name': 'Eve Evans', Teams: 'Ops' }]));
    const failed = await run();
    expect(failed.status).toBe('failed');
    expect(failed.failure?.code).toBe('NOT_CSV');
    const reason = sftp.list('error').find((f) => f.endsWith('-teams.csv.reason.txt'));
    expect(reason).toBeDefined();
    expect(sftp.readText(`error/${reason}`)).toMatch(/^NOT_CSV: teams\.csv is not a CSV text file: NUL byte/);
    expect(await teams()).toEqual(before);
    expect((await pg.query(`select 1 from reconciler.users where tenant_id = $1 and email = 'eve@acme.test'`, [tenantId])).rowCount).toBe(0);
    expect(sftp.exists('users.csv')).toBe(true);
    const next = await run();
    expect(next.status).toBe('succeeded');
    expect(await memberships()).toContainEqual({ email: 'eve@acme.test', teams: 'Ops' });
  }, 60_000);
});
