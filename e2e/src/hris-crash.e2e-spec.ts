import { HrisEmulator, hrisEmployee, startHrisEmulator, waitFor } from '@roster/testing';
import { World, hrisEmulatorEnv, startWorld } from './support/world';

const EMPLOYEES = 50;
const PAGE = 10;

/**
 * connector-gateway SIGKILLed in the middle of an HR-API fetch while the HR system changes before the redelivery.
 * The redelivered request fetches again, and the HR system's pages no longer fall where they did: one employee
 * left, so every later one moved up a place. A run made of the first fetch's batches 0..2 and the second fetch's
 * 3..4 would miss the employee who moved from page 3 to page 2 — and, with orphans deactivated, deactivate them —
 * while keeping the one who left. Each delivery is its own fetch (its batches carry its fetch id) and the
 * reconciler applies only the fetch its completion names.
 */
describe('HR-API fetch interrupted by a crash while the source changes, end to end', () => {
  let emulator: HrisEmulator;
  let world: World;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    emulator = await startHrisEmulator({ employees: EMPLOYEES });
    // One batch per page of 10, so the kill falls between batches.
    world = await startWorld('e2e_hris_crash', { sftp: false, env: { ...hrisEmulatorEnv(emulator), ROSTER_BATCH_SIZE: String(PAGE) } });
    tenantId = await world.createTenant('Crash HR Co', 'owner@crash-hr.test');
    directoryId = await world.createHrisDirectory(tenantId, emulator, {
      pageSize: PAGE,
      policy: { orphans: 'deactivate', restore: true, activateUsers: true, safeguard: { count: 50, percent: 50 } },
    });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await emulator?.close();
  }, 60_000);

  const email = (index: number) => hrisEmployee(index).work_email as string;
  const statusOf = async () =>
    new Map(
      (await world.pg.query<{ email: string; status: string }>(`select email, status from reconciler.users where tenant_id = $1`, [tenantId])).rows.map((r) => [r.email, r.status]),
    );

  it('R-API-02 R-API-06 a run is applied from one fetch: the employee who left is deactivated, the one whose page moved is not', async () => {
    const first = await world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
    expect(first).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: EMPLOYEES }) });

    const jsm = await world.nc.jetstreamManager();
    const subject = `roster.records.${tenantId}.batch.v1`;
    const batches = async () => (await jsm.streams.info('ROSTER_RECORDS', { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    const before = await batches();

    // The fetch stops at page 3 (pages 0..2 published as batches 0..2); the gateway dies there.
    emulator.slowPage(3, 120_000);
    const runId = await world.startRun(tenantId, directoryId);
    await waitFor(async () => (await batches()) - before >= 3, { timeoutMs: 30_000, intervalMs: 20, description: 'batches 0..2 of the run published' });
    await world.platform.kill('connector-gateway');
    expect((await batches()) - before).toBe(3);

    // Meanwhile in the HR system: employee 5 (page 0) leaves; everyone after moves up a place, so employee 30,
    // the first of page 3 before, is now the last of page 2.
    emulator.clearFaults();
    emulator.remove(5);
    await world.platform.start('connector-gateway');

    const run = await world.waitForRun(tenantId, runId, 90_000);
    expect(run).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ deactivated: 1, created: 0 }) });
    const status = await statusOf();
    expect(status.get(email(5))).toBe('inactive');
    expect(status.get(email(30))).toBe('active');
    expect([...status.values()].filter((s) => s === 'active')).toHaveLength(EMPLOYEES - 1);
    // Both fetches are on the stream (3 + 5 batches); the run took the second's five and nothing is left staged.
    expect((await batches()) - before).toBe(8);
    const staged = await world.pg.query(`select 1 from reconciler.staged_batches where run_id = $1`, [runId]);
    expect(staged.rowCount).toBe(0);
  }, 180_000);

  it('R-OPS-02 R-DIR-04 a run whose request connector-gateway gives up on ends failed with the reason, and the directory takes the next run', async () => {
    // Every delivery fails (a table the gateway needs is gone: a broken migration, say) until the second and last.
    await world.platform.kill('connector-gateway');
    await world.platform.start('connector-gateway', { ROSTER_MAX_DELIVER: '2' });
    await world.pg.query('alter table connector_gateway.fetch_watermarks rename to fetch_watermarks_away');
    try {
      const runId = await world.startRun(tenantId, directoryId);
      const run = (await world.waitForRun(tenantId, runId, 60_000)) as Awaited<ReturnType<typeof world.waitForRun>> & { failure: { code: string; message: string } | null };
      expect(run.status).toBe('failed');
      expect(run.failure).toEqual({
        code: 'FETCH_FAILED',
        message: expect.stringMatching(/^connector-gateway gave up on the run after 2 deliveries: .*fetch_watermarks.* does not exist\. Nothing of it was applied; start a run again/),
      });
      const jsm = await world.nc.jetstreamManager();
      const dead = await jsm.streams.info('ROSTER_DLQ', { subjects_filter: 'roster.dlq.connector-gateway.connector-gateway-sync' });
      expect(dead.state.subjects?.['roster.dlq.connector-gateway.connector-gateway-sync']).toBe(1);
    } finally {
      await world.pg.query('alter table connector_gateway.fetch_watermarks_away rename to fetch_watermarks');
    }
    const before = await statusOf();
    const next = await world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
    expect(next.status).toBe('succeeded');
    expect(await statusOf()).toEqual(before);
  }, 120_000);
});
