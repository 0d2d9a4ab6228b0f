import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HRIS_BRIDGE_DEFAULT_HOSTS } from '@roster/security';
import { LOOPBACK, hrisEmulatorHosts, startHrisEmulator, type HrisEmulator } from '@roster/testing';
import type { ConnectorPage, ConnectorSettings } from '../connector';
import { ConnectorException, ConnectorExceptionCode } from '../connector.exception';
import { MergeConnector } from './merge.connector';

/** The bridge connector through the official client against the emulator: real HTTP on loopback. */
describe('MergeConnector against the HRIS emulator', () => {
  let emulator: HrisEmulator;
  const retry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 5000 };
  /** http on loopback, and only the given emulators' host:port allowed (as hrisEmulatorEnv configures the services). */
  const policy = (...allowed: { port: number }[]) => ({ allowLoopback: true, allowedHosts: hrisEmulatorHosts(...allowed) });
  const connector = (e: HrisEmulator, apiKey = e.apiKey) => new MergeConnector({ apiKey, urlPolicy: policy(e), retry });
  const settings = (e: HrisEmulator, over: Partial<ConnectorSettings> = {}): ConnectorSettings => ({
    baseUrl: e.baseUrl,
    accountToken: e.accountToken,
    pageSize: 100,
    fieldMappings: [],
    ...over,
  });
  const drain = async (pages: AsyncGenerator<ConnectorPage>) => {
    const out: ConnectorPage[] = [];
    for await (const p of pages) out.push(p);
    return out;
  };

  beforeEach(async () => {
    emulator = await startHrisEmulator({ employees: 250 });
  });
  afterEach(() => emulator.close());

  it.each([
    [1, 250],
    [100, 3],
  ])('R-API-02 page size %i follows the cursors to the end (%i pages)', async (pageSize, pages) => {
    if (pageSize === 1) emulator.setEmployeeCount(250);
    const got = await drain(connector(emulator).fetchEmployees(settings(emulator, { pageSize })));
    expect(got).toHaveLength(pages);
    expect(got.reduce((n, p) => n + p.employees.length, 0)).toBe(250);
  });

  it('R-API-02 a failed page is retried with backoff and the fetch still reaches the end', async () => {
    emulator.failPage(1, 2);
    const got = await drain(connector(emulator).fetchEmployees(settings(emulator)));
    expect(got.map((p) => p.employees.length)).toEqual([100, 100, 50]);
    expect(emulator.requests.filter((r) => r.page === 1).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('R-API-02 a page that keeps failing stops the fetch with the reason (incomplete)', async () => {
    emulator.failPage(2, Infinity);
    const pages: ConnectorPage[] = [];
    const error = await (async () => {
      for await (const p of connector(emulator).fetchEmployees(settings(emulator))) pages.push(p);
    })().catch((e: unknown) => e);
    expect(pages).toHaveLength(2);
    expect(error).toBeInstanceOf(ConnectorException);
    expect(error).toMatchObject({ code: ConnectorExceptionCode.UNREACHABLE });
    expect(emulator.requests.filter((r) => r.page === 2)).toHaveLength(3);
  });

  it('R-API-02 a 429 storm is waited out, honouring Retry-After', async () => {
    emulator.throttleNext(2, 1);
    const started = Date.now();
    const got = await drain(connector(emulator).fetchEmployees(settings(emulator)));
    expect(got).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(emulator.requests.filter((r) => r.status === 429)).toHaveLength(2);
  });

  it('R-API-02 a broken cursor is not retried: the fetch stops (incomplete)', async () => {
    emulator.breakCursorAfter(0);
    await expect(drain(connector(emulator).fetchEmployees(settings(emulator)))).rejects.toMatchObject({ code: ConnectorExceptionCode.PAGE_FAILED });
  });

  it('R-API-01 test connection: ok, bad key, bad token, unreachable, rate-limited, refused base URL', async () => {
    expect(await connector(emulator).testConnection(settings(emulator))).toMatchObject({ ok: true, integration: 'Emulated HRIS' });
    expect(await connector(emulator, 'wrong-key').testConnection(settings(emulator))).toMatchObject({ ok: false, code: 'BAD_API_KEY' });
    expect(await connector(emulator).testConnection(settings(emulator, { accountToken: 'wrong' }))).toMatchObject({ ok: false, code: 'BAD_ACCOUNT_TOKEN' });
    emulator.throttleNext(1, 30);
    expect(await connector(emulator).testConnection(settings(emulator))).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    const closed = await startHrisEmulator();
    await closed.close();
    const unreachable = await new MergeConnector({ apiKey: emulator.apiKey, urlPolicy: policy(closed), retry }).testConnection(settings(emulator, { baseUrl: closed.baseUrl }));
    expect(unreachable).toMatchObject({ ok: false, code: 'UNREACHABLE' });
    const strict = new MergeConnector({ apiKey: emulator.apiKey, urlPolicy: { ...policy(emulator), allowLoopback: false }, retry });
    expect(await strict.testConnection(settings(emulator))).toMatchObject({ ok: false, code: 'BAD_BASE_URL' });
    expect(await strict.testConnection(settings(emulator, { baseUrl: 'https://169.254.169.254/api' }))).toMatchObject({ ok: false, code: 'BAD_BASE_URL' });
  });

  describe('R-API-01 the installation-wide bridge key goes only to allowed hosts (issue 8, SSRF)', () => {
    /** A bridge-compatible server a tenant admin controls: it records every request and the key it carried. */
    let elsewhere: HrisEmulator;
    beforeEach(async () => {
      elsewhere = await startHrisEmulator();
    });
    afterEach(() => elsewhere.close());

    it('a base URL off the allow-list is refused before any request: the test, a fetch, a public host', async () => {
      const test = await connector(emulator).testConnection(settings(emulator, { baseUrl: elsewhere.baseUrl }));
      expect(test).toMatchObject({ ok: false, code: 'BAD_BASE_URL', message: `base URL refused: ${LOOPBACK}:${elsewhere.port} is not an allowed host (allowed: ${LOOPBACK}:${emulator.port})` });
      await expect(drain(connector(emulator).fetchEmployees(settings(emulator, { baseUrl: elsewhere.baseUrl })))).rejects.toMatchObject({ code: ConnectorExceptionCode.BAD_BASE_URL });
      expect(elsewhere.requests).toEqual([]);

      // The default allow-list: an unlisted public host is refused by name, with no DNS lookup and no connection.
      const production = new MergeConnector({ apiKey: emulator.apiKey, urlPolicy: { allowLoopback: false, allowedHosts: HRIS_BRIDGE_DEFAULT_HOSTS }, retry });
      expect(await production.testConnection(settings(emulator, { baseUrl: 'https://hr.example.com/api' }))).toMatchObject({
        ok: false,
        code: 'BAD_BASE_URL',
        message: 'base URL refused: hr.example.com is not an allowed host (allowed: api.merge.dev, api-eu.merge.dev, api-ap.merge.dev)',
      });
    });

    it('positive control: once listed, the same server receives the bridge key — what the allow-list keeps from it', async () => {
      const listing = new MergeConnector({ apiKey: emulator.apiKey, urlPolicy: policy(emulator, elsewhere), retry });
      await listing.testConnection(settings(emulator, { baseUrl: elsewhere.baseUrl }));
      expect(elsewhere.requests.map((r) => r.bearer)).toContain(emulator.apiKey);
    });

    it('a redirect from an allowed host to another is not followed', async () => {
      const redirector = createServer((req, res) => {
        res.writeHead(307, { Location: `${elsewhere.baseUrl}${(req.url ?? '/').replace(/^\/api/, '')}` });
        res.end();
      });
      await new Promise<void>((resolve) => redirector.listen(0, LOOPBACK, resolve));
      const port = (redirector.address() as AddressInfo).port;
      try {
        const test = await new MergeConnector({ apiKey: emulator.apiKey, urlPolicy: policy({ port }), retry }).testConnection(
          settings(emulator, { baseUrl: `http://${LOOPBACK}:${port}/api` }),
        );
        expect(test).toMatchObject({ ok: false, code: 'PAGE_FAILED', message: `the bridge answered a redirect (307 to ${LOOPBACK}:${elsewhere.port}); redirects are not followed` });
        expect(elsewhere.requests).toEqual([]);
      } finally {
        redirector.closeAllConnections();
        await new Promise((resolve) => redirector.close(resolve));
      }
    });
  });

  it('R-API-03 maps hard-wired and switched-on fields, with managers by email', async () => {
    const [first] = await drain(
      connector(emulator).fetchEmployees(
        settings(emulator, {
          pageSize: 20,
          fieldMappings: [
            { source: 'jobTitle', target: 'jobTitle' },
            { source: 'departmentGroupName', target: 'department' },
            { source: 'teamGroupName', target: 'teams' },
            { source: 'costCenterGroupName', target: 'Cost Center' },
          ],
        }),
      ),
    ).then((p) => p.slice(0, 1));
    const e = first.employees[11];
    expect(e).toMatchObject({
      email: 'hedy.lovelace.12@example.com',
      firstName: 'Hedy',
      lastName: 'Lovelace',
      managerEmail: first.employees[1].email,
      jobTitle: expect.any(String),
      department: expect.any(String),
      teams: [expect.any(String)],
      customFields: { 'Cost Center': expect.stringMatching(/^CC-/) },
    });
    expect(e.groups?.map((g) => g.type).sort()).toEqual(['BUSINESS_UNIT', 'COST_CENTER', 'DEPARTMENT', 'TEAM']);
  });
});
