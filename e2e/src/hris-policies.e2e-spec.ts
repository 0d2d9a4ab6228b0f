import { HrisEmulator, hrisEmployee, startHrisEmulator, waitFor } from '@roster/testing';
import { RunView, World, hrisEmulatorEnv, startWorld } from './support/world';

const EMPLOYEES = 40;

/**
 * The API directories' reconciler policies end to end (R-API-04..07, R-SAFE-01): connector-gateway forwards the
 * directory's policy on records.complete, the reconciler matches, restores, orphans and holds by it.
 */
describe('HR-system API directory policies, end to end', () => {
  let emulator: HrisEmulator;
  let world: World;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    emulator = await startHrisEmulator({ employees: EMPLOYEES });
    world = await startWorld('e2e_hris_policies', {
      sftp: false,
      env: hrisEmulatorEnv(emulator),
    });
    tenantId = await world.createTenant('Policy Co', 'owner@policy.test');
    directoryId = await world.createHrisDirectory(tenantId, emulator, {
      pageSize: 25,
      policy: { orphans: 'deactivate', restore: true, activateUsers: true, safeguard: { count: 50, percent: 20 } },
    });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await emulator?.close();
  }, 60_000);

  const api = <T>(method: string, path: string, body?: unknown) => world.platform.api<T>(method, `/v1/tenants/${tenantId}${path}`, body);
  const run = async () => world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
  const user = async (email: string) =>
    (await world.pg.query<{ id: string; email: string; status: string }>(`select id, email, status from reconciler.users where tenant_id = $1 and email = $2`, [tenantId, email])).rows[0];
  /** connector-gateway's fetch watermark of the directory (R-API-02). */
  const watermark = async () =>
    (await world.pg.query<{ fetched_from: Date; last_full_at: Date | null }>(`select fetched_from, last_full_at from connector_gateway.fetch_watermarks where directory_id = $1`, [directoryId])).rows[0];
  const statuses = async () =>
    (await world.pg.query<{ status: string; n: string }>(`select status, count(*) as n from reconciler.users where tenant_id = $1 group by status`, [tenantId])).rows.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [r.status]: Number(r.n) }),
      {},
    );
  const waitForStatus = async (runId: string, status: string): Promise<RunView & { pendingRemovals: { deactivate: number; delete: number; users: { email: string }[] } | null }> => {
    for (let i = 0; i < 300; i++) {
      const { body } = await api<RunView & { pendingRemovals: never }>('GET', `/runs/${runId}`);
      if (body.status === status) return body;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`run ${runId} never reached ${status}\n${world.platform.logs().slice(-4000)}`);
  };

  it('R-API-05 creates every source employee active on the first run', async () => {
    const first = await run();
    expect(first).toMatchObject({ status: 'succeeded' });
    expect(first.counts).toMatchObject({ created: EMPLOYEES, deactivated: 0 });
    expect(await statuses()).toEqual({ active: EMPLOYEES });
  }, 90_000);

  it('R-API-06 an incomplete fetch orphans nobody, then a complete fetch deactivates the employees gone from the source', async () => {
    emulator.setEmployeeCount(EMPLOYEES - 2);
    emulator.failPage(1, 1_000);
    let failed: RunView;
    try {
      failed = await run();
    } finally {
      emulator.clearFaults();
    }
    expect(failed.status).toBe('failed');
    expect(failed.counts).toMatchObject({ deactivated: 0, deleted: 0 });
    expect(await statuses()).toEqual({ active: EMPLOYEES });

    const complete = await run();
    expect(complete).toMatchObject({ status: 'succeeded' });
    expect(complete.counts).toMatchObject({ deactivated: 2, created: 0 });
    expect((await user(hrisEmployee(EMPLOYEES - 1).work_email as string)).status).toBe('inactive');
    expect(await statuses()).toEqual({ active: EMPLOYEES - 2, inactive: 2 });
  }, 120_000);

  it('R-API-07 an employee back in the source is restored', async () => {
    emulator.setEmployeeCount(EMPLOYEES - 1);
    const back = await run();
    expect(back.counts).toMatchObject({ restored: 1, deactivated: 0, created: 0 });
    expect((await user(hrisEmployee(EMPLOYEES - 2).work_email as string)).status).toBe('active');
  }, 90_000);

  it('R-API-04 an email change with the same external id updates the same user', async () => {
    const before = await user(hrisEmployee(3).work_email as string);
    emulator.update(3, { work_email: 'renamed.three@policy.test' });
    const renamed = await run();
    expect(renamed.counts).toMatchObject({ created: 0, updated: 1, deactivated: 0 });
    const after = await user('renamed.three@policy.test');
    expect(after.id).toBe(before.id);
    expect(await user(hrisEmployee(3).work_email as string)).toBeUndefined();
  }, 90_000);

  it('R-SAFE-01 a mass removal over the threshold is held with who would go, and mailed; rejected, nothing changes', async () => {
    const recipient = hrisEmployee(0).work_email as string;
    expect((await api('PATCH', `/directories/${directoryId}`, { recipients: [recipient] })).status).toBe(200);
    const before = await statuses();
    const markBefore = await watermark();
    expect(markBefore).toBeDefined();
    emulator.setEmployeeCount(20); // 19 of 39 active users would go: more than 20 %
    const runId = await world.startRun(tenantId, directoryId);
    const held = await waitForStatus(runId, 'awaiting-approval');
    expect(held.pendingRemovals).toMatchObject({ deactivate: 19, delete: 0 });
    expect(held.pendingRemovals?.users.map((u) => u.email)).toContain(hrisEmployee(25).work_email);
    expect(await statuses()).toEqual(before);
    // The whole review list, paged by email: who exactly would go.
    type HeldPage = { total: number; users: { userId: string; email: string; action: string }[] };
    const page1 = await api<HeldPage>('GET', `/runs/${runId}/held-removals?limit=10`);
    const page2 = await api<HeldPage>('GET', `/runs/${runId}/held-removals?offset=10&limit=10`);
    expect(page1.status).toBe(200);
    expect([page1.body.total, page1.body.users.length, page2.body.users.length]).toEqual([19, 10, 9]);
    const listed = [...page1.body.users, ...page2.body.users];
    const expected = [...Array(19).keys()].map((i) => hrisEmployee(20 + i).work_email as string);
    // Two pages, no overlap, exactly the 19 who left (the order is the database's collation of the emails).
    expect(new Set(listed.map((u) => u.userId)).size).toBe(19);
    expect(listed.map((u) => u.email).sort()).toEqual([...expected].sort());
    expect(new Set(listed.map((u) => u.action))).toEqual(new Set(['deactivate']));
    // The recipients learn of the hold: how many would go, who, and how to decide.
    const mail = await world.smtp.waitForMail((m) => m.subject.includes('awaiting approval') && m.text.includes(runId), 15_000);
    expect(mail.to).toEqual([recipient]);
    expect(mail.subject).toContain('19 users to deactivate');
    expect(mail.text).toContain(`POST /v1/tenants/${tenantId}/runs/${runId}/approve`);
    expect(mail.text).toContain(`- ${hrisEmployee(25).work_email}`);

    expect((await api('POST', `/runs/${runId}/reject`)).status).toBe(202);
    const rejected = await world.waitForRun(tenantId, runId, 60_000);
    expect(rejected).toMatchObject({ status: 'failed', failure: { code: 'SAFEGUARD_REJECTED' } });
    expect(await statuses()).toEqual(before);
    // R-API-02: a rejected run applied nothing, so the next incremental fetch must still reach back before it.
    expect(await watermark()).toEqual(markBefore);
    expect((await api<{ code: string }>('POST', `/runs/${runId}/approve`)).body.code).toBe('RUN_NOT_AWAITING_APPROVAL');
  }, 120_000);

  it('R-SAFE-01 R-API-02 the same removal approved is applied exactly as held, and moves the fetch watermark', async () => {
    const markAtStart = await watermark();
    const runId = await world.startRun(tenantId, directoryId);
    const held = await waitForStatus(runId, 'awaiting-approval');
    expect(held.pendingRemovals).toMatchObject({ deactivate: 19 });
    expect((await api('POST', `/runs/${runId}/approve`)).status).toBe(202);
    const applied = await world.waitForRun(tenantId, runId, 60_000);
    expect(applied).toMatchObject({ status: 'succeeded' });
    expect(applied.counts).toMatchObject({ deactivated: 19 });
    await waitFor(async () => ((await watermark())?.fetched_from ?? 0) > (markAtStart?.fetched_from ?? 0) || undefined, {
      timeoutMs: 10_000,
      description: 'the applied run moves the fetch watermark',
    });
    expect(await statuses()).toEqual({ active: 20, inactive: EMPLOYEES - 20 });
  }, 120_000);

  it('R-API-02 R-API-06 an incremental run fetches only the employees modified since the last complete fetch, and orphans nobody', async () => {
    // The approved run above was a complete full fetch: the watermark. Since then one employee changed and ten
    // left the source; an incremental run sees the one, and the ten absent from it are not its orphans.
    emulator.update(5, { first_name: 'Renamed' });
    emulator.setEmployeeCount(10);
    const incremental = await world.waitForRun(
      tenantId,
      (await api<{ id: string }>('POST', `/directories/${directoryId}/runs`, { fetch: 'incremental' })).body.id,
      60_000,
    );
    expect(incremental).toMatchObject({ status: 'succeeded' });
    // Fetched: employee 5, and employee 3, whose email change (R-API-04 above) is within the 5-minute overlap the
    // watermark keeps before the last fetch's start; none of the 18 others.
    expect(incremental.counts).toMatchObject({ updated: 1, unchanged: 1, created: 0, deactivated: 0, deleted: 0 });
    expect(await statuses()).toEqual({ active: 20, inactive: EMPLOYEES - 20 });
    const renamed = await world.pg.query<{ first_name: string }>(`select first_name from reconciler.users where tenant_id = $1 and email = $2`, [
      tenantId,
      hrisEmployee(5).work_email,
    ]);
    expect(renamed.rows[0]?.first_name).toBe('Renamed');

    // A full run is the whole population again: the ten who left are its orphans (half the directory: held).
    const fullRun = await world.startRun(tenantId, directoryId);
    expect((await waitForStatus(fullRun, 'awaiting-approval')).pendingRemovals).toMatchObject({ deactivate: 10 });
  }, 120_000);
});
