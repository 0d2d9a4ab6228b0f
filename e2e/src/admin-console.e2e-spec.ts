import type { Browser, Page } from 'playwright-core';
import { Events, createEnvelope } from '@roster/contracts';
import { type HrisEmulator, hrisEmployee, startHrisEmulator, usersCsv, waitFor } from '@roster/testing';
import { type AxeViolation, launchChromium, seriousViolations } from './support/browser';
import { type SftpWorld, hrisEmulatorEnv, startWorld } from './support/world';

const EMPLOYEES = 10;
/** How long the UI may take to show what the services did (a run, a redrive). */
const UI_WAIT = 30_000;

/**
 * Issue 9: the admin console in real Chromium against the five services, sshd, the SMTP sink and the HRIS
 * emulator. An admin signs in with a key, creates directories through the forms (the API's own validation shown
 * on the fields), tests connections, runs a CSV sync on the real sshd and reads its row problems, approves a run
 * held by the safeguard, creates an event directory and sends an event where its page says, and redrives a dead
 * letter; axe-core checks every page on the way.
 */
describe('admin console in the browser', () => {
  let emulator: HrisEmulator;
  let world: SftpWorld;
  let browser: Browser;
  let tenantId: string;
  /** axe results of every page visited: label -> serious or critical violations. */
  const audits = new Map<string, AxeViolation[]>();

  beforeAll(async () => {
    [emulator, browser] = await Promise.all([startHrisEmulator({ employees: EMPLOYEES }), launchChromium()]);
    world = await startWorld('e2e_console', { env: hrisEmulatorEnv(emulator) });
    tenantId = await world.createTenant('Console Co', 'owner@console.test');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
    await emulator?.close();
  }, 60_000);

  const consoleUrl = (path = '') => `${world.platform.apiUrl}/console/${path}`;
  const api = <T>(method: string, path: string, body?: unknown) => world.platform.api<T>(method, path, body);

  /** A fresh tab (its own sessionStorage), signed in with `key` (and the tenant for tenant keys). */
  async function signedIn(key = world.platform.apiKey, tenant: string | undefined = tenantId): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(consoleUrl());
    await page.getByLabel('API key').fill(key);
    if (tenant) await page.getByLabel('Tenant ID (optional)').fill(tenant);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: tenant ? 'Directories' : 'Tenants' }).waitFor();
    return page;
  }

  /** Runs axe-core on the page as it is now; the violations are checked at the end and at once. */
  async function audit(page: Page, label: string): Promise<void> {
    const serious = await seriousViolations(page);
    audits.set(label, serious);
    expect({ page: label, serious }).toEqual({ page: label, serious: [] });
  }

  const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

  it('serves the console at /console/ with a strict CSP, answers every page path with the app, refuses files outside it', async () => {
    const redirect = await fetch(`${world.platform.apiUrl}/console?x=1`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/console/?x=1');
    const deep = await fetch(consoleUrl(`t/${tenantId}/runs/00000000-0000-4000-8000-000000000000`));
    expect(deep.status).toBe(200);
    expect(deep.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await deep.text()).toContain('<div id="root"></div>');
    const missing = await fetch(consoleUrl('assets/missing.js'));
    expect([missing.status, await missing.json()]).toEqual([404, { code: 'CONSOLE_FILE_NOT_FOUND', message: 'no console file at /console/assets/missing.js' }]);
    expect((await fetch(consoleUrl('..%2f..%2f..%2fpackage.json'))).status).toBe(404);
    expect((await fetch(consoleUrl('%2e%2e/%2e%2e/%2e%2e/package.json'))).status).toBe(404);
  });

  it('R-SEC-02 signs in with a key: a wrong key gets the API sentence and code; tenant keys see their tenant, read-only ones cannot write', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(consoleUrl());
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await audit(page, 'sign in');
    await page.getByLabel('API key').fill('rk_wrong_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refused = page.getByRole('alert');
    await refused.getByText('A valid x-api-key header is required.').waitFor();
    expect(await refused.textContent()).toContain('UNAUTHENTICATED');
    await audit(page, 'sign in refused');

    // The key says its tenant (GET /v1/me): another tenant typed with it is refused; none typed opens its own.
    const admin = await api<{ key: string }>('POST', '/v1/api-keys', { name: 'console admin', role: 'tenant-admin', tenantId });
    const elsewhere = '00000000-0000-4000-8000-000000000000';
    await page.getByLabel('API key').fill(admin.body.key);
    await page.getByLabel('Tenant ID (optional)').fill(elsewhere);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText(`This key belongs to tenant ${tenantId}, not ${elsewhere}.`).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('TENANT_MISMATCH');
    await page.getByLabel('Tenant ID (optional)').fill('');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Directories' }).waitFor();
    await page.getByText('Console Co').waitFor();
    expect(await page.locator('.role').textContent()).toBe('Tenant admin');
    await page.context().close();

    const tenantPage = await signedIn(admin.body.key, tenantId);
    await tenantPage.getByText('Console Co').waitFor();
    expect(await tenantPage.locator('.role').textContent()).toBe('Tenant admin');
    expect(await tenantPage.getByRole('link', { name: /Operations/ }).count()).toBe(0);
    expect(await tenantPage.getByRole('link', { name: 'New SFTP directory' }).count()).toBe(1);
    // The key stays in the tab's sessionStorage only.
    expect(
      await tenantPage.evaluate(() => {
        const w = globalThis as unknown as { localStorage: { length: number }; document: { cookie: string } };
        return [w.localStorage.length, w.document.cookie];
      }),
    ).toEqual([0, '']);
    await audit(tenantPage, 'directories (empty)');
    await tenantPage.context().close();

    const reader = await api<{ key: string }>('POST', '/v1/api-keys', { name: 'console reader', role: 'read-only', tenantId });
    const readOnly = await signedIn(reader.body.key, tenantId);
    expect(await readOnly.locator('.role').textContent()).toBe('Read-only');
    expect(await readOnly.getByRole('link', { name: 'New SFTP directory' }).count()).toBe(0);
    await readOnly.context().close();
  }, 60_000);

  it('R-SFTP-01 R-DIR-03 creates an SFTP directory in the form, pins the tested host key, syncs a CSV on real sshd and opens a row problem', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'New SFTP directory' }).click();
    await page.getByRole('heading', { level: 1, name: 'New SFTP directory' }).waitFor();
    await field(page, 'Name').fill('HR drop');
    await field(page, 'Host').fill(world.sftp.host);
    await field(page, 'Port').fill('twenty-two');
    await field(page, 'User').fill(world.sftp.username);
    await field(page, 'Password').fill(world.sftp.password);
    await field(page, 'Folder').fill(world.sftp.folder);
    await page.getByRole('button', { name: 'Create directory' }).click();

    // The API refuses; its messages land on the fields, with the code for support.
    const summary = page.getByRole('alert').filter({ hasText: 'The directory was not created' });
    await summary.waitFor();
    expect(await summary.textContent()).toContain('VALIDATION_FAILED');
    expect(await summary.getByRole('link').allTextContents()).toEqual([
      expect.stringContaining('sftp.port'),
      expect.stringContaining('sftp.hostKeyFingerprint: Expected an OpenSSH SHA-256 fingerprint'),
    ]);
    expect(await field(page, 'Port').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#field-sftp-port-error').textContent()).toMatch(/expected number/i);
    await audit(page, 'new SFTP directory, refused');

    // Test connection without a fingerprint: the server's key, to pin.
    await field(page, 'Port').fill(String(world.sftp.port));
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('.test-result');
    await result.getByText('Connection works.').waitFor();
    expect(await result.locator('.fingerprint').textContent()).toBe(world.sftp.hostKeyFingerprint);
    await page.getByRole('button', { name: 'Pin this host key' }).click();
    expect(await field(page, 'Host key fingerprint').inputValue()).toBe(world.sftp.hostKeyFingerprint);
    await page.getByRole('button', { name: 'Create directory' }).click();
    await page.getByRole('heading', { level: 1, name: 'HR drop' }).waitFor();
    await page.getByText('The directory was created.').waitFor();
    await audit(page, 'SFTP directory');

    const [saved] = (await api<{ id: string; sftp: { hostKeyFingerprint: string; hasPassword: boolean } }[]>('GET', `/v1/tenants/${tenantId}/directories`)).body;
    expect(saved.sftp).toMatchObject({ hostKeyFingerprint: world.sftp.hostKeyFingerprint, hasPassword: true });

    await world.sftp.put(
      'users.csv',
      usersCsv([
        { 'User Email': 'ann@console.test', 'First Name': 'Ann', 'Last Name': 'Archer' },
        { 'User Email': 'not-an-email', 'First Name': 'Bad', 'Last Name': 'Row' },
        { 'User Email': 'bob@console.test', 'First Name': 'Bob', 'Last Name': 'Baker', 'Manager Email': 'ann@console.test' },
      ]),
    );
    await page.getByRole('button', { name: 'Start a run' }).click();
    await page.getByRole('heading', { level: 1, name: /^Run / }).waitFor();
    // The page follows the run by itself until it is final.
    await page.getByRole('status').filter({ hasText: 'Partially succeeded' }).waitFor({ timeout: UI_WAIT });
    expect(await page.locator('.counts').innerText()).toMatch(/Created\s+2/);
    await page.getByRole('button', { name: 'Open the problem on row 3: INVALID_EMAIL' }).click();
    const problem = page.getByRole('region', { name: 'Problem on row 3' });
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/User Email[\s\S]*INVALID_EMAIL[\s\S]*"not-an-email" is not a valid email address/);
    expect(await problem.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await audit(page, 'run with a problem open');

    // Runs list, filtered by status.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.getByText('No run matches.').waitFor();
    await page.getByLabel('Status').selectOption('partially-succeeded');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.getByRole('table').getByText('HR drop').waitFor();
    await audit(page, 'runs');

    // Editing: a recipient who is not a user is refused on the field; a user is saved.
    await page.goto(consoleUrl(`t/${tenantId}/directories/${saved.id}`));
    await field(page, 'Recipients').fill('ann@console.test, ceo@elsewhere.test');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#field-recipients-error').getByText('not users: ceo@elsewhere.test').waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'Your changes were not saved' }).textContent()).toContain('RECIPIENT_NOT_A_USER');
    await field(page, 'Recipients').fill('ann@console.test');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Your changes were saved.').waitFor();
    expect((await api<{ recipients: string[] }>('GET', `/v1/tenants/${tenantId}/directories/${saved.id}`)).body.recipients).toEqual(['ann@console.test']);
    await page.context().close();
  }, 90_000);

  it('R-SAFE-01 R-API-06 holds an HR-API run over the safeguard, shows who would go, and applies it once approved', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'New HR-API directory' }).click();
    await page.getByRole('heading', { level: 1, name: 'New HR-API directory' }).waitFor();
    await field(page, 'Name').fill('Bridge HR');
    await field(page, 'Base URL').fill(emulator.baseUrl);
    await field(page, 'Account token').fill(emulator.accountToken);
    await field(page, 'Page size').fill('500');
    await field(page, 'Users gone from the HR system').selectOption('deactivate');
    await field(page, 'Hold a run removing more than (users)').fill('2');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('.test-result').getByText('Connection works.').waitFor();
    await page.getByRole('button', { name: 'Create directory' }).click();
    await page.locator('#field-hris-pageSize-error').getByText("Page size must be 1..100 (the bridge's maximum is 100)").waitFor();
    await audit(page, 'new HR-API directory, refused');
    await field(page, 'Page size').fill('4');
    await page.getByRole('button', { name: 'Create directory' }).click();
    await page.getByRole('heading', { level: 1, name: 'Bridge HR' }).waitFor();
    await audit(page, 'HR-API directory');
    const directoryUrl = page.url();

    await page.getByRole('button', { name: 'Start a run' }).click();
    await page.getByRole('status').filter({ hasText: /Status:\s*Succeeded/ }).waitFor({ timeout: UI_WAIT });
    expect(await page.locator('.counts').innerText()).toMatch(new RegExp(`Created\\s+${EMPLOYEES}`));

    emulator.setEmployeeCount(EMPLOYEES - 4);
    await page.goto(directoryUrl);
    await page.getByRole('button', { name: 'Start a run' }).click();
    const held = page.getByRole('region', { name: 'This run is waiting for approval' });
    await held.waitFor({ timeout: UI_WAIT });
    const gone = [6, 7, 8, 9].map((i) => hrisEmployee(i).work_email as string).sort();
    expect((await held.getByRole('row').allInnerTexts()).slice(1).map((r) => r.split('\t')[0]).sort()).toEqual(gone);
    expect(await held.innerText()).toContain(`It would deactivate 4 and delete 0 of the directory’s ${EMPLOYEES} active users`);
    await audit(page, 'held run');
    const inactive = async () =>
      Number((await world.pg.query(`select count(*) as n from reconciler.users where tenant_id = $1 and status = 'inactive'`, [tenantId])).rows[0].n);
    expect(await inactive()).toBe(0);

    await held.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('button', { name: 'Yes, approve the run' }).click();
    await page.getByRole('status').filter({ hasText: /Status:\s*Succeeded/ }).waitFor({ timeout: UI_WAIT });
    expect(await page.locator('.counts').innerText()).toMatch(/Deactivated\s+4/);
    await page.getByText('Approved', { exact: true }).waitFor();
    expect(await inactive()).toBe(4);

    // R-OPS-01: the approved run applied again from its retained records is a new run, followed to its end.
    const approvedUrl = page.url();
    await page.getByRole('button', { name: 'Re-run from its records' }).click();
    await page.waitForURL((url) => url.toString() !== approvedUrl, { timeout: UI_WAIT });
    await page.getByText('Re-run of', { exact: true }).waitFor();
    await page.getByRole('status').filter({ hasText: /Status:\s*Succeeded/ }).waitFor({ timeout: UI_WAIT });
    expect(await page.locator('.counts').innerText()).toMatch(/Deactivated\s+0/);
    await audit(page, 're-run');
    expect(await inactive()).toBe(4);
    await page.context().close();
  }, 120_000);

  it('R-EVT-02 R-DIR-02 creates an event directory in the form (the API\'s errors on the fields), shows where to publish, and an event sent there becomes a run', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'New event directory' }).click();
    await page.getByRole('heading', { level: 1, name: 'New event directory' }).waitFor();
    // Before the directory exists the tenant's subjects already show (from the contract's templates).
    const where = page.getByRole('region', { name: 'Where services publish' });
    await where.getByText(`roster.inbound.${tenantId}.employee.upserted.v1`).waitFor();
    await where.getByText(`roster.inbound.${tenantId}.employee.terminated.v1`).waitFor();
    // No schedule and no source settings: an event directory has neither.
    expect(await page.getByLabel('When it runs by itself').count()).toBe(0);
    await audit(page, 'new event directory');

    await field(page, 'Recipients').fill('ceo@elsewhere.test');
    await page.getByRole('button', { name: 'Create directory' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'The directory was not created' });
    await summary.waitFor();
    expect(await summary.textContent()).toContain('VALIDATION_FAILED');
    expect(await field(page, 'Name').getAttribute('aria-invalid')).toBe('true');
    await page.locator('#field-name-error').waitFor();
    await audit(page, 'new event directory, refused');

    await field(page, 'Name').fill('Payroll events');
    await page.getByRole('button', { name: 'Create directory' }).click();
    await page.locator('#field-recipients-error').getByText('not users: ceo@elsewhere.test').waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'The directory was not created' }).textContent()).toContain('RECIPIENT_NOT_A_USER');

    await field(page, 'Recipients').fill('ann@console.test');
    await field(page, 'Restore deactivated or deleted users who appear in an event again').check();
    await page.getByRole('button', { name: 'Create directory' }).click();
    await page.getByRole('heading', { level: 1, name: 'Payroll events' }).waitFor();
    await page.getByText('The directory was created. Services can now publish its employee events on the subjects below.').waitFor();
    expect(await page.getByRole('button', { name: 'Start a run' }).count()).toBe(0);
    const directories = (await api<{ id: string; name: string; type: string; recipients: string[]; schedule: unknown; policy: Record<string, unknown> }[]>('GET', `/v1/tenants/${tenantId}/directories`)).body;
    const created = directories.find((d) => d.name === 'Payroll events');
    expect(created).toMatchObject({ type: 'event', recipients: ['ann@console.test'], schedule: { kind: 'disabled' }, policy: { restore: true, activateUsers: true, orphans: 'ignore' } });
    const directoryId = created?.id as string;
    await where.getByText(directoryId).waitFor();
    await audit(page, 'event directory');

    // A service publishes on the subject the page shows: the event becomes a run (trigger event) and a user.
    const subject = (await where.getByRole('row', { name: /Employee created or changed/ }).getByRole('cell').first().textContent())?.trim() ?? '';
    expect(subject).toBe(`roster.inbound.${tenantId}.employee.upserted.v1`);
    const name = 'inbound.employee.upserted' as const;
    const envelope = createEnvelope({ type: Events[name].type, source: 'console-test', tenantId, data: { directoryId, employee: { email: 'eve@console.test', firstName: 'Eve' } } });
    await world.nc.jetstream().publish(subject, JSON.stringify(envelope));
    const run = await waitFor(
      async () => (await api<{ id: string; trigger: string; status: string }[]>('GET', `/v1/tenants/${tenantId}/directories/${directoryId}/runs`)).body.find((r) => r.status === 'succeeded'),
      { timeoutMs: UI_WAIT, description: 'the event run' },
    );
    expect(run.trigger).toBe('event');
    await page.reload();
    await page.getByRole('link', { name: `Run ${run.id.slice(0, 8)}` }).waitFor();

    // Editing: the policy the events are applied with.
    await field(page, 'Activate new and restored users').uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Your changes were saved.').waitFor();
    expect((await api<{ policy: Record<string, unknown> }>('GET', `/v1/tenants/${tenantId}/directories/${directoryId}`)).body.policy).toMatchObject({
      activateUsers: false,
      restore: true,
      orphans: 'ignore',
    });
    await page.context().close();
  }, 90_000);

  it('R-OPS-02 lists, inspects and redrives a dead letter, and refuses a discard without a reason', async () => {
    await world.nc.jetstream().publish(`roster.records.${tenantId}.batch.v1`, Buffer.from('not json from the console test'));
    const letters = async () => (await api<{ items: { sequence: number; original: { sequence: number } }[] }>('GET', `/v1/tenants/${tenantId}/dead-letters?code=NOT_JSON`)).body.items;
    await waitFor(async () => (await letters()).length === 1, { timeoutMs: 20_000, description: 'the dead letter' });

    const page = await signedIn(world.platform.apiKey, undefined);
    await audit(page, 'tenants');
    await page.getByRole('link', { name: 'Operations: dead letters' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dead letters (all tenants)' }).waitFor();
    await page.getByLabel('Reason code').fill('NOT JSON');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.locator('#field-code-error').getByText('Expected a code like BAD_PAYLOAD.').waitFor();
    await page.getByLabel('Reason code').fill('NOT_JSON');
    await page.getByLabel('Tenant ID').fill(tenantId);
    await page.getByRole('button', { name: 'Apply filter' }).click();
    const link = page.getByRole('link', { name: /^Dead letter \d+: NOT_JSON in reconciler-records/ });
    await link.waitFor();
    await audit(page, 'dead letters');
    await link.click();
    await page.getByRole('heading', { level: 2, name: 'Payload (text)' }).waitFor();
    expect(await page.locator('pre.payload').textContent()).toBe('not json from the console test');

    await page.getByRole('button', { name: 'Discard' }).click();
    await page.locator('#field-reason-error').waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'The dead letter was not discarded' }).textContent()).toContain('VALIDATION_FAILED');
    await audit(page, 'dead letter');

    const [before] = await letters();
    await page.getByRole('button', { name: 'Redrive' }).click();
    const done = page.getByRole('status').filter({ hasText: 'Published again to' });
    await done.waitFor({ timeout: UI_WAIT });
    expect(await done.textContent()).toContain(`roster.records.${tenantId}.batch.v1 in ROSTER_RECORDS`);
    // Still not JSON: the reconciler dead-letters the redriven copy, a new dead letter of a new original message.
    const after = await waitFor(async () => (await letters()).find((d) => d.sequence !== before.sequence), { timeoutMs: 15_000, description: 'the redriven copy dead-lettered again' });
    expect(after.original.sequence).toBeGreaterThan(before.original.sequence);
    expect((await letters()).some((d) => d.sequence === before.sequence)).toBe(false);
    await page.context().close();
  }, 60_000);

  it('has no serious or critical accessibility violations on any page visited (axe-core)', () => {
    expect(audits.size).toBeGreaterThanOrEqual(12);
    expect(Object.fromEntries([...audits].filter(([, v]) => v.length > 0))).toEqual({});
  });
});
