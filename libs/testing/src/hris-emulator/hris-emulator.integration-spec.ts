import { MergeClient, MergeError } from '@mergeapi/merge-node-client';
import { startHrisEmulator, type HrisEmulator } from './hris-emulator';

/** The provider's official client, unchanged, against the emulator on loopback. */
describe('HRIS bridge emulator (official client)', () => {
  let emulator: HrisEmulator;
  const client = (e: HrisEmulator, over: { apiKey?: string; accountToken?: string } = {}) =>
    new MergeClient({ apiKey: over.apiKey ?? e.apiKey, accountToken: over.accountToken ?? e.accountToken, baseUrl: e.baseUrl, maxRetries: 0 });

  beforeEach(async () => {
    emulator = await startHrisEmulator({ employees: 250 });
  });
  afterEach(() => emulator.close());

  it('R-API-02 for await follows the cursors to the end (page size 100: 3 pages)', async () => {
    const page = await client(emulator).hris.employees.list({ pageSize: 100, expand: ['manager', 'groups', 'company', 'employments', 'team'] });
    const seen: string[] = [];
    for await (const employee of page) seen.push(employee.workEmail ?? '');
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(emulator.requests.filter((r) => r.path.endsWith('/employees')).map((r) => r.page)).toEqual([0, 1, 2]);
  });

  it('R-API-02 expands manager, groups with their type, company and employments', async () => {
    const page = await client(emulator).hris.employees.list({ pageSize: 20, expand: ['manager', 'groups', 'company', 'employments', 'team'] });
    const e = page.data[11];
    expect(e.remoteId).toBe('E12');
    expect(typeof e.manager === 'object' && e.manager.workEmail).toBe(page.data[1].workEmail);
    const types = (e.groups ?? []).map((g) => (typeof g === 'object' ? g.type : undefined));
    expect(types).toEqual(expect.arrayContaining(['TEAM', 'DEPARTMENT', 'COST_CENTER', 'BUSINESS_UNIT']));
    expect(typeof e.company === 'object' && e.company.legalName).toBeTruthy();
    expect(typeof e.employments?.[0] === 'object' && e.employments[0].jobTitle).toBeTruthy();
    expect(e.startDate).toBeInstanceOf(Date);
  });

  it('R-API-02 a page size over 100 is refused (400), 100 and 1 are accepted', async () => {
    await expect(client(emulator).hris.employees.list({ pageSize: 101 })).rejects.toMatchObject({ statusCode: 400 });
    expect((await client(emulator).hris.employees.list({ pageSize: 100 })).data).toHaveLength(100);
    expect((await client(emulator).hris.employees.list({ pageSize: 1 })).data).toHaveLength(1);
    expect((await client(emulator).hris.employees.list({})).data).toHaveLength(30);
  });

  it('R-API-01 a bad API key is 401 and a bad account token 403, with the provider error body', async () => {
    const badKey = await client(emulator, { apiKey: 'nope' }).hris.accountDetails.retrieve().catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(MergeError);
    expect(badKey).toMatchObject({ statusCode: 401, body: { detail: 'Invalid token.' } });
    await expect(client(emulator, { accountToken: 'nope' }).hris.accountDetails.retrieve()).rejects.toMatchObject({ statusCode: 403 });
    expect((await client(emulator).hris.accountDetails.retrieve()).category).toBe('hris');
  });

  it('R-API-02 modified_after lists only employees changed since', async () => {
    emulator.update(7, { last_name: 'Changed' }, new Date('2026-03-01T00:00:00Z'));
    emulator.update(200, { last_name: 'Changed' }, new Date('2026-03-02T00:00:00Z'));
    const page = await client(emulator).hris.employees.list({ pageSize: 100, modifiedAfter: new Date('2026-02-01T00:00:00Z') });
    const seen: string[] = [];
    for await (const e of page) seen.push(e.remoteId ?? '');
    expect(seen).toEqual(['E8', 'E201']);
  });

  it('R-API-02 faults: a failing page, a broken cursor, a rate limit with Retry-After', async () => {
    emulator.failPage(1, 1);
    const first = await client(emulator).hris.employees.list({ pageSize: 100 });
    await expect(first.getNextPage()).rejects.toMatchObject({ statusCode: 500 });
    await first.getNextPage();
    expect(first.data[0].remoteId).toBe('E101');

    emulator.clearFaults();
    emulator.breakCursorAfter(0);
    const broken = await client(emulator).hris.employees.list({ pageSize: 100 });
    await expect(broken.getNextPage()).rejects.toMatchObject({ statusCode: 404 });

    emulator.clearFaults();
    emulator.throttleNext(1, 3);
    const limited = await client(emulator).hris.groups.list({}).catch((e: unknown) => e as MergeError);
    expect(limited).toMatchObject({ statusCode: 429 });
    expect((limited as MergeError).rawResponse?.headers.get('retry-after')).toBe('3');
  });

  it('serves groups of every type, companies and 100k employees lazily', async () => {
    const groups = await client(emulator).hris.groups.list({});
    expect(new Set(groups.data.map((g) => g.type))).toEqual(new Set(['TEAM', 'DEPARTMENT', 'COST_CENTER', 'BUSINESS_UNIT', 'GROUP']));
    expect((await client(emulator).hris.companies.list({})).data).toHaveLength(2);
    emulator.setEmployeeCount(100_000);
    const page = await client(emulator).hris.employees.list({ pageSize: 100, cursor: undefined });
    expect(page.data[0].remoteId).toBe('E1');
  });
});
