import { usersCsv, waitFor } from '@roster/testing';
import { SftpWorld, startWorld } from './support/world';

const MAX_FILE_BYTES = 12 * 1024 * 1024;

/** CSV rules and file safeguards through the five services, over real sshd (R-CSV-11/12/13, R-SAFE-02). */
describe('CSV rules end to end', () => {
  let world: SftpWorld;
  let tenantId: string;
  const directories: Record<string, string> = {};

  beforeAll(async () => {
    world = await startWorld('e2e_csv_rules', { env: { ROSTER_MAX_FILE_BYTES: String(MAX_FILE_BYTES) } });
    tenantId = await world.createTenant('Acme', 'owner@acme.test');
    for (const dateFormat of ['dd/mm/yyyy', 'mm/dd/yyyy'] as const) {
      const res = await world.createSftpDirectory(tenantId, { name: `HR ${dateFormat}`, dateFormat });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      directories[dateFormat] = res.body.id;
    }
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const run = async (dateFormat: 'dd/mm/yyyy' | 'mm/dd/yyyy' = 'dd/mm/yyyy') =>
    world.waitForRun(tenantId, await world.startRun(tenantId, directories[dateFormat]));

  const user = async (email: string) =>
    (
      await world.pg.query(
        `select u.status, u.is_org_admin, u.start_date, m.email as manager from reconciler.users u
           left join reconciler.users m on m.id = u.manager_id where u.tenant_id = $1 and u.email = $2`,
        [tenantId, email],
      )
    ).rows[0];

  const snapshot = async () =>
    (await world.pg.query(`select email, content_hash, manager_id from reconciler.users where tenant_id = $1 order by email`, [tenantId])).rows;

  it('R-CSV-11 dates follow the directory format (dd/mm vs mm/dd), ISO always; an unreadable date is a row problem, never a guess', async () => {
    await world.sftp.put('users.csv', usersCsv([
      { 'User Email': 'dd@acme.test', 'User Name': 'Dee Dee', 'Start Date': '03/04/2021' },
      { 'User Email': 'iso@acme.test', 'User Name': 'Iso Lee', 'Start Date': '2021-12-31' },
      { 'User Email': 'bad@acme.test', 'User Name': 'Bad Date', 'Start Date': '04/13/2021' },
    ]));
    const dd = await run('dd/mm/yyyy');
    expect(dd.problems).toEqual([expect.objectContaining({ rowNumber: 4, field: 'Start Date', code: 'INVALID_DATE' })]);
    expect((await user('dd@acme.test')).start_date).toBe('2021-04-03');
    expect((await user('iso@acme.test')).start_date).toBe('2021-12-31');
    expect((await user('bad@acme.test')).start_date).toBeNull();

    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'mm@acme.test', 'User Name': 'Em Em', 'Start Date': '03/04/2021' }]));
    expect((await run('mm/dd/yyyy')).status).toBe('succeeded');
    expect((await user('mm@acme.test')).start_date).toBe('2021-03-04');
  }, 60_000);

  it('R-CSV-12 Is Org Admin: Yes grants, No revokes, blank keeps', async () => {
    await world.sftp.put('users.csv', usersCsv([
      { 'User Email': 'yes@acme.test', 'User Name': 'Y', 'Is Org Admin': 'Yes' },
      { 'User Email': 'no@acme.test', 'User Name': 'N', 'Is Org Admin': 'Yes' },
      { 'User Email': 'keep@acme.test', 'User Name': 'K', 'Is Org Admin': 'Yes' },
    ]));
    await run();
    await world.sftp.put('users.csv', usersCsv([
      { 'User Email': 'yes@acme.test', 'User Name': 'Y', 'Is Org Admin': 'Yes' },
      { 'User Email': 'no@acme.test', 'User Name': 'N', 'Is Org Admin': 'No' },
      { 'User Email': 'keep@acme.test', 'User Name': 'K', 'Is Org Admin': '' },
    ]));
    await run();
    expect([(await user('yes@acme.test')).is_org_admin, (await user('no@acme.test')).is_org_admin, (await user('keep@acme.test')).is_org_admin]).toEqual([true, false, true]);
  }, 60_000);

  it('R-CSV-13 a deactivated manager stays the manager of their reports until a file sets another', async () => {
    await world.sftp.put('users.csv', usersCsv([
      { 'User Email': 'boss@acme.test', 'User Name': 'Boss' },
      { 'User Email': 'rep@acme.test', 'User Name': 'Rep', 'Manager Email': 'boss@acme.test' },
    ]));
    await run();
    // The boss is deactivated as the scheduler does it (its integration test covers the scheduling itself).
    await world.pg.query(`update reconciler.users set status = 'inactive' where tenant_id = $1 and email = 'boss@acme.test'`, [tenantId]);
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'rep@acme.test', 'User Name': 'Rep', 'Manager Email': '' }]));
    await run();
    expect(await user('rep@acme.test')).toMatchObject({ manager: 'boss@acme.test' });
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'rep@acme.test', 'User Name': 'Rep', 'Manager Email': 'yes@acme.test' }]));
    await run();
    expect(await user('rep@acme.test')).toMatchObject({ manager: 'yes@acme.test' });
  }, 60_000);

  const rejects: [string, () => string | Buffer, string, RegExp][] = [
    ['an oversized file', () => Buffer.alloc(MAX_FILE_BYTES + 1, 'a'), 'FILE_TOO_LARGE', /over the limit of 12582912 bytes/],
    ['a binary file', () => Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]), 'NOT_CSV', /not a CSV text file: NUL byte/],
    ['an empty file', () => '', 'EMPTY_FILE', /users\.csv is empty/],
    ['a semicolon file', () => 'User Email;User Name\r\nx@acme.test;X\r\n', 'HEADER_MISSING', /no "User Email" column.*delimiter a comma/],
    ['a 10 MB cell', () => `User Email,User Name\r\nbig@acme.test,"${'x'.repeat(10 * 1024 * 1024)}"\r\n`, 'RECORD_TOO_LARGE', /longer than 65536 bytes/],
  ];
  for (const [what, content, code, message] of rejects) {
    it(`R-SAFE-02 R-CSV-15 ${what} is rejected with ${code}, a clear reason in error/, and nothing changed`, async () => {
      const before = await snapshot();
      await world.sftp.put('users.csv', content());
      const failed = await run();
      expect(failed.status).toBe('failed');
      expect(failed.failure?.code).toBe(code);
      expect(failed.failure?.message).toMatch(message);
      expect(world.sftp.exists('users.csv')).toBe(false);
      expect(world.sftp.list('error').filter((f) => f.endsWith('-users.csv.reason.txt')).length).toBeGreaterThan(0);
      expect(await snapshot()).toEqual(before);
    }, 60_000);
  }

  it('R-SAFE-02 a header-only file changes nothing and says it had no rows', async () => {
    const before = await snapshot();
    await world.sftp.put('users.csv', 'User Email,User Name\r\n');
    const done = await run();
    expect(done.status).toBe('succeeded');
    expect(done.counts).toMatchObject({ created: 0, updated: 0, unchanged: 0 });
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('R-SAFE-01 R-CSV-10 past Deactivation Dates over a file directory\'s threshold are held; rejected nothing, approved exactly those are scheduled', async () => {
    const created = await world.createSftpDirectory<{ id: string; safeguard: unknown }>(tenantId, { name: 'HR guarded', safeguard: { count: 2, percent: 100 } });
    expect(created).toMatchObject({ status: 201, body: { safeguard: { count: 2, percent: 100 } } });
    const guarded = created.body.id;
    const runGuarded = async () => world.startRun(tenantId, guarded);
    const people = ['g1', 'g2', 'g3', 'g4', 'g5'].map((n) => `${n}@acme.test`);
    await world.sftp.put('users.csv', usersCsv(people.map((e) => ({ 'User Email': e, 'User Name': e.slice(0, 2) }))));
    expect(await world.waitForRun(tenantId, await runGuarded())).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: 5 }) });
    const scheduled = async () =>
      (await world.pg.query<{ email: string }>(`select email from reconciler.users where tenant_id = $1 and email like 'g%' and deactivate_at is not null order by email`, [tenantId])).rows.map(
        (r) => r.email,
      );
    const held = async (runId: string) =>
      world.platform.api<{ status: string; pendingRemovals: { deactivate: number } | null }>('GET', `/v1/tenants/${tenantId}/runs/${runId}`).then((r) => r.body);
    const leavers = (name: string) =>
      usersCsv(people.map((e, i) => ({ 'User Email': e, 'User Name': name, 'Deactivation Date': i < 3 ? '01/01/2020' : '' })));

    // Three leavers: over the count of 2. Rejected: nothing scheduled, nothing changed.
    await world.sftp.put('users.csv', leavers('Renamed'));
    const rejectedRun = await runGuarded();
    await waitForHold(rejectedRun);
    expect((await held(rejectedRun)).pendingRemovals).toMatchObject({ deactivate: 3, delete: 0, directoryUsers: 5 });
    expect((await world.platform.api('POST', `/v1/tenants/${tenantId}/runs/${rejectedRun}/reject`)).status).toBe(202);
    expect(await world.waitForRun(tenantId, rejectedRun)).toMatchObject({ status: 'failed', failure: { code: 'SAFEGUARD_REJECTED' } });
    expect(await scheduled()).toEqual([]);

    // The same leavers in a new file, approved: exactly those three are scheduled (24 hours after the import).
    await world.sftp.put('users.csv', leavers('Renamed again'));
    const approvedRun = await runGuarded();
    await waitForHold(approvedRun);
    expect((await world.platform.api('POST', `/v1/tenants/${tenantId}/runs/${approvedRun}/approve`)).status).toBe(202);
    expect(await world.waitForRun(tenantId, approvedRun)).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ updated: 5 }) });
    expect(await scheduled()).toEqual(people.slice(0, 3));

    async function waitForHold(runId: string): Promise<void> {
      await waitFor(async () => (await held(runId)).status === 'awaiting-approval' || undefined, { timeoutMs: 30_000, description: `run ${runId} held` });
    }
  }, 90_000);
});
