import { HrisEmulator, hrisEmployee, startHrisEmulator, waitFor } from '@roster/testing';
import { RunView, World, hrisEmulatorEnv, startWorld } from './support/world';

const EMPLOYEES = 40;
/** connector-gateway's ROSTER_HRIS_FULL_FETCH_DAYS in this world: a scheduled (`auto`) run is full when the last full fetch is older. */
const FULL_FETCH_DAYS = 2;
const DAY_MS = 86_400_000;
/** How far before the last fetch's start an incremental fetch reaches (WATERMARK_OVERLAP_MS in connector-gateway). */
const WATERMARK_OVERLAP_MS = 5 * 60_000;

/**
 * The API directories' reconciler policies end to end (R-API-04..07, R-SAFE-01): connector-gateway forwards the
 * directory's policy on records.complete, the reconciler matches, restores, orphans and holds by it.
 */
describe('HR-system API directory policies, end to end', () => {
  let emulator: HrisEmulator;
  /** The scheduled-fetch directory's own source (R-API-02 below), so the policy stories above do not move it. */
  let fetchEmulator: HrisEmulator;
  let world: World;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    [emulator, fetchEmulator] = await Promise.all([startHrisEmulator({ employees: EMPLOYEES }), startHrisEmulator({ employees: 20 })]);
    world = await startWorld('e2e_hris_policies', {
      sftp: false,
      env: { ...hrisEmulatorEnv(emulator, fetchEmulator), ROSTER_HRIS_FULL_FETCH_DAYS: String(FULL_FETCH_DAYS) },
    });
    tenantId = await world.createTenant('Policy Co', 'owner@policy.test');
    directoryId = await world.createHrisDirectory(tenantId, emulator, {
      pageSize: 25,
      policy: { orphans: 'deactivate', restore: true, activateUsers: true, safeguard: { count: 50, percent: 20 } },
    });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await Promise.all([emulator?.close(), fetchEmulator?.close()]);
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

  it('R-API-06 R-SAFE-02 an employee whose record is refused (an invalid work email) is still in the source: not an orphan, nothing of them changes', async () => {
    const email = hrisEmployee(5).work_email as string;
    const before = await user(email);
    expect(before?.status).toBe('active');
    emulator.update(5, { work_email: 'not-an-email' });
    const refused = await run();
    expect(refused.status).toBe('partially-succeeded');
    expect(refused.counts).toMatchObject({ deactivated: 0, deleted: 0, created: 0 });
    const { body: problems } = await api<{ problems: { code: string; externalId?: string }[] }>('GET', `/runs/${refused.id}/problems`);
    expect(problems.problems).toEqual([expect.objectContaining({ code: 'INVALID_EMAIL', externalId: hrisEmployee(5).id })]);
    expect(await user(email)).toEqual(before);

    emulator.update(5, { work_email: email });
    expect((await run()).counts).toMatchObject({ deactivated: 0, created: 0, restored: 0 });
  }, 120_000);

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

  /**
   * R-API-02's scheduled full fetch, on a directory of its own: the watermark's `last_full_at` moves only with an
   * applied complete full fetch, and a scheduled run (`auto`) is incremental until that is older than
   * ROSTER_HRIS_FULL_FETCH_DAYS, then full. Were `last_full_at` moved by every fetch, no scheduled run would ever be
   * full again; these tests are what notices.
   */
  describe('scheduled fetches and the fetch watermark', () => {
    const PEOPLE = 20;
    const PAGE = 5;
    let fetchTenant: string;
    let fetchDirectory: string;

    beforeAll(async () => {
      fetchTenant = await world.createTenant('Fetch Co', 'owner@fetch.test');
      fetchDirectory = await world.createHrisDirectory(fetchTenant, fetchEmulator, {
        pageSize: PAGE,
        policy: { orphans: 'deactivate', restore: true, activateUsers: true },
      });
    }, 60_000);

    type Mark = { fetched_from: Date; last_full_at: Date | null };
    const mark = async (): Promise<Mark | undefined> =>
      (await world.pg.query<Mark>(`select fetched_from, last_full_at from connector_gateway.fetch_watermarks where directory_id = $1`, [fetchDirectory])).rows[0];
    /** connector-gateway has handled the run's run.finished: its fetch plan row is gone (and the watermark moved, if it does). */
    const settled = (runId: string) =>
      waitFor(
        async () => (await world.pg.query(`select 1 from connector_gateway.fetch_runs where run_id = $1`, [runId])).rowCount === 0 || undefined,
        { timeoutMs: 15_000, description: `connector-gateway to settle run ${runId}'s watermark` },
      );
    /** Runs the directory and waits until it is finished and its watermark settled; the run and the emulator's employee list requests of it. */
    const fetchRun = async (start: () => Promise<string>) => {
      const from = fetchEmulator.requests.length;
      const runId = await start();
      const finished = await world.waitForRun(fetchTenant, runId, 60_000);
      await settled(runId);
      return { run: finished, pages: fetchEmulator.requests.slice(from).filter((r) => r.path.endsWith('/employees')) };
    };
    const manual = (fetch?: 'incremental') => async () => {
      const res = await world.platform.api<{ id: string }>('POST', `/v1/tenants/${fetchTenant}/directories/${fetchDirectory}/runs`, fetch ? { fetch } : {});
      expect(res.status).toBe(202);
      return res.body.id;
    };
    /** Makes the directory due and ticks the scheduler (POST /v1/scheduler/tick): the scheduled run's id. */
    const scheduled = async () => {
      await world.pg.query(`update directory_config.directories set next_run_at = now() - interval '1 second' where id = $1`, [fetchDirectory]);
      const tick = await world.platform.api<{ started: { directoryId: string; runId: string }[] }>('POST', '/v1/scheduler/tick', {});
      expect(tick.status).toBe(200);
      const started = tick.body.started.filter((s) => s.directoryId === fetchDirectory);
      expect(started).toHaveLength(1);
      const runId = started[0]?.runId ?? '';
      expect((await world.platform.api<{ trigger: string }>('GET', `/v1/tenants/${fetchTenant}/runs/${runId}`)).body.trigger).toBe('schedule');
      return runId;
    };
    /** Moves the last full fetch `days` further into the past. */
    const ageLastFull = (days: number) =>
      world.pg.query(`update connector_gateway.fetch_watermarks set last_full_at = last_full_at - make_interval(days => $2) where directory_id = $1`, [fetchDirectory, days]);
    const full = (pages: { query: Record<string, string> }[]) => {
      expect(pages).toHaveLength(PEOPLE / PAGE);
      expect(pages.filter((p) => 'modified_after' in p.query)).toEqual([]);
    };
    /** Every page asked for the records modified since the last fetch's start, less the overlap. */
    const incremental = (pages: { query: Record<string, string> }[], since: Mark | undefined) => {
      expect(pages.length).toBeGreaterThan(0);
      expect(pages.map((p) => Date.parse(p.query.modified_after ?? ''))).toEqual(pages.map(() => (since?.fetched_from.getTime() ?? NaN) - WATERMARK_OVERLAP_MS));
    };

    it('R-API-02 last_full_at moves only with an applied complete full fetch: not with an incremental or an incomplete one', async () => {
      const first = await fetchRun(manual());
      expect(first.run).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: PEOPLE }) });
      full(first.pages);
      const afterFull = await mark();
      expect(afterFull?.last_full_at).toEqual(afterFull?.fetched_from);

      fetchEmulator.update(7, { first_name: 'Seven' });
      const inc = await fetchRun(manual('incremental'));
      expect(inc.run).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ updated: 1, created: 0, deactivated: 0 }) });
      incremental(inc.pages, afterFull);
      const afterIncremental = await mark();
      expect(afterIncremental?.fetched_from.getTime()).toBeGreaterThan(afterFull?.fetched_from.getTime() ?? Infinity);
      expect(afterIncremental?.last_full_at).toEqual(afterFull?.last_full_at);

      // A full fetch that stops at page 2 is incomplete: nothing applied, nothing moved.
      fetchEmulator.failPage(1, 1_000);
      try {
        const stopped = await fetchRun(manual());
        expect(stopped.run).toMatchObject({ status: 'failed', failure: expect.objectContaining({ code: 'INCOMPLETE_FETCH' }) });
      } finally {
        fetchEmulator.clearFaults();
      }
      expect(await mark()).toEqual(afterIncremental);

      const again = await fetchRun(manual());
      expect(again.run).toMatchObject({ status: 'succeeded' });
      full(again.pages);
      const afterSecondFull = await mark();
      expect(afterSecondFull?.last_full_at?.getTime()).toBeGreaterThan(afterIncremental?.fetched_from.getTime() ?? Infinity);
      expect(afterSecondFull?.last_full_at).toEqual(afterSecondFull?.fetched_from);
    }, 180_000);

    it('R-API-02 a scheduled run after a recent full fetch is incremental: only the employees modified since the last fetch', async () => {
      const before = await mark();
      fetchEmulator.update(9, { first_name: 'Nine' });
      const { run, pages } = await fetchRun(scheduled);
      expect(run).toMatchObject({ status: 'succeeded' });
      incremental(pages, before);
      // Employee 9, and employee 7, changed within the overlap before the last full fetch's start; none of the 18 others.
      expect(run.counts).toMatchObject({ updated: 1, unchanged: 1, created: 0, deactivated: 0, deleted: 0 });
      const after = await mark();
      expect(after?.fetched_from.getTime()).toBeGreaterThan(before?.fetched_from.getTime() ?? Infinity);
      expect(after?.last_full_at).toEqual(before?.last_full_at);
    }, 120_000);

    it(`R-API-02 a scheduled run is full once the last full fetch is older than ROSTER_HRIS_FULL_FETCH_DAYS (${FULL_FETCH_DAYS}), and moves last_full_at`, async () => {
      // A day old: younger than the setting, still incremental.
      await ageLastFull(FULL_FETCH_DAYS - 1);
      const young = await mark();
      const stillIncremental = await fetchRun(scheduled);
      expect(stillIncremental.run).toMatchObject({ status: 'succeeded' });
      incremental(stillIncremental.pages, young);
      expect((await mark())?.last_full_at).toEqual(young?.last_full_at);

      // Older than the setting: the scheduled run fetches everyone, and the full fetch moves last_full_at to its start.
      await ageLastFull(FULL_FETCH_DAYS);
      const old = await mark();
      expect(Date.now() - (old?.last_full_at?.getTime() ?? Date.now())).toBeGreaterThan(FULL_FETCH_DAYS * DAY_MS);
      const { run, pages } = await fetchRun(scheduled);
      expect(run).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: 0, deactivated: 0 }) });
      full(pages);
      const after = await mark();
      expect(after?.last_full_at).toEqual(after?.fetched_from);
      expect(after?.fetched_from.getTime()).toBeGreaterThan(old?.fetched_from.getTime() ?? Infinity);
    }, 180_000);
  });
});
