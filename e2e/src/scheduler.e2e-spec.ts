import { usersCsv } from '@roster/testing';
import { RunView, SftpWorld, startWorld } from './support/world';

interface DirectoryView {
  id: string;
  nextRunAt: string | null;
}

interface TickView {
  now: string;
  started: { tenantId: string; directoryId: string; runId: string; dueAt: string; nextRunAt: string | null }[];
  skipped: { directoryId: string }[];
  failed: { directoryId: string }[];
}

/**
 * R-DIR-04 through the running services: a directory whose schedule is due gets a run with trigger `schedule`
 * when the scheduler ticks, and the run syncs the file. The harness runs directory-config without the scheduler
 * loop (ROSTER_SCHEDULER_INTERVAL_MS=0), so the operator endpoint is the only tick and nothing races it.
 */
describe('scheduled runs, end to end (R-DIR-04)', () => {
  let world: SftpWorld;
  let tenantId: string;

  beforeAll(async () => {
    world = await startWorld('e2e_scheduler');
    tenantId = await world.createTenant('Acme', 'owner@acme.test');
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const tick = () => world.platform.api<TickView>('POST', '/v1/scheduler/tick', {});

  it('R-DIR-04 a directory whose schedule is due gets a scheduled run on the next tick, and the run succeeds', async () => {
    const created = await world.createSftpDirectory<DirectoryView>(tenantId);
    expect(created.status).toBe(201);
    const directoryId = created.body.id;
    // The default schedule is daily at 02:00 UTC: the next one, not due yet.
    expect(new Date(created.body.nextRunAt ?? 0).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(created.body.nextRunAt ?? 0).toISOString()).toMatch(/T02:00:00\.000Z$/);
    expect((await tick()).body.started.filter((s) => s.directoryId === directoryId)).toEqual([]);

    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'ann@acme.test', 'First Name': 'Ann', 'Last Name': 'Archer', 'Job Title': 'Engineer' }]));
    // Every 6 hours, and the directory never ran: due now.
    const patched = await world.platform.api<DirectoryView>('PATCH', `/v1/tenants/${tenantId}/directories/${directoryId}`, { schedule: { kind: 'every', hours: 6 } });
    expect(patched.status).toBe(200);
    expect(new Date(patched.body.nextRunAt ?? 0).getTime()).toBeLessThanOrEqual(Date.now());

    // A tick runs at the server's time: a caller cannot move the clock.
    const withClock = await world.platform.api<{ code: string }>('POST', '/v1/scheduler/tick', { now: '2099-01-01T00:00:00Z' });
    expect(withClock).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });

    const first = await tick();
    expect(first.status).toBe(200);
    const started = first.body.started.filter((s) => s.directoryId === directoryId);
    expect(started).toEqual([expect.objectContaining({ tenantId, dueAt: patched.body.nextRunAt })]);
    expect(started[0]?.nextRunAt).toBe(new Date(new Date(patched.body.nextRunAt ?? 0).getTime() + 6 * 3_600_000).toISOString());

    const run = await world.waitForRun(tenantId, started[0]?.runId ?? '');
    expect(run).toMatchObject({ status: 'succeeded', fileName: 'users.csv', counts: expect.objectContaining({ created: 1 }) });
    expect((await world.platform.api<RunView & { trigger: string }>('GET', `/v1/tenants/${tenantId}/runs/${run.id}`)).body.trigger).toBe('schedule');

    // The due time was used up: the next tick starts nothing, and the directory shows its next run.
    expect((await tick()).body.started.filter((s) => s.directoryId === directoryId)).toEqual([]);
    expect((await world.platform.api<DirectoryView>('GET', `/v1/tenants/${tenantId}/directories/${directoryId}`)).body.nextRunAt).toBe(started[0]?.nextRunAt);
    const metrics = await (await fetch(`http://127.0.0.1:${world.platform.services['directory-config'].port}/metrics`)).text();
    expect(metrics).toMatch(/roster_scheduled_runs_total\{[^}]*outcome="started"[^}]*\} 1\b/);
  }, 90_000);
});
