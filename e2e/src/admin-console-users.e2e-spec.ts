import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { usersCsv } from '@roster/testing';
import { type AxeViolation, launchChromium, seriousViolations } from './support/browser';
import { type SftpWorld, startWorld } from './support/world';

const CLI = join(__dirname, '../../dist/apps/cli/src/main.js');

/** More than a page (50) of users, so paging is on the server. */
const STAFF = 64;

/**
 * Issue 9, second part: the console's users, export and replay pages in real Chromium against the five services
 * after a real CSV sync over sshd. An admin searches and filters users (paged by the server), opens a user and
 * walks up the manager chain, picks report recipients from the users, requests an export that arrives in the
 * SMTP sink; an operator creates and deletes a replay consumer. axe-core checks every page on the way.
 */
describe('admin console in the browser: users, export, replay', () => {
  let world: SftpWorld;
  let browser: Browser;
  let tenantId: string;
  let directoryId: string;
  const audits = new Map<string, AxeViolation[]>();

  beforeAll(async () => {
    [world, browser] = await Promise.all([startWorld('e2e_console_users'), launchChromium()]);
    tenantId = await world.createTenant('People Co', 'grace.hopper@people.test');
    directoryId = (await world.createSftpDirectory(tenantId, { name: 'HR drop' })).body.id;
    await world.sftp.put(
      'users.csv',
      usersCsv([
        { 'User Email': 'grace.hopper@people.test', 'First Name': 'Grace', 'Last Name': 'Hopper', 'Job Title': 'CTO', Teams: 'Leadership', 'T-Shirt Size': 'S' },
        { 'User Email': 'ada.lovelace@people.test', 'First Name': 'Ada', 'Last Name': 'Lovelace', 'Manager Email': 'grace.hopper@people.test', Teams: 'Engineering', 'T-Shirt Size': 'M' },
        { 'User Email': 'alan.turing@people.test', 'First Name': 'Alan', 'Last Name': 'Turing', 'Manager Email': 'ada.lovelace@people.test', Teams: 'Engineering', 'T-Shirt Size': 'L' },
        { 'User Email': 'katherine.johnson@people.test', 'First Name': 'Katherine', 'Last Name': 'Johnson', 'Deactivation Date': '01/01/2020' },
        ...Array.from({ length: STAFF }, (_, i) => ({
          'User Email': `staff${String(i).padStart(2, '0')}@people.test`,
          'First Name': `Staff${i}`,
          'Last Name': 'Member',
          'Manager Email': 'ada.lovelace@people.test',
          Teams: 'Operations',
        })),
      ]),
    );
    const run = await world.waitForRun(tenantId, await world.startRun(tenantId, directoryId));
    expect(run).toMatchObject({ status: 'succeeded', problemCount: 0 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  }, 60_000);

  const consoleUrl = (path = '') => `${world.platform.apiUrl}/console/${path}`;

  async function signedIn(tenant: string | undefined = tenantId): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(consoleUrl());
    await page.getByLabel('API key').fill(world.platform.apiKey);
    if (tenant) await page.getByLabel('Tenant ID (optional)').fill(tenant);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: tenant ? 'Directories' : 'Tenants' }).waitFor();
    return page;
  }

  async function audit(page: Page, label: string): Promise<void> {
    const serious = await seriousViolations(page);
    audits.set(label, serious);
    expect({ page: label, serious }).toEqual({ page: label, serious: [] });
  }

  const tableEmails = async (page: Page) => (await page.getByRole('table').locator('tbody th').allTextContents()).map((t) => t.trim());

  it('searches the synced users, pages on the server and filters by directory, status and team', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByRole('table').waitFor();
    const first = await tableEmails(page);
    expect(first).toHaveLength(50);
    expect(first.slice(0, 3)).toEqual(['ada.lovelace@people.test', 'alan.turing@people.test', 'grace.hopper@people.test']);
    await audit(page, 'users');

    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('table').getByText('staff63@people.test').waitFor();
    const second = await tableEmails(page);
    expect(second).toHaveLength(STAFF + 4 - 50);
    expect(second.some((e) => first.includes(e))).toBe(false);
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByRole('table').getByText('ada.lovelace@people.test').waitFor();
    expect(await tableEmails(page)).toEqual(first);

    // A name prefix, any case; the row shows teams, directory and status.
    await page.getByLabel('Search', { exact: true }).fill('ADA lov');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '1 user on page 1.' }).waitFor();
    const row = page.getByRole('row', { name: /ada\.lovelace@people\.test/ });
    expect(await row.innerText()).toMatch(/Ada Lovelace\s+Active\s+HR drop\s+Engineering/);
    expect(page.url()).toContain('q=ADA+lov');
    await audit(page, 'users, searched');

    await page.getByLabel('Search', { exact: true }).fill('');
    await page.getByLabel('Status').selectOption('inactive');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '1 user on page 1.' }).waitFor();
    expect(await tableEmails(page)).toEqual(['katherine.johnson@people.test']);

    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Directory').selectOption({ label: 'HR drop' });
    await page.getByLabel('Team').fill('engineering');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '2 users on page 1.' }).waitFor();
    expect(await tableEmails(page)).toEqual(['ada.lovelace@people.test', 'alan.turing@people.test']);

    // The API's refusal, as a sentence with its code.
    await page.goto(consoleUrl(`t/${tenantId}/users?directoryId=not-a-directory`));
    const refused = page.getByRole('alert').filter({ hasText: 'The users could not be listed' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('VALIDATION_FAILED');
    await page.context().close();
  }, 90_000);

  it('opens a user: profile, custom fields, teams, owning directory and the manager chain with links', async () => {
    const page = await signedIn();
    await page.goto(consoleUrl(`t/${tenantId}/users?q=alan`));
    await page.getByRole('link', { name: 'alan.turing@people.test' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alan Turing' }).waitFor();
    const chain = page.getByRole('list', { name: 'Managers of Alan Turing, nearest first' });
    expect((await chain.getByRole('link').allTextContents()).map((t) => t.trim())).toEqual(['Ada Lovelace', 'Grace Hopper']);
    expect(await page.locator('.facts').innerText()).toMatch(/Owning directory\s+HR drop/);
    expect(await page.getByRole('table').filter({ hasText: 'T-Shirt Size' }).innerText()).toMatch(/T-Shirt Size\s+L/);
    expect(await page.getByRole('table').filter({ hasText: 'Engineering' }).innerText()).toMatch(/Engineering\s+Team\s+HR drop/);
    await audit(page, 'user');

    await chain.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ada Lovelace' }).waitFor();
    await page.getByRole('link', { name: `${STAFF + 1} direct reports` }).click();
    await page.getByText('Showing the direct reports of').waitFor();
    await page.getByRole('table').getByText('alan.turing@people.test').waitFor();
    expect(await tableEmails(page)).toHaveLength(50);
    await audit(page, 'users, direct reports');

    const grace = await world.platform.api<{ users: { userId: string }[] }>('GET', `/v1/tenants/${tenantId}/users?q=grace`);
    await page.goto(consoleUrl(`t/${tenantId}/users/${grace.body.users[0]?.userId}`));
    await page.getByRole('heading', { level: 1, name: 'Grace Hopper' }).waitFor();
    await page.getByText('Grace Hopper has no manager.').waitFor();
    await page.context().close();
  }, 60_000);

  it('lists and shows users with the roster CLI (--json)', async () => {
    const roster = (args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          [CLI, ...args, '--json'],
          { env: { PATH: process.env.PATH, ROSTER_API_URL: world.platform.apiUrl, ROSTER_API_KEY: world.platform.apiKey, ROSTER_TENANT_ID: tenantId }, timeout: 30_000 },
          (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
        );
      });
    const list = await roster(['users', 'list', '-q', 'staff1', '--limit', '5']);
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout) as { users: { userId: string; email: string }[]; nextAfter: string | null };
    // "staff1" is the start of staff10..19's emails and of staff01's name (Staff1 Member).
    expect(page.users.map((u) => u.email)).toEqual(['staff01@people.test', 'staff10@people.test', 'staff11@people.test', 'staff12@people.test', 'staff13@people.test']);
    expect(page.nextAfter).toBe('staff13@people.test');
    const next = JSON.parse((await roster(['users', 'list', '-q', 'staff1', '--after', 'staff13@people.test'])).stdout) as typeof page;
    expect(next.users.map((u) => u.email)).toEqual(['staff14@people.test', 'staff15@people.test', 'staff16@people.test', 'staff17@people.test', 'staff18@people.test', 'staff19@people.test']);
    expect(next.nextAfter).toBeNull();
    const show = await roster(['users', 'show', page.users[0]?.userId ?? '']);
    expect(JSON.parse(show.stdout)).toMatchObject({ email: 'staff01@people.test', managerChain: [{ email: 'ada.lovelace@people.test' }, { email: 'grace.hopper@people.test' }], managerChainEnd: 'top' });
    const missing = await roster(['users', 'show', '00000000-0000-4000-8000-000000000000']);
    expect([missing.code, (JSON.parse(missing.stdout) as { error: { code: string } }).error.code]).toEqual([1, 'USER_NOT_FOUND']);
  });

  it('R-NOT-02 picks report recipients among the users, and R-EXP-01 exports the users by mail', async () => {
    const page = await signedIn();
    await page.goto(consoleUrl(`t/${tenantId}/directories/${directoryId}`));
    await page.getByRole('heading', { level: 1, name: 'HR drop' }).waitFor();
    await page.getByLabel('Find a user to add').fill('grace');
    await page.getByRole('button', { name: 'Add Grace Hopper (grace.hopper@people.test)' }).click();
    await page.getByLabel('Find a user to add').fill('alan t');
    await page.getByRole('button', { name: 'Add Alan Turing (alan.turing@people.test)' }).click();
    expect(await page.getByLabel('Recipients', { exact: true }).inputValue()).toBe('grace.hopper@people.test, alan.turing@people.test');
    await audit(page, 'directory, recipient picker');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Your changes were saved.').waitFor();
    expect((await world.platform.api<{ recipients: string[] }>('GET', `/v1/tenants/${tenantId}/directories/${directoryId}`)).body.recipients).toEqual([
      'grace.hopper@people.test',
      'alan.turing@people.test',
    ]);

    await page.getByRole('link', { name: 'Users', exact: true }).click();
    const exportForm = page.getByRole('region', { name: 'Export users' });
    // The tenant's owner is offered; an outsider is refused on the field, with the API's code.
    expect(await exportForm.getByLabel('Send the file to').inputValue()).toBe('grace.hopper@people.test');
    await exportForm.getByLabel('Send the file to').fill('someone@elsewhere.test');
    await exportForm.getByRole('button', { name: 'Export users' }).click();
    await page.locator('#field-export-email-error').getByText('someone@elsewhere.test').waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'The export was not requested' }).textContent()).toContain('RECIPIENT_NOT_A_USER');
    await audit(page, 'users, export refused');

    await exportForm.getByLabel('Send the file to').fill('ada.lovelace@people.test');
    await exportForm.getByRole('button', { name: 'Export users' }).click();
    await page.getByRole('status').filter({ hasText: 'requested: the file will be mailed to ada.lovelace@people.test' }).waitFor();
    const mail = await world.smtp.waitForMail((m) => m.attachments.length > 0 && m.to.includes('ada.lovelace@people.test'), 30_000);
    expect(mail.to).toEqual(['ada.lovelace@people.test']);
    const file = mail.attachments[0]?.content.toString('utf8') ?? '';
    expect(file.split('\r\n').filter((l) => l.includes('@people.test'))).toHaveLength(STAFF + 4);
    expect(file).toContain('T-Shirt Size');
    await page.context().close();
  }, 90_000);

  it('R-OPS-01 lets an operator create a replay consumer over a time range, shows the result, refuses a bad filter, deletes it', async () => {
    const page = await signedIn(undefined);
    await page.getByRole('link', { name: 'Operations: replay' }).click();
    await page.getByRole('heading', { level: 1, name: 'Replay (all tenants)' }).waitFor();
    await page.getByRole('table').or(page.getByText('No replay consumer.')).first().waitFor();
    await audit(page, 'replay');

    await page.getByLabel('Consumer name').fill('console-audit');
    await page.getByLabel('Subject filter').fill('roster.runs.x');
    await page.getByRole('button', { name: 'Create replay consumer' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'The replay consumer was not created' });
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/not a subject of ROSTER_DIRECTORY[\s\S]*VALIDATION_FAILED/);
    await audit(page, 'replay, refused');

    // The sync's user events, from an hour ago until a few seconds ago (UTC, as the form says). Whole seconds, not
    // :00 (the input would drop them).
    const utc = (ms: number) => new Date(ms - (new Date(ms).getUTCSeconds() === 0 ? 1000 : 0)).toISOString().slice(0, 19);
    await page.getByLabel('Subject filter').fill(`roster.directory.${tenantId}.user.>`);
    await page.getByLabel('From (UTC)').fill(utc(Date.now() - 3_600_000));
    await page.getByLabel('Until (UTC)').fill(utc(Date.now() - 2_000));
    await page.getByRole('button', { name: 'Create replay consumer' }).click();
    const result = page.getByRole('status').filter({ hasText: 'Replay consumer replay-console-audit created' });
    await result.waitFor();
    const stored = await world.platform.api<{ filterSubject: string; pending: number; endSequence: number | null }>('GET', '/v1/replays/ROSTER_DIRECTORY/replay-console-audit');
    expect(stored.body).toMatchObject({ filterSubject: `roster.directory.${tenantId}.user.>`, endSequence: expect.any(Number) });
    // Every user the sync created, at least (managers linked later may add user.updated events).
    expect(stored.body.pending).toBeGreaterThanOrEqual(STAFF + 4);
    expect(await result.innerText()).toMatch(new RegExp(`Messages waiting\\s+${stored.body.pending}`));
    expect(await result.innerText()).toContain(`stream sequence ${stored.body.endSequence}`);
    expect(await result.innerText()).toContain('nats consumer next ROSTER_DIRECTORY replay-console-audit');
    await page.getByRole('row', { name: /replay-console-audit/ }).waitFor();
    await audit(page, 'replay, created');

    await page.getByRole('button', { name: 'Delete replay-console-audit' }).click();
    await page.getByText('Deleted replay-console-audit; the stream is untouched.').waitFor();
    expect((await world.platform.api('GET', '/v1/replays/ROSTER_DIRECTORY/replay-console-audit')).status).toBe(404);
    await page.context().close();
  }, 60_000);

  it('has no serious or critical accessibility violations on any page visited (axe-core)', () => {
    expect(audits.size).toBeGreaterThanOrEqual(9);
    expect(Object.fromEntries([...audits].filter(([, v]) => v.length > 0))).toEqual({});
  });
});
