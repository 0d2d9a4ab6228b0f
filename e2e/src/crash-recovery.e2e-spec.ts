import { usersCsv, waitFor } from '@roster/testing';
import { SftpWorld, startWorld } from './support/world';

/**
 * A source killed with SIGKILL in the middle of publishing a run: the redelivered request re-reads the file and
 * re-publishes under the same message ids, the stream stores each batch once, and the run ends with every
 * record applied once (issue 3: "one service killed in the middle of a run, restarted, nothing lost or doubled").
 */
describe('crash recovery of file-ingest, end to end', () => {
  let world: SftpWorld;

  beforeAll(async () => {
    world = await startWorld('e2e_crash', { env: { ROSTER_BATCH_SIZE: '200' } });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  it('loses and doubles nothing when file-ingest is SIGKILLed while publishing a run', async () => {
    const tenantId = await world.createTenant('Crash Co');
    const directory = await world.createSftpDirectory<{ id: string }>(tenantId);
    const rows = Array.from({ length: 6000 }, (_, i) => ({ 'User Email': `crash${i}@acme.test`, 'First Name': `C${i}`, 'Last Name': 'Rash' }));
    await world.sftp.put('users.csv', usersCsv(rows));
    const jsm = await world.nc.jetstreamManager();
    const batchSubject = `roster.records.${tenantId}.batch.v1`;
    const batches = async () => (await jsm.streams.info('ROSTER_RECORDS', { subjects_filter: batchSubject })).state.subjects?.[batchSubject] ?? 0;

    const runId = await world.startRun(tenantId, directory.body.id);
    // Kill it once some, but not all, of the 30 batches are on the stream.
    await waitFor(async () => (await batches()) >= 3, { timeoutMs: 20_000, intervalMs: 5, description: 'first batches published' });
    await world.platform.kill('file-ingest');
    const publishedBeforeCrash = await batches();
    await world.platform.start('file-ingest');

    const run = await world.waitForRun(tenantId, runId, 60_000);
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({ created: 6000, skipped: 0, failed: 0 });
    expect(publishedBeforeCrash).toBeLessThanOrEqual(30);
    expect(await batches()).toBe(30); // re-published batches were deduplicated by message id
    const { rows: count } = await world.pg.query(`select count(*)::int as n from reconciler.users where tenant_id = $1`, [tenantId]);
    expect(count[0].n).toBe(6000);
    await waitFor(async () => (await world.eventCount(tenantId, 'user.created')) === 6000, {
      timeoutMs: 20_000,
      description: '6000 user.created events',
    });
    expect(world.sftp.list('archive').filter((f) => f.endsWith('users.csv'))).toHaveLength(1);
  }, 120_000);

  it('R-OPS-02 R-DIR-04 a run whose request file-ingest gives up on ends failed with the reason, and the directory takes the next run', async () => {
    const tenantId = await world.createTenant('Broken Co');
    const directory = await world.createSftpDirectory<{ id: string }>(tenantId);
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'kept@acme.test', 'First Name': 'Kept', 'Last Name': 'File' }]));
    // Every delivery fails (a table file-ingest needs is gone: a broken migration, say) until the second and last.
    await world.platform.kill('file-ingest');
    await world.platform.start('file-ingest', { ROSTER_MAX_DELIVER: '2' });
    await world.pg.query('alter table file_ingest.run_file_plans rename to run_file_plans_away');
    try {
      const runId = await world.startRun(tenantId, directory.body.id);
      const run = (await world.waitForRun(tenantId, runId, 60_000)) as Awaited<ReturnType<typeof world.waitForRun>> & { failure: { code: string; message: string } | null };
      expect(run.status).toBe('failed');
      expect(run.failure).toEqual({
        code: 'FETCH_FAILED',
        message: expect.stringMatching(/^file-ingest gave up on the run after 2 deliveries: .*run_file_plans.* does not exist\. Nothing of it was applied; its files stay in the folder/),
      });
      expect(run.failure?.message).toContain(`roster sync ${directory.body.id}`);
      const jsm = await world.nc.jetstreamManager();
      const dead = await jsm.streams.info('ROSTER_DLQ', { subjects_filter: 'roster.dlq.file-ingest.file-ingest-sync' });
      expect(dead.state.subjects?.['roster.dlq.file-ingest.file-ingest-sync']).toBe(1);
    } finally {
      await world.pg.query('alter table file_ingest.run_file_plans_away rename to run_file_plans');
    }
    // The directory is free and its file is still there: the next run applies it.
    expect(world.sftp.list()).toContain('users.csv');
    const next = await world.waitForRun(tenantId, await world.startRun(tenantId, directory.body.id), 60_000);
    expect(next.status).toBe('succeeded');
    expect(next.counts).toMatchObject({ created: 1 });
  }, 120_000);

  it('R-OPS-01 R-OPS-02 a run whose apply the reconciler gives up on ends failed, and runs rerun applies its records once the cause is fixed', async () => {
    const tenantId = await world.createTenant('Apply Co');
    const directory = await world.createSftpDirectory<{ id: string }>(tenantId);
    const rows = Array.from({ length: 300 }, (_, i) => ({ 'User Email': `apply${i}@acme.test`, 'First Name': `A${i}`, 'Last Name': 'Pply' }));
    await world.sftp.put('users.csv', usersCsv(rows));
    // Every apply fails (a table the reconciler reads is gone) until the second and last delivery of the completion.
    await world.platform.kill('reconciler');
    await world.platform.start('reconciler', { ROSTER_MAX_DELIVER: '2' });
    await world.pg.query('alter table reconciler.custom_field_definitions rename to custom_field_definitions_away');
    let failed: Awaited<ReturnType<typeof world.waitForRun>> & { id?: string; failure: { code: string; message: string } | null };
    const runId = await world.startRun(tenantId, directory.body.id);
    try {
      failed = (await world.waitForRun(tenantId, runId, 60_000)) as typeof failed;
    } finally {
      await world.pg.query('alter table reconciler.custom_field_definitions_away rename to custom_field_definitions');
    }
    expect(failed.status).toBe('failed');
    expect(failed.failure).toEqual({
      code: 'APPLY_FAILED',
      message: expect.stringMatching(/^the reconciler gave up on the run after 2 deliveries: .*custom_field_definitions.* does not exist\. Nothing of it was applied; re-run it/),
    });
    expect(failed.failure?.message).toContain(`roster runs rerun ${runId}`);
    const stored = async () => (await world.pg.query<{ n: number }>('select count(*)::int as n from reconciler.users where tenant_id = $1', [tenantId])).rows[0]?.n;
    expect(await stored()).toBe(0);

    // The file was read (it is in archive/): only its retained records can bring it back — a re-run.
    const rerun = await world.platform.api<{ id: string; rerunOf: string }>('POST', `/v1/tenants/${tenantId}/runs/${runId}/rerun`);
    expect(rerun.status).toBe(202);
    expect(rerun.body.rerunOf).toBe(runId);
    const again = await world.waitForRun(tenantId, rerun.body.id, 60_000);
    expect(again.status).toBe('succeeded');
    expect(again.counts).toMatchObject({ created: 300 });
    expect(await stored()).toBe(300);
  }, 120_000);
});
