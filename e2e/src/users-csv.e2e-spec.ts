import { Client } from 'pg';
import { usersCsv, waitFor } from '@roster/testing';
import { SftpWorld, startWorld } from './support/world';

/**
 * The first slice end to end: the five services as processes, real Postgres, nats-server (JetStream),
 * OpenSSH sshd serving SFTP, and an SMTP sink. A users.csv dropped on the server ends as users in Postgres,
 * events on JetStream and a mail to the directory's recipients.
 */
describe('users.csv over SFTP, end to end', () => {
  let world: SftpWorld;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    world = await startWorld('e2e_users');
    tenantId = await world.createTenant('Acme', 'owner@acme.test');
    // R-NOT-02: recipients must be users; this new tenant has none until the first run (added below).
    const directory = await world.createSftpDirectory(tenantId, { name: 'Acme HR drop' });
    expect(directory.status).toBe(201);
    directoryId = directory.body.id;
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const startRun = () => world.startRun(tenantId, directoryId);
  const finished = (runId: string, timeoutMs = 30_000) => world.waitForRun(tenantId, runId, timeoutMs);

  const users = async () =>
    (
      await world.pg.query(
        `select u.email, u.first_name, u.last_name, u.job_title, u.status, m.email as manager
           from reconciler.users u left join reconciler.users m on m.id = u.manager_id
          where u.tenant_id = $1 order by u.email`,
        [tenantId],
      )
    ).rows;

  const eventCount = (type: string) => world.eventCount(tenantId, type);

  it('R-CSV-05 R-CSV-07 R-CSV-08 R-CSV-15 R-NOT-01 syncs a users.csv: upsert by email, blanks keep, managers created, bad rows reported, mail sent', async () => {
    await world.sftp.put(
      'users.csv',
      usersCsv([
        { 'User Email': 'ann@acme.test', 'First Name': 'Ann', 'Last Name': 'Archer', 'Job Title': 'Engineer', 'Manager Email': '' },
        { 'User Email': 'bob@acme.test', 'First Name': 'Bob', 'Last Name': 'Baker', 'Job Title': 'Designer', 'Manager Email': 'ann@acme.test' },
      ]),
    );
    const first = await finished(await startRun());
    expect(first).toMatchObject({ status: 'succeeded', problemCount: 0, fileName: 'users.csv' });
    expect(first.counts).toMatchObject({ created: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0 });
    expect(world.sftp.exists('users.csv')).toBe(false);
    expect(world.sftp.list('archive').some((f) => f.endsWith('-users.csv'))).toBe(true);
    const withRecipient = await world.platform.api('PATCH', `/v1/tenants/${tenantId}/directories/${directoryId}`, { recipients: ['ann@acme.test'] });
    expect(withRecipient.status).toBe(200);

    const second = usersCsv([
      // An upper-case duplicate of a stored email updates that user; a blank Job Title keeps 'Engineer'.
      { 'User Email': 'ANN@ACME.TEST', 'First Name': 'Ann', 'Last Name': 'Archer-Smith', 'Job Title': '', 'Manager Email': '' },
      // dave is nobody yet: created with default values and linked as carol's manager.
      { 'User Email': 'carol@acme.test', 'First Name': 'Carol', 'Last Name': 'Chen', 'Job Title': 'Analyst', 'Manager Email': 'dave@acme.test' },
      { 'User Email': 'not-an-email', 'First Name': 'Eve', 'Last Name': 'Evans', 'Job Title': '', 'Manager Email': '' },
      { 'User Email': 'bob@acme.test', 'First Name': 'Bob', 'Last Name': 'Baker', 'Job Title': 'Designer', 'Manager Email': 'ann@acme.test' },
    ]);
    await world.sftp.put('users.csv', second);
    const run = await finished(await startRun());
    expect(run.status).toBe('partially-succeeded');
    expect(run.counts).toEqual({ created: 2, updated: 1, unchanged: 1, deactivated: 0, deleted: 0, restored: 0, skipped: 1, failed: 0 });
    expect(run.problemCount).toBe(1);
    expect(run.problems[0]).toMatchObject({ rowNumber: 4, field: 'User Email', code: 'INVALID_EMAIL' });

    expect(await users()).toEqual([
      { email: 'ann@acme.test', first_name: 'Ann', last_name: 'Archer-Smith', job_title: 'Engineer', status: 'active', manager: null },
      { email: 'bob@acme.test', first_name: 'Bob', last_name: 'Baker', job_title: 'Designer', status: 'active', manager: 'ann@acme.test' },
      { email: 'carol@acme.test', first_name: 'Carol', last_name: 'Chen', job_title: 'Analyst', status: 'active', manager: 'dave@acme.test' },
      { email: 'dave@acme.test', first_name: null, last_name: null, job_title: null, status: 'active', manager: null },
    ]);

    // Directory events, through the outbox: one user.created per created user, none twice.
    await waitFor(async () => (await eventCount('user.created')) === 4, { timeoutMs: 10_000, description: '4 user.created events' });

    const mail = await world.smtp.waitForMail((m) => m.subject.includes('partially-succeeded'), 15_000);
    expect(mail.to).toEqual(['ann@acme.test']);
    expect(mail.text).toContain('File: users.csv');
    expect(mail.text).toContain('Created: 2');
    expect(mail.text).toMatch(/row 4, User Email: .*\[INVALID_EMAIL\]/);

    // The same rows again (LF line endings: other bytes, so not a duplicate file, R-SFTP-02) change nothing.
    await world.sftp.put('users.csv', second.replace(/\r\n/g, '\n'));
    const again = await finished(await startRun());
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 3, skipped: 1 });
    await new Promise((r) => setTimeout(r, 300)); // let the relay publish anything it would (it must not)
    expect(await eventCount('user.created')).toBe(4);
  }, 120_000);

  it('R-OPS-03 the reconciler meters the runs above by status and their rows by outcome, its consumers\' lag and its outbox backlog', async () => {
    const scrape = async () => (await fetch(`http://127.0.0.1:${world.platform.services.reconciler.port}/metrics`)).text();
    const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    // Three runs so far: one succeeded, two partially; 4 created, 1 updated, 1 + 3 unchanged, 1 + 1 skipped.
    await waitFor(async () => value(await scrape(), 'roster_outbox_backlog{service="reconciler"}') === 0 || undefined, {
      timeoutMs: 15_000,
      description: 'the outbox drained',
    });
    const text = await scrape();
    expect(value(text, 'roster_runs_finished_total{status="succeeded",service="reconciler"}')).toBe(1);
    expect(value(text, 'roster_runs_finished_total{status="partially-succeeded",service="reconciler"}')).toBe(2);
    expect(value(text, 'roster_run_rows_total{outcome="created",service="reconciler"}')).toBe(4);
    expect(value(text, 'roster_run_rows_total{outcome="updated",service="reconciler"}')).toBe(1);
    expect(value(text, 'roster_run_rows_total{outcome="unchanged",service="reconciler"}')).toBe(4);
    expect(value(text, 'roster_run_rows_total{outcome="skipped",service="reconciler"}')).toBe(2);
    expect(value(text, 'roster_outbox_published_total{service="reconciler"}')).toBeGreaterThanOrEqual(4);
    expect(value(text, 'roster_consumer_pending_messages{consumer="reconciler-records",stream="ROSTER_RECORDS",service="reconciler"}')).toBe(0);
    expect(value(text, 'roster_consumer_ack_pending{consumer="reconciler-records",stream="ROSTER_RECORDS",service="reconciler"}')).toBe(0);
  });

  it('R-CSV-15 R-SAFE-02 rejects a file that is not UTF-8 whole: run failed with the reason, nothing changed, file to error/', async () => {
    const before = await users();
    await world.sftp.put('users.csv', Buffer.concat([Buffer.from('User Email,First Name,Last Name\nzoe@acme.test,Zo'), Buffer.from([0xe9]), Buffer.from(',Z\n')]));
    const run = await finished(await startRun());
    expect(run.status).toBe('failed');
    expect(run.failure?.code).toBe('NOT_UTF8');
    expect(run.failure?.message).toMatch(/users\.csv.*not UTF-8.*byte/i);
    expect(await users()).toEqual(before);
    expect(world.sftp.list('error').some((f) => f.endsWith('-users.csv'))).toBe(true);
    expect(world.sftp.list('error').some((f) => f.endsWith('-users.csv.reason.txt'))).toBe(true);
    const mail = await world.smtp.waitForMail((m) => m.subject.includes('failed'), 15_000);
    expect(mail.text).toContain('NOT_UTF8');
  }, 60_000);

  it('R-DIR-04 refuses a second run while one is active; a run queued while the reconciler is down finishes after it restarts', async () => {
    await world.platform.kill('reconciler');
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'frank@acme.test', 'First Name': 'Frank', 'Last Name': 'Fox' }]));
    const runId = await startRun();
    const refused = await world.platform.api<{ code: string; message: string }>('POST', `/v1/tenants/${tenantId}/directories/${directoryId}/runs`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('RUN_IN_PROGRESS');
    expect(refused.body.message).toContain(runId);
    await world.platform.start('reconciler');
    const run = await finished(runId);
    expect(run).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: 1 }) });
  }, 90_000);

  it('R-OPS-03 loses and doubles nothing when the reconciler is SIGKILLed in the middle of applying a run, and meters the redelivery', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ 'User Email': `bulk${i}@acme.test`, 'First Name': `Bulk${i}`, 'Last Name': 'Load' }));
    await world.sftp.put('users.csv', usersCsv(rows));
    const createdBefore = await eventCount('user.created');
    // Killed inside the apply's transaction, after it wrote every user: the apply announces them next, in the
    // reconciler's outbox, and a transaction of the test holds that table locked, so the apply waits there, uncommitted —
    // not before the apply started (no redelivery to see) nor after it committed (a race a faster apply loses).
    const locker = new Client({ connectionString: world.db.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table reconciler.outbox in access exclusive mode');
      const runId = await startRun();
      await waitFor(
        async () =>
          (
            await world.pg.query(
              `select 1 from pg_stat_activity where datname = current_database() and backend_xid is not null and wait_event_type = 'Lock'
                  and query ~* '^insert into "reconciler"."outbox"'`,
            )
          ).rowCount! > 0,
        { timeoutMs: 30_000, intervalMs: 10, description: 'the apply waiting, its users written, inside its transaction' },
      );
      const written = await world.pg.query(`select count(*)::int as n from reconciler.users where tenant_id = $1 and email like 'bulk%'`, [tenantId]);
      expect(written.rows[0].n).toBe(0); // nothing committed yet
      await world.platform.kill('reconciler');
      await locker.query('rollback');
      await world.platform.start('reconciler');
      await verify(runId, createdBefore);
    } finally {
      await locker.end();
    }
  }, 120_000);

  /** The killed apply's run, applied once by the restarted reconciler, which metered the redelivery. */
  async function verify(runId: string, createdBefore: number): Promise<void> {
    const run = await finished(runId, 60_000);
    expect(run.status).toBe('succeeded');
    expect(run.counts?.created).toBe(3000);
    const { rows: count } = await world.pg.query(`select count(*)::int as n from reconciler.users where tenant_id = $1 and email like 'bulk%'`, [tenantId]);
    expect(count[0].n).toBe(3000);
    await waitFor(async () => (await eventCount('user.created')) === createdBefore + 3000, {
      timeoutMs: 20_000,
      description: '3000 more user.created events',
    });
    // R-OPS-03: the restarted reconciler got the killed one's records.complete again, and says so.
    const metrics = await (await fetch(`http://127.0.0.1:${world.platform.services.reconciler.port}/metrics`)).text();
    const redeliveries = Number(/^roster_redeliveries_total\{consumer="reconciler-records",service="reconciler"\} (\d+)$/m.exec(metrics)?.[1]);
    if (!(redeliveries >= 1)) {
      // Seen a few times under heavy load and never explained: say what the reconcilers (the killed one and the
      // restarted one) logged about this run, so the next occurrence tells why.
      const lines = world.platform.logs().split('\n').filter((l) => l.includes(runId) || /====|redeliver|consumer/i.test(l));
      throw new Error(`no redelivery metered after the restart (${redeliveries}); the services logged:\n${lines.slice(-60).join('\n')}`);
    }
  }
});
