import { HRIS_GROUPS, HrisEmulator, hrisEmployee, startHrisEmulator } from '@roster/testing';
import { RunView, World, hrisEmulatorEnv, startWorld } from './support/world';

const EMPLOYEES = 250;
/** The account token, as a canary: it must never come back out of the platform (R-SEC-01). */
const CANARY = `canary-${Math.random().toString(36).slice(2)}-account-token`;

const FIELD_MAPPINGS = [
  { source: 'jobTitle', target: 'jobTitle' },
  { source: 'departmentGroupName', target: 'department' },
  { source: 'employeeNumber', target: 'employeeId' },
  { source: 'startDate', target: 'startDate' },
  { source: 'birthday', target: 'Birthday' },
];

/**
 * hris-api directories end to end: the admin API creates and tests the directory, connector-gateway fetches
 * through the bridge's official client from the HRIS emulator, and the reconciler applies the records.
 */
describe('HR-system API directories, end to end', () => {
  let emulator: HrisEmulator;
  let world: World;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    emulator = await startHrisEmulator({ employees: EMPLOYEES, accountToken: CANARY });
    world = await startWorld('e2e_hris', {
      sftp: false,
      env: hrisEmulatorEnv(emulator),
    });
    tenantId = await world.createTenant('Bridge Co', 'owner@bridge.test');
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await emulator?.close();
  }, 60_000);

  const api = <T>(method: string, path: string, body?: unknown) => world.platform.api<T>(method, `/v1/tenants/${tenantId}${path}`, body);
  const hrisSettings = (overrides: Record<string, unknown> = {}) => ({
    provider: 'merge',
    baseUrl: emulator.baseUrl,
    accountToken: CANARY,
    pageSize: 100,
    fieldMappings: FIELD_MAPPINGS,
    ...overrides,
  });
  const employeePages = () => emulator.requests.filter((r) => r.path.endsWith('/hris/v1/employees') && r.status === 200).map((r) => r.page);
  const users = async () =>
    (
      await world.pg.query<Record<string, string | null>>(
        `select u.email, u.first_name, u.last_name, u.job_title, u.department, u.employee_id, u.start_date,
                u.custom_fields->>'Birthday' as birthday, u.updated_at::text, m.email as manager
           from reconciler.users u left join reconciler.users m on m.id = u.manager_id
          where u.tenant_id = $1 order by u.email`,
        [tenantId],
      )
    ).rows;

  it('R-API-01 R-API-02 R-API-03 creates an hris-api directory (token write-only, policy defaults) and refuses bad settings at config time', async () => {
    const created = await api<Record<string, unknown>>('POST', '/directories', { name: 'Bridge HR', type: 'hris-api', hris: hrisSettings() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'hris-api',
      enabled: true,
      hris: { provider: 'merge', baseUrl: emulator.baseUrl, pageSize: 100, fieldMappings: FIELD_MAPPINGS, hasAccountToken: true },
      policy: { usernameAttribute: 'workEmail', activateUsers: true, orphans: 'ignore', safeguard: { count: 50, percent: 20 } },
    });
    directoryId = String(created.body.id);

    const tooBig = await api<{ code: string; message: string }>('POST', '/directories', { name: 'Big pages', type: 'hris-api', hris: hrisSettings({ pageSize: 101 }) });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body).toMatchObject({ code: 'VALIDATION_FAILED', message: "hris.pageSize: page size must be 1..100 (the bridge's maximum is 100)" });
    const patchTooBig = await api<{ code: string; message: string }>('PATCH', `/directories/${directoryId}`, { hris: { pageSize: 101 } });
    expect(patchTooBig.status).toBe(400);
    expect(patchTooBig.body.message).toContain('page size must be 1..100');

    // The SSRF guard at config time: cloud metadata is never a base URL, whatever the loopback switch says.
    const metadata = await api<{ code: string; message: string }>('POST', '/directories', {
      name: 'Metadata',
      type: 'hris-api',
      hris: hrisSettings({ baseUrl: 'https://169.254.169.254/api' }),
    });
    expect(metadata.status).toBe(400);
    expect(metadata.body.message).toMatch(/^hris\.baseUrl: .*link-local/);

    // Settings of the other type are refused, not ignored.
    const sftpOnHris = await api<{ code: string }>('PATCH', `/directories/${directoryId}`, { sftp: { port: 2222 } });
    expect(sftpOnHris.status).toBe(400);

    const listed = await api<{ id: string; type: string }[]>('GET', '/directories');
    expect(listed.body.map((d) => [d.id, d.type])).toEqual([[directoryId, 'hris-api']]);
  });

  it('R-API-01 tests the connection: ok through the bridge, and the precise reason for a wrong account token', async () => {
    const saved = await api<{ ok: boolean; code?: string }>('POST', `/directories/${directoryId}/test`);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ ok: true });
    expect(saved.body.code).toBeUndefined();

    const unsaved = await api<{ ok: boolean }>('POST', '/directories/test', { type: 'hris-api', hris: { baseUrl: emulator.baseUrl, accountToken: CANARY } });
    expect(unsaved.body).toMatchObject({ ok: true });

    const wrongToken = await api<{ ok: boolean; code?: string; message?: string }>('POST', '/directories/test', {
      type: 'hris-api',
      hris: { baseUrl: emulator.baseUrl, accountToken: 'not-the-token' },
    });
    expect(wrongToken.status).toBe(200);
    expect(wrongToken.body).toMatchObject({ ok: false, code: 'BAD_ACCOUNT_TOKEN' });
    expect(wrongToken.body.message).toBeTruthy();

    // A saved directory whose token was replaced by a wrong one says the same; the right one makes it ok again.
    expect((await api('PATCH', `/directories/${directoryId}`, { hris: { accountToken: 'not-the-token' } })).status).toBe(200);
    expect((await api<{ ok: boolean; code?: string }>('POST', `/directories/${directoryId}/test`)).body).toMatchObject({ ok: false, code: 'BAD_ACCOUNT_TOKEN' });
    expect((await api('PATCH', `/directories/${directoryId}`, { hris: { accountToken: CANARY } })).status).toBe(200);
    expect((await api<{ ok: boolean }>('POST', `/directories/${directoryId}/test`)).body).toMatchObject({ ok: true });
  }, 60_000);

  it('R-API-02 R-API-03 syncs 250 employees in 3 pages of 100: users with mapped fields and managers, events on JetStream', async () => {
    emulator.requests.length = 0;
    const run = await world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
    expect(run).toMatchObject({ status: 'succeeded', problemCount: 0, failure: null });
    expect(run.counts).toMatchObject({ created: EMPLOYEES, updated: 0, failed: 0, skipped: 0 });
    expect(employeePages()).toEqual([0, 1, 2]);

    const rows = await users();
    expect(rows).toHaveLength(EMPLOYEES);
    const byEmail = new Map(rows.map((r) => [r.email, r]));
    for (const i of [0, 1, 11, 99, 100, 249]) {
      const e = hrisEmployee(i);
      const department = HRIS_GROUPS.find((g) => e.groups.includes(g.id) && g.type === 'DEPARTMENT')?.name;
      expect(byEmail.get(e.work_email)).toMatchObject({
        first_name: e.first_name,
        last_name: e.last_name,
        job_title: e.employments[0].job_title,
        department,
        employee_id: e.employee_number,
        start_date: e.start_date?.slice(0, 10),
        birthday: e.date_of_birth?.slice(0, 10),
        manager: i === 0 ? null : hrisEmployee(Math.floor((i - 1) / 10)).work_email,
      });
    }
    expect(await world.eventCount(tenantId, 'user.created')).toBe(EMPLOYEES);
  }, 90_000);

  it('R-API-02 fails a run whose page keeps failing as an incomplete fetch, and changes nothing', async () => {
    const before = await users();
    const eventsBefore = [await world.eventCount(tenantId, 'user.created'), await world.eventCount(tenantId, 'user.updated')];
    // A change a complete fetch would apply, on the first page (which the failing fetch does read).
    emulator.update(5, { first_name: 'Renamed' });
    emulator.failPage(1, 1_000);
    let run: RunView;
    try {
      run = await world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
    } finally {
      emulator.clearFaults();
    }
    expect(run.status).toBe('failed');
    expect(run.failure?.code).toBe('INCOMPLETE_FETCH');
    expect(run.failure?.message).toMatch(/stopped after 1 page\(s\).*nothing of this run was applied/);
    expect(run.counts).toMatchObject({ created: 0, updated: 0, deactivated: 0, deleted: 0 });
    expect(await users()).toEqual(before);
    expect([await world.eventCount(tenantId, 'user.created'), await world.eventCount(tenantId, 'user.updated')]).toEqual(eventsBefore);

    // Without the fault the same change is applied: the failed run held it back, nothing else did.
    const next = await world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
    expect(next).toMatchObject({ status: 'succeeded' });
    expect(next.counts).toMatchObject({ created: 0, updated: 1 });
    expect((await users()).find((u) => u.email === hrisEmployee(5).work_email)?.first_name).toBe('Renamed');
  }, 120_000);

  it('R-API-01 R-SEC-01 the bridge key never reaches a host off the allow-list: a tenant admin cannot save or test one, and a directory stored before the allow-list is refused at connect', async () => {
    // A bridge-compatible server a tenant admin controls, on loopback like the emulator but on a port that is not
    // allowed: it records every request and the key it carried.
    const elsewhere = await startHrisEmulator({ accountToken: CANARY });
    try {
      const issued = await world.platform.api<{ key: string }>('POST', '/v1/api-keys', { name: 'tenant admin', role: 'tenant-admin', tenantId });
      expect(issued.status).toBe(201);
      const asTenantAdmin = (method: string, path: string, body?: unknown) => world.platform.apiAs(issued.body.key, method, `/v1/tenants/${tenantId}${path}`, body);
      const notAllowed = (host: string) => `${host} is not an allowed host (allowed: 127.0.0.1:${emulator.port})`;
      const fieldError = (host: string) => ({
        status: 400,
        body: { code: 'VALIDATION_FAILED', message: `hris.baseUrl: ${notAllowed(host)}`, details: [{ path: 'hris.baseUrl', message: notAllowed(host) }] },
      });
      const there = `127.0.0.1:${elsewhere.port}`;

      // At save and at test: the unsaved test (the one-POST exfiltration), a new directory, a changed one.
      expect(await asTenantAdmin('POST', '/directories/test', { type: 'hris-api', hris: { baseUrl: elsewhere.baseUrl, accountToken: CANARY } })).toMatchObject(fieldError(there));
      expect(await asTenantAdmin('POST', '/directories', { name: 'Exfiltrate', type: 'hris-api', hris: hrisSettings({ baseUrl: elsewhere.baseUrl }) })).toMatchObject(fieldError(there));
      expect(await asTenantAdmin('PATCH', `/directories/${directoryId}`, { hris: { baseUrl: elsewhere.baseUrl } })).toMatchObject(fieldError(there));
      // A public host that is not the bridge's: refused by name, before any DNS lookup.
      expect(await asTenantAdmin('POST', '/directories/test', { type: 'hris-api', hris: { baseUrl: 'https://hr.example.com/api', accountToken: CANARY } })).toMatchObject(
        fieldError('hr.example.com'),
      );
      expect((await api<{ hris: { baseUrl: string } }>('GET', `/directories/${directoryId}`)).body.hris.baseUrl).toBe(emulator.baseUrl);

      // At connect: a directory saved before the allow-list existed (its row changed underneath the API).
      const setBaseUrl = (url: string) =>
        world.pg.query(`update directory_config.directories set settings = jsonb_set(settings::jsonb, '{baseUrl}', to_jsonb($2::text))::json where id = $1`, [directoryId, url]);
      await setBaseUrl(elsewhere.baseUrl);
      try {
        const tested = await api<{ ok: boolean; code?: string; message?: string }>('POST', `/directories/${directoryId}/test`);
        expect(tested.body).toEqual({ ok: false, code: 'BAD_BASE_URL', message: `base URL refused: ${notAllowed(there)}` });
        const run = await world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
        expect(run).toMatchObject({ status: 'failed', failure: { code: 'BAD_BASE_URL', message: `base URL refused: ${notAllowed(there)}` } });
      } finally {
        await setBaseUrl(emulator.baseUrl);
      }

      expect(elsewhere.requests).toEqual([]);
      // The shared key reaches the allowed emulator as before.
      emulator.requests.length = 0;
      expect((await api<{ ok: boolean }>('POST', `/directories/${directoryId}/test`)).body).toMatchObject({ ok: true });
      expect(emulator.requests.map((r) => r.bearer)).toContain(emulator.apiKey);
    } finally {
      await elsewhere.close();
    }
  }, 120_000);

  it('R-SEC-01 keeps the account token out of API responses, the database, the streams and the logs', async () => {
    const read = await api<Record<string, unknown>>('GET', `/directories/${directoryId}`);
    const list = await api<unknown>('GET', '/directories');
    const openapi = await world.platform.api<unknown>('GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    for (const body of [read.body, list.body, openapi.body]) expect(JSON.stringify(body)).not.toContain(CANARY);
    expect(read.body.hris).toMatchObject({ hasAccountToken: true });
    expect(JSON.stringify(read.body)).not.toMatch(/"accountToken"/);

    // Every row of every table of every service's schema.
    const { rows: tables } = await world.pg.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_schema in ('directory_config', 'file_ingest', 'reconciler', 'notifier', 'connector_gateway') and table_type = 'BASE TABLE'`,
    );
    expect(tables.length).toBeGreaterThan(5);
    for (const t of tables) {
      const dump = await world.pg.query(`select coalesce(string_agg(row_to_json(x)::text, '\n'), '') as all_rows from "${t.schema}"."${t.name}" x`);
      expect(`${t.schema}.${t.name}: ${dump.rows[0].all_rows}`).not.toContain(CANARY);
    }
    // Every message on every stream.
    const jsm = await world.nc.jetstreamManager();
    let messages = 0;
    for await (const stream of jsm.streams.list()) {
      const { first_seq, last_seq } = stream.state;
      for (let seq = first_seq; seq > 0 && seq <= last_seq; seq++) {
        const m = await jsm.streams.getMessage(stream.config.name, { seq }).catch(() => undefined);
        if (m) {
          messages++;
          expect(Buffer.from(m.data).toString('utf8')).not.toContain(CANARY);
        }
      }
    }
    expect(messages).toBeGreaterThan(EMPLOYEES);
    expect(world.platform.logs()).not.toContain(CANARY);
  }, 120_000);
});
