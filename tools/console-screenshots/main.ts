// Regenerates the admin console's screenshots in docs/console/ (issue 9) from the real thing: private PostgreSQL
// database, nats-server, OpenSSH sshd, SMTP sink and HRIS emulator, the five services from dist/, some data made
// through the admin API (a run with row problems, a run held by the safeguard, an event directory with an event
// run, a dead letter), then Debian's
// chromium driven by playwright-core. `bash tools/console-screenshots.sh` builds first; `--serve` keeps the
// platform up afterwards with the console's address and an operator key, for trying the console by hand.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'nats';
import { type Page, chromium } from 'playwright-core';
import { Events, createEnvelope, subjectOf } from '@roster/contracts';
import {
  createTestDatabase,
  hrisEmployee,
  hrisEmulatorHosts,
  startHrisEmulator,
  startNatsServer,
  startPlatform,
  startSftpServer,
  startSmtpSink,
  usersCsv,
  waitFor,
} from '@roster/testing';

const root = join(__dirname, '../../..');
const out = join(root, 'docs', 'console');
const say = (line = '') => process.stdout.write(`${line}\n`);
const CHROMIUM = process.env.ROSTER_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Run {
  id: string;
  status: string;
}

async function main(): Promise<void> {
  const serve = process.argv.includes('--serve');
  mkdirSync(out, { recursive: true });
  const [db, nats, sftp, smtp, hris] = await Promise.all([
    createTestDatabase('console_screens'),
    startNatsServer(),
    startSftpServer(),
    startSmtpSink(),
    startHrisEmulator({ employees: 12 }),
  ]);
  const platform = await startPlatform({
    databaseUrl: db.url,
    natsUrl: nats.url,
    smtpUrl: `smtp://${smtp.host}:${smtp.port}`,
    root,
    env: { ROSTER_HRIS_BRIDGE_API_KEY: hris.apiKey, ROSTER_HRIS_ALLOW_LOOPBACK: 'true', ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS: hrisEmulatorHosts(hris).join(',') },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const stop = async () => {
    await browser.close().catch(() => undefined);
    await platform.stop();
    await Promise.all([sftp.stop(), smtp.stop(), nats.stop(), hris.close()]);
    await db.drop();
  };
  try {
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await platform.api<T>(method, path, body);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const finished = (t: string, runId: string, status = ['succeeded', 'partially-succeeded', 'failed']) =>
      waitFor(async () => {
        const run = await api<Run>('GET', `/v1/tenants/${t}/runs/${runId}`);
        return status.includes(run.status) ? run : undefined;
      }, { timeoutMs: 60_000, intervalMs: 200, description: `run ${runId}` });

    say('seeding: a tenant, an SFTP directory with a run with problems, an HR-API directory with a held run, an event directory with an event run, a dead letter');
    const tenant = await api<{ id: string }>('POST', '/v1/tenants', { name: 'Example Corp', ownerEmail: 'grace.hopper@example.com' });
    const t = tenant.id;
    const sftpDir = await api<{ id: string }>('POST', `/v1/tenants/${t}/directories`, {
      name: 'HR drop (SFTP)',
      type: 'sftp-csv',
      sftp: { host: sftp.host, port: sftp.port, username: sftp.username, password: sftp.password, folder: sftp.folder, hostKeyFingerprint: sftp.hostKeyFingerprint },
      schedule: { kind: 'daily', time: '02:00', timeZone: 'Europe/Paris' },
    });
    await sftp.put(
      'users.csv',
      usersCsv([
        { 'User Email': 'grace.hopper@example.com', 'First Name': 'Grace', 'Last Name': 'Hopper', 'Job Title': 'CTO', Teams: 'Leadership', 'Cost Center': 'CC-100' },
        { 'User Email': 'alan.turing@example.com', 'First Name': 'Alan', 'Last Name': 'Turing', 'Manager Email': 'grace.hopper@example.com', 'Job Title': 'Research Lead', Teams: 'Research', 'Cost Center': 'CC-210' },
        { 'User Email': 'ada.lovelace@example', 'First Name': 'Ada', 'Last Name': 'Lovelace' },
        { 'User Email': 'katherine.johnson@example.com', 'First Name': 'Katherine', 'Last Name': 'Johnson', 'Start Date': '31/31/2020' },
      ]),
    );
    const csvRun = await api<Run>('POST', `/v1/tenants/${t}/directories/${sftpDir.id}/runs`, {});
    await finished(t, csvRun.id);
    await api('PATCH', `/v1/tenants/${t}/directories/${sftpDir.id}`, { recipients: ['grace.hopper@example.com'] });

    const hrisDir = await api<{ id: string }>('POST', `/v1/tenants/${t}/directories`, {
      name: 'Workday (HRIS bridge)',
      type: 'hris-api',
      hris: { provider: 'merge', baseUrl: hris.baseUrl, accountToken: hris.accountToken, pageSize: 50, fieldMappings: [{ source: 'jobTitle', target: 'jobTitle' }] },
      policy: { orphans: 'deactivate', restore: true, safeguard: { count: 2, percent: 20 } },
      schedule: { kind: 'every', hours: 6 },
    });
    await finished(t, (await api<Run>('POST', `/v1/tenants/${t}/directories/${hrisDir.id}/runs`, {})).id);
    hris.setEmployeeCount(8);
    const held = await api<Run>('POST', `/v1/tenants/${t}/directories/${hrisDir.id}/runs`, {});
    await finished(t, held.id, ['awaiting-approval']);

    const nc = await connect({ servers: nats.url });
    const eventDir = await api<{ id: string }>('POST', `/v1/tenants/${t}/directories`, {
      name: 'Payroll events',
      type: 'event',
      policy: { restore: true },
      recipients: ['grace.hopper@example.com'],
    });
    const upserted = Events['inbound.employee.upserted'];
    const employee = { email: 'mary.jackson@example.com', firstName: 'Mary', lastName: 'Jackson', jobTitle: 'Engineer', managerEmail: 'alan.turing@example.com' };
    const envelope = createEnvelope({ type: upserted.type, source: 'payroll-service', tenantId: t, data: { directoryId: eventDir.id, employee } });
    await nc.jetstream().publish(subjectOf('inbound.employee.upserted', { tenant: t }), JSON.stringify(envelope));
    await waitFor(async () => (await api<Run[]>('GET', `/v1/tenants/${t}/directories/${eventDir.id}/runs`)).some((r) => r.status === 'succeeded'), {
      timeoutMs: 30_000,
      description: 'the event run',
    });

    await nc.jetstream().publish(`roster.records.${t}.batch.v1`, Buffer.from('{"half a message":'));
    await nc.drain();
    await waitFor(async () => (await api<{ items: unknown[] }>('GET', `/v1/dead-letters`)).items.length > 0, { timeoutMs: 20_000, description: 'a dead letter' });

    const base = `${platform.apiUrl}/console/`;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const shot = async (name: string, p: Page = page) => {
      // A run page keeps its event stream open, so the network never idles there: the page has settled by then.
      await p.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
      await p.screenshot({ path: join(out, `${name}.png`), fullPage: true });
      say(`  docs/console/${name}.png`);
    };
    say('screenshots:');
    await page.goto(base);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await shot('01-sign-in');
    await page.getByLabel('API key').fill(platform.apiKey);
    await page.getByLabel('Tenant ID (optional)').fill(t);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Directories' }).waitFor();
    await page.getByRole('link', { name: /Last run of Workday/ }).waitFor();
    await shot('02-directories');

    await page.getByRole('link', { name: 'HR drop (SFTP)', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'HR drop (SFTP)' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection works.').waitFor();
    await page.getByLabel('Find a user to add').fill('alan');
    await page.getByRole('list', { name: 'Users found' }).waitFor();
    await shot('03-sftp-directory');

    await page.goto(`${base}t/${t}/directories/${eventDir.id}`);
    await page.getByRole('heading', { level: 1, name: 'Payroll events' }).waitFor();
    await page.getByRole('region', { name: 'Where services publish' }).waitFor();
    await page.getByRole('link', { name: /^Run / }).first().waitFor();
    await shot('13-event-directory');

    await page.goto(`${base}t/${t}/directories/new?type=hris-api`);
    await page.getByRole('heading', { level: 1, name: 'New HR-API directory' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Second HR system');
    await page.getByLabel('Account token').fill('not-a-real-token');
    await page.getByLabel('Page size').fill('500');
    await page.getByLabel('Time (HH:MM, 24 h)').fill('25:00');
    await page.getByRole('button', { name: 'Create directory' }).click();
    await page.getByRole('heading', { name: 'The directory was not created' }).waitFor();
    await shot('04-hris-form-validation');

    await page.goto(`${base}t/${t}/runs`);
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    await page.getByRole('table').waitFor();
    await shot('05-runs');

    await page.goto(`${base}t/${t}/runs/${csvRun.id}`);
    await page.getByRole('button', { name: /Open the problem on row 4/ }).click();
    await page.getByRole('heading', { name: 'Problem on row 4' }).waitFor();
    await shot('06-run-problems');

    await page.goto(`${base}t/${t}/runs/${held.id}`);
    await page.getByRole('heading', { name: 'This run is waiting for approval' }).waitFor();
    await shot('07-run-held');

    await page.goto(`${base}operations/dead-letters`);
    await page.getByRole('table').waitFor();
    await shot('08-dead-letters');
    await page.getByRole('link', { name: /^Dead letter \d+/ }).first().click();
    await page.getByRole('heading', { name: 'Redrive' }).waitFor();
    await shot('09-dead-letter');

    await page.goto(`${base}t/${t}/users`);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByRole('table').waitFor();
    await shot('10-users');
    await page.getByLabel('Search', { exact: true }).fill('alan');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('link', { name: 'alan.turing@example.com' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alan Turing' }).waitFor();
    await shot('11-user');

    await page.goto(`${base}operations/replays`);
    await page.getByRole('heading', { level: 1, name: 'Replay (all tenants)' }).waitFor();
    await page.getByLabel('Consumer name').fill('audit');
    await page.getByLabel('Subject filter').fill(`roster.directory.${t}.user.>`);
    await page.getByRole('button', { name: 'Create replay consumer' }).click();
    await page.getByRole('status').filter({ hasText: 'Replay consumer replay-audit created' }).waitFor();
    await shot('12-replay');
    await page.close();

    if (!serve) return;
    say('');
    say(`The platform stays up. Open ${base} and sign in with the operator key ${platform.apiKey}`);
    say(`(tenant ${t}; employee ${hrisEmployee(0).work_email} is a user). Ctrl-C stops it.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } catch (e) {
    say(platform.logs().slice(-6000));
    throw e;
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
