import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { USERS_CSV_STANDARD_LABELS, startsWithFormulaTrigger } from '@roster/contracts';
import { CapturedMail, LOOPBACK, freePort, usersCsv, waitFor } from '@roster/testing';
import { SftpWorld, startWorld } from './support/world';

const FORMULA = "=cmd|' /C calc'!A0";
const CLI = join(__dirname, '../../dist/apps/cli/src/main.js');

interface ExportView {
  exportId: string;
  status: string;
  email: string;
  rowCount: number | null;
  size: number | null;
  fileName: string | null;
  failure: { stage: string; code: string; message: string } | null;
  requestedAt: string;
  startedAt: string | null;
  readyAt: string | null;
  mailedAt: string | null;
  failedAt: string | null;
}

interface DeadLetterSummary {
  sequence: number;
  consumer: string;
  code: string;
  reason: string;
  deliveries: number;
  tenantId: string | null;
  original: { subject: string };
}

/**
 * R-EXP-01 end to end: an admin asks for the tenant's users; the reconciler writes the CSV into the JetStream
 * object store, the notifier mails it; the file, dropped back on the SFTP folder, re-imports with no change.
 */
describe('users export, end to end (R-EXP-01)', () => {
  let world: SftpWorld;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    world = await startWorld('e2e_export');
    tenantId = await world.createTenant('Acme', 'owner@acme.test');
    const directory = await world.createSftpDirectory(tenantId, { name: 'Acme HR drop', dateFormat: 'dd/mm/yyyy', schedule: { kind: 'disabled' } });
    expect(directory.status).toBe(201);
    directoryId = directory.body.id;
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const importFile = async (content: string | Buffer) => {
    await world.sftp.put('users.csv', content);
    return world.waitForRun(tenantId, await world.startRun(tenantId, directoryId));
  };

  /**
   * Everything an import can change, per user: the columns (with the content hash) and the memberships. Not the
   * source digest: the reconciler's note of which record left the user as it is (issue 4), not directory data — a
   * re-import gives one to a user that has none yet (e.g. its first record had a problem).
   */
  const snapshot = async () => ({
    users: (
      await world.pg.query(
        `select u.*, m.email as manager_email from reconciler.users u left join reconciler.users m on m.id = u.manager_id
          where u.tenant_id = $1 order by u.email`,
        [tenantId],
      )
    ).rows.map(({ source_digest: _digest, ...user }) => user),
    memberships: (
      await world.pg.query(
        `select u.email, t.name, tm.source_directory_id from reconciler.team_memberships tm
           join reconciler.users u on u.id = tm.user_id join reconciler.teams t on t.id = tm.team_id
          where tm.tenant_id = $1 order by 1, 2`,
        [tenantId],
      )
    ).rows,
    teams: (await world.pg.query(`select id, name, parent_team_id from reconciler.teams where tenant_id = $1 order by name`, [tenantId])).rows,
    definitions: (await world.pg.query(`select label, type from reconciler.custom_field_definitions where tenant_id = $1 order by label`, [tenantId])).rows,
  });

  it('R-EXP-01 exports every standard and custom field in the import labels, escaped, mailed to the admin; the export re-imports unchanged', async () => {
    const first = await importFile(
      usersCsv([
        { 'User Email': 'ceo@acme.test', 'User Name': 'Cleo Stone', 'First Name': 'Cleo', 'Last Name': 'Stone', 'Manager Email': '', Teams: 'Leadership', 'Is Org Admin': 'Yes', 'Deactivation Date': '', 'Job Title': 'CEO', 'Start Date': '01/02/2015', 'Cost Center': 'CC-1', 'Badge Number': '7' },
        { 'User Email': 'ann@acme.test', 'User Name': 'Ann Archer', 'First Name': 'Ann', 'Last Name': 'Archer', 'Manager Email': 'ceo@acme.test', Teams: 'Platform, Payments', 'Is Org Admin': 'No', 'Deactivation Date': '', 'Job Title': FORMULA, 'Start Date': '2020-03-15', 'Cost Center': '@risk', 'Badge Number': '-5' },
        { 'User Email': 'bob@acme.test', 'User Name': 'Bob Baker', 'First Name': 'Bob', 'Last Name': 'Baker', 'Manager Email': 'ann@acme.test', Teams: 'Platform', 'Is Org Admin': '', 'Deactivation Date': '31/12/2099', 'Job Title': 'Engineer, Backend', 'Start Date': '', 'Cost Center': '', 'Badge Number': '' },
        // dave is nobody yet: created with default values (R-CSV-08); carol's past date creates her inactive.
        { 'User Email': 'carol@acme.test', 'User Name': 'Carol Chen', 'First Name': 'Carol', 'Last Name': 'Chen', 'Manager Email': 'dave@acme.test', Teams: '', 'Is Org Admin': '', 'Deactivation Date': '01/01/2020', 'Job Title': "'Tis a title", 'Start Date': '', 'Cost Center': '+44 20 7946 0000', 'Badge Number': '' },
        { 'User Email': 'erin@acme.test', 'User Name': 'Erin Earl', 'First Name': 'Erin', 'Last Name': 'Earl', 'Manager Email': 'ceo@acme.test', Teams: 'Payments', 'Is Org Admin': '', 'Deactivation Date': '', 'Job Title': '', 'Start Date': '', 'Cost Center': '', 'Badge Number': '' },
      ]),
    );
    expect(first).toMatchObject({ status: 'succeeded', problemCount: 0 });
    expect(first.counts).toMatchObject({ created: 6 });
    // A past date on an existing user schedules the deactivation 24 hours later (an instant, not a day).
    const second = await importFile(usersCsv([{ 'User Email': 'erin@acme.test', 'User Name': 'Erin Earl', 'Deactivation Date': '01/01/2021' }]));
    expect(second).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ updated: 1 }) });
    const before = await snapshot();
    expect(before.users).toHaveLength(6);

    // The address must be a user of the tenant.
    const stranger = await world.platform.api('POST', `/v1/tenants/${tenantId}/exports`, { email: 'stranger@elsewhere.test' });
    expect(stranger).toMatchObject({ status: 400, body: { code: 'RECIPIENT_NOT_A_USER' } });

    const requested = await world.platform.api<{ exportId: string }>('POST', `/v1/tenants/${tenantId}/exports`, { email: 'Ann@Acme.test' });
    expect(requested.status).toBe(202);
    expect(requested.body.exportId).toMatch(/^[0-9a-f-]{36}$/);
    const mail: CapturedMail = await world.smtp.waitForMail((m) => m.attachments.length > 0, 30_000);
    expect(mail.to).toEqual(['ann@acme.test']);
    expect(mail.text).toContain(requested.body.exportId);
    expect(mail.attachments).toHaveLength(1);
    const [attachment] = mail.attachments;
    expect(attachment?.filename).toMatch(/^users-export-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = attachment?.content ?? Buffer.alloc(0);
    const text = file.toString('utf8');

    // The formula is escaped (a leading ') and quoted (RFC 4180); no cell starts with a trigger.
    expect(text).toContain(`"'${FORMULA.replace(/"/g, '""')}"`);
    const rows = parse(file, { bom: true }) as string[][];
    for (const cell of rows.flat()) expect(startsWithFormulaTrigger(cell)).toBe(false);
    const [header = [], ...data] = rows;
    expect(header).toEqual([...USERS_CSV_STANDARD_LABELS, 'Badge Number', 'Cost Center']);
    const byEmail = new Map(data.map((row) => [row[0], Object.fromEntries(header.map((label, i) => [label, row[i]]))]));
    expect([...byEmail.keys()].sort()).toEqual(['ann@acme.test', 'bob@acme.test', 'carol@acme.test', 'ceo@acme.test', 'dave@acme.test', 'erin@acme.test']);
    expect(byEmail.get('ann@acme.test')).toEqual({
      'User Email': 'ann@acme.test',
      'User Name': 'Ann Archer',
      'First Name': 'Ann',
      'Last Name': 'Archer',
      'Manager Email': 'ceo@acme.test',
      Teams: 'Payments, Platform',
      'Is Org Admin': 'No',
      'Deactivation Date': '',
      'Job Title': `'${FORMULA}`,
      Department: '',
      Location: '',
      'Employee ID': '',
      'Start Date': '2020-03-15',
      'Badge Number': "'-5",
      'Cost Center': "'@risk",
    });
    expect(byEmail.get('ceo@acme.test')).toMatchObject({ 'Is Org Admin': 'Yes', 'Start Date': '2015-02-01', Teams: 'Leadership', 'Badge Number': '7' });
    expect(byEmail.get('bob@acme.test')).toMatchObject({ 'Manager Email': 'ann@acme.test', 'Deactivation Date': '2099-12-31', 'Job Title': 'Engineer, Backend' });
    expect(byEmail.get('carol@acme.test')).toMatchObject({ 'Manager Email': 'dave@acme.test', 'Job Title': "'Tis a title", 'Cost Center': "'+44 20 7946 0000" });
    expect(byEmail.get('dave@acme.test')).toMatchObject({ 'User Name': '', 'Is Org Admin': 'No', 'Manager Email': '' });
    const erinAt = before.users.find((u: { email: string }) => u.email === 'erin@acme.test')?.deactivate_at as Date;
    expect(byEmail.get('erin@acme.test')?.['Deactivation Date']).toBe(erinAt.toISOString().slice(0, 10));

    // The file is kept in the object store under the tenant (R-TEN-01).
    const store = await world.nc.jetstream().views.os('roster-exports');
    const info = await store.info(`${tenantId}/${requested.body.exportId}.csv`);
    expect(info?.size).toBe(file.length);

    // Re-imported as it is (different bytes from the first file, so the checksum ledger lets it through).
    const reimport = await importFile(file);
    expect(reimport).toMatchObject({ status: 'succeeded', problemCount: 0 });
    expect(reimport.counts).toEqual({ created: 0, updated: 0, unchanged: 6, deactivated: 0, deleted: 0, restored: 0, skipped: 0, failed: 0 });
    expect(await snapshot()).toEqual(before);
    expect(world.smtp.messages.filter((m) => m.attachments.length > 0)).toHaveLength(1);
    exportId = requested.body.exportId;
    mailedSize = file.length;
  }, 120_000);

  let exportId: string;
  let mailedSize: number;
  const status = (tenant: string, id: string) => world.platform.api<ExportView>('GET', `/v1/tenants/${tenant}/exports/${id}`);

  it('R-EXP-01 the export\'s status goes to mailed, with its rows, bytes, recipient and times; R-TEN-01 another tenant\'s or an unknown export is 404 EXPORT_NOT_FOUND', async () => {
    const mailed = await waitFor(async () => {
      const r = await status(tenantId, exportId);
      return r.body.status === 'mailed' && r;
    }, { timeoutMs: 30_000, description: `export ${exportId} mailed` });
    expect(mailed.status).toBe(200);
    expect(mailed.body).toMatchObject({ exportId, status: 'mailed', email: 'ann@acme.test', rowCount: 6, size: mailedSize, failure: null });
    expect(mailed.body.fileName).toMatch(/^users-export-\d{4}-\d{2}-\d{2}\.csv$/);
    const { requestedAt, startedAt, readyAt, mailedAt } = mailed.body;
    expect([requestedAt, startedAt, readyAt, mailedAt].every((t) => typeof t === 'string')).toBe(true);
    expect(Date.parse(requestedAt) <= Date.parse(startedAt ?? '') && Date.parse(startedAt ?? '') <= Date.parse(readyAt ?? '')).toBe(true);
    expect(Date.parse(readyAt ?? '') <= Date.parse(mailedAt ?? '')).toBe(true);

    const other = await world.createTenant('Globex', 'owner@globex.test');
    expect(await status(other, exportId)).toMatchObject({ status: 404, body: { code: 'EXPORT_NOT_FOUND' } });
    expect(await status(tenantId, '7e1a0000-0000-4000-8000-00000000dead')).toMatchObject({ status: 404, body: { code: 'EXPORT_NOT_FOUND' } });
    expect(await status(tenantId, 'not-a-uuid')).toMatchObject({ status: 400 });
  }, 60_000);

  /** The built `roster` CLI as a child process, on this world's API as the operator, in the tenant. */
  const roster = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: { PATH: process.env.PATH, ROSTER_API_URL: world.platform.apiUrl, ROSTER_API_KEY: world.platform.apiKey, ROSTER_TENANT_ID: tenantId }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('R-EXP-01 roster export follows the export until it is mailed (progress as NDJSON on stderr) and exits 0; export show reads it', async () => {
    const followed = await roster(['export', '--email', 'bob@acme.test', '--json', '--interval', '200', '--timeout', '45']);
    expect(followed).toMatchObject({ code: 0 });
    const done = JSON.parse(followed.stdout) as ExportView;
    expect(done).toMatchObject({ status: 'mailed', email: 'bob@acme.test', rowCount: 6 });
    const progress = followed.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string; status: string });
    expect(progress[0]).toMatchObject({ event: 'progress', status: 'requested' });
    expect(progress.at(-1)).toMatchObject({ event: 'progress', status: 'mailed' });
    await world.smtp.waitForMail((m) => m.to.includes('bob@acme.test') && m.attachments.length > 0, 30_000);

    const shown = await roster(['export', 'show', done.exportId, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(done);
  }, 90_000);

  let failedExportId: string;
  let deadLetter: number;

  it("R-EXP-01 R-OPS-02 an export whose mail the SMTP server cannot take ends failed with the dead letter's code and reason (stage mail); roster export exits 3 and says why", async () => {
    // The notifier restarted on an SMTP port where nothing listens (the relay down, a wrong host or port in
    // ROSTER_SMTP_URL), giving up on the 2nd delivery: the default 5, with backoff 1, 5, 15 and 30 s, takes ~51 s.
    const closedPort = await freePort();
    await world.platform.kill('notifier');
    await world.platform.start('notifier', { ROSTER_SMTP_URL: `smtp://${LOOPBACK}:${closedPort}`, ROSTER_MAX_DELIVER: '2' });
    const mailsBefore = world.smtp.messages.length;
    const refused = expect.stringContaining(`ECONNREFUSED ${LOOPBACK}:${closedPort}`);

    const followed = await roster(['export', '--email', 'erin@acme.test', '--json', '--interval', '200', '--timeout', '45']);
    expect(followed).toMatchObject({ code: 3 });
    const failed = JSON.parse(followed.stdout) as ExportView;
    expect(failed).toMatchObject({ status: 'failed', email: 'erin@acme.test', mailedAt: null, failure: { stage: 'mail', code: 'MAX_DELIVERIES', message: refused } });
    expect(failed.failure?.message).toMatch(/^io\.roster\.exports\.ready\.v1 failed 2 times: /);
    const progress = followed.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string; status: string });
    expect(progress[0]).toMatchObject({ event: 'progress', status: 'requested' });
    expect(progress.at(-1)).toMatchObject({ event: 'progress', status: 'failed' });
    failedExportId = failed.exportId;

    // The API says the same: the file was written (ready, its facts kept), then the mail step gave up.
    const viewed = await status(tenantId, failedExportId);
    expect(viewed.status).toBe(200);
    expect(viewed.body).toMatchObject({ status: 'failed', rowCount: 6, mailedAt: null, failure: failed.failure });
    expect(viewed.body.fileName).toMatch(/^users-export-\d{4}-\d{2}-\d{2}\.csv$/);
    const { readyAt, failedAt } = viewed.body;
    expect(Date.parse(readyAt ?? '') <= Date.parse(failedAt ?? '')).toBe(true);

    // In text: the failure and where to look; show --follow of a failed export exits 3 at once, plain show 0.
    const shown = await roster(['export', 'show', failedExportId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`export ${failedExportId} failed: 6 users`);
    expect(shown.stdout).toContain(`failure (mail): MAX_DELIVERIES: io.roster.exports.ready.v1 failed 2 times: `);
    expect(shown.stdout).toContain(`ECONNREFUSED ${LOOPBACK}:${closedPort}`);
    expect(shown.stdout).toContain('see roster dlq list --code MAX_DELIVERIES');
    expect((await roster(['export', 'show', failedExportId, '--follow', '--timeout', '10'])).code).toBe(3);

    // The hint finds the dead letter: the notifier's export.ready for this tenant.
    const listed = await roster(['dlq', 'list', '--code', 'MAX_DELIVERIES', '--consumer', 'notifier-export-ready', '--json']);
    expect(listed.code).toBe(0);
    const letters = (JSON.parse(listed.stdout) as { items: DeadLetterSummary[] }).items;
    expect(letters).toEqual([expect.objectContaining({ consumer: 'notifier-export-ready', code: 'MAX_DELIVERIES', tenantId, original: expect.objectContaining({ subject: `roster.exports.${tenantId}.ready.v1` }) })]);
    deadLetter = letters[0]?.sequence ?? 0;
    expect(world.smtp.messages.slice(mailsBefore).filter((m) => m.text.includes(failedExportId))).toEqual([]);
  }, 90_000);

  it('R-OPS-02 R-EXP-01 once the mail server is reachable again, redriving the dead letter mails the export, which moves from failed to mailed', async () => {
    await world.platform.kill('notifier');
    await world.platform.start('notifier');
    const redriven = await roster(['dlq', 'redrive', String(deadLetter), '--json']);
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout)).toMatchObject({ sequence: deadLetter, outcome: 'redriven' });

    const mail = await world.smtp.waitForMail((m) => m.text.includes(failedExportId) && m.attachments.length > 0, 30_000);
    expect(mail.to).toEqual(['erin@acme.test']);
    const followed = await roster(['export', 'show', failedExportId, '--follow', '--json', '--interval', '200', '--timeout', '30']);
    expect(followed.code).toBe(0);
    const mailed = JSON.parse(followed.stdout) as ExportView;
    expect(mailed).toMatchObject({ status: 'mailed', failure: null, rowCount: 6, size: mail.attachments[0]?.content.length });
    expect(Date.parse(mailed.mailedAt ?? '') > Date.parse(mailed.failedAt ?? '')).toBe(true);
    expect(world.smtp.messages.filter((m) => m.text.includes(failedExportId))).toHaveLength(1);
  }, 90_000);

  /** The notifier's log row of an export's mail (keyed by the `export.ready` event id, `<export>:ready`). */
  const mailLog = async (id: string) =>
    (await world.pg.query(`select status, attempts, last_error from notifier.notifications where event_id = $1`, [`${id}:ready`])).rows;

  it("R-EXP-01 R-OPS-02 a mail the SMTP server refuses for good (552 at DATA) is dead-lettered on its first delivery: the export fails SMTP_REFUSED with the server's reply, and roster export says so", async () => {
    // Refused once: a retry would be accepted, so only a first-delivery dead letter ends the export failed.
    world.smtp.failNext(1, 552, { text: '5.3.4 Message too big' });
    const reason = 'SMTP 552 5.3.4 Message too big (refused at DATA)';
    const followed = await roster(['export', '--email', 'ceo@acme.test', '--json', '--interval', '200', '--timeout', '45']);
    expect(followed).toMatchObject({ code: 3 });
    const failed = JSON.parse(followed.stdout) as ExportView;
    expect(failed).toMatchObject({ status: 'failed', email: 'ceo@acme.test', rowCount: 6, mailedAt: null, failure: { stage: 'mail', code: 'SMTP_REFUSED', message: reason } });

    const shown = await roster(['export', 'show', failed.exportId]);
    expect(shown.stdout).toContain(`failure (mail): SMTP_REFUSED: ${reason}`);
    expect(shown.stdout).toContain('see roster dlq list --code SMTP_REFUSED');
    const listed = await roster(['dlq', 'list', '--code', 'SMTP_REFUSED', '--json']);
    expect(listed.code).toBe(0);
    const letters = (JSON.parse(listed.stdout) as { items: DeadLetterSummary[] }).items;
    expect(letters).toEqual([expect.objectContaining({ consumer: 'notifier-export-ready', code: 'SMTP_REFUSED', reason, deliveries: 1, tenantId })]);
    expect(await mailLog(failed.exportId)).toEqual([{ status: 'failed', attempts: 1, last_error: reason }]);
    expect(world.smtp.messages.filter((m) => m.text.includes(failed.exportId))).toEqual([]);
  }, 90_000);

  it('R-EXP-01 R-OPS-02 a mail the SMTP server defers (451, twice) is retried with backoff and the export is mailed on the third delivery', async () => {
    world.smtp.failNext(2, 451, { text: '4.3.0 Try again later' });
    const followed = await roster(['export', '--email', 'dave@acme.test', '--json', '--interval', '200', '--timeout', '45']);
    expect(followed).toMatchObject({ code: 0 });
    const mailed = JSON.parse(followed.stdout) as ExportView;
    expect(mailed).toMatchObject({ status: 'mailed', email: 'dave@acme.test', failure: null });
    expect(await mailLog(mailed.exportId)).toEqual([{ status: 'sent', attempts: 3, last_error: 'Message failed: 451 4.3.0 Try again later' }]);
    expect(world.smtp.messages.filter((m) => m.text.includes(mailed.exportId))).toHaveLength(1);
  }, 90_000);
});
