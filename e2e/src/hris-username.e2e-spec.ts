import { HrisEmulator, hrisEmployee, startHrisEmulator, waitFor } from '@roster/testing';
import { World, hrisEmulatorEnv, startWorld } from './support/world';

const EMPLOYEES = 12;

/**
 * R-API-04 with a username attribute other than the work email (employee number), and terminations the HR system
 * states (employment status, termination date), through the real services and the bridge's official client.
 */
describe('HR-system API directories: username attribute and terminations, end to end', () => {
  let emulator: HrisEmulator;
  let world: World;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    emulator = await startHrisEmulator({ employees: EMPLOYEES });
    world = await startWorld('e2e_hris_username', { sftp: false, env: hrisEmulatorEnv(emulator) });
    tenantId = await world.createTenant('Username Co', 'owner@username.test');
    directoryId = await world.createHrisDirectory(tenantId, emulator, {
      name: 'Bridge HR by employee number',
      pageSize: 5,
      policy: { usernameAttribute: 'employeeNumber', orphans: 'deactivate', restore: true, activateUsers: true, safeguard: { count: 50, percent: 100 } },
    });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await emulator?.close();
  }, 60_000);

  const run = async () => world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
  const users = async () =>
    (
      await world.pg.query<{ id: string; email: string; username: string | null; status: string; external_id: string }>(
        `select id, email, username, status, external_id from reconciler.users where tenant_id = $1 order by username`,
        [tenantId],
      )
    ).rows;
  const byUsername = async (username: string) => (await users()).find((u) => u.username === username);

  it('R-API-04 with the employee number as username attribute every user gets it as username', async () => {
    const first = await run();
    expect(first).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: EMPLOYEES }) });
    const all = await users();
    expect(all).toHaveLength(EMPLOYEES);
    expect(all.map((u) => u.username)).toEqual([...Array(EMPLOYEES).keys()].map((i) => hrisEmployee(i).employee_number));
  }, 90_000);

  it('R-API-04 a person re-created in the HR system (new id, new work email, same employee number) is the same user', async () => {
    const employeeNumber = hrisEmployee(7).employee_number as string;
    const before = await byUsername(employeeNumber);
    emulator.update(7, { id: 'recreated-employee-7', work_email: 'seven.again@username.test' });
    const rerun = await run();
    expect(rerun).toMatchObject({ status: 'succeeded' });
    expect(rerun.counts).toMatchObject({ created: 0, updated: 1, deactivated: 0 });
    const after = await byUsername(employeeNumber);
    expect(after).toMatchObject({ id: before?.id, email: 'seven.again@username.test', external_id: 'recreated-employee-7', status: 'active' });
  }, 90_000);

  it('R-API-04 an employee number blanked in the HR system is a MISSING_USERNAME problem; the person is not an orphan', async () => {
    const before = await byUsername(hrisEmployee(4).employee_number as string);
    emulator.update(4, { employee_number: null });
    const blank = await run();
    expect(blank).toMatchObject({ status: 'partially-succeeded' });
    expect(blank.counts).toMatchObject({ deactivated: 0, created: 0 });
    expect(blank.problems).toEqual([expect.objectContaining({ code: 'MISSING_USERNAME' })]);
    expect((await users()).find((u) => u.id === before?.id)).toMatchObject({ status: 'active' });
    emulator.update(4, { employee_number: hrisEmployee(4).employee_number });
  }, 90_000);

  it('R-API-05 terminations the HR system states deactivate in the run that sees them; a notice period is scheduled', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const inThirtyDays = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    emulator.update(2, { employment_status: 'INACTIVE', termination_date: `${today}T00:00:00Z` });
    emulator.update(3, { employment_status: 'ACTIVE', termination_date: `${inThirtyDays}T00:00:00Z` });
    const terminations = await run();
    expect(terminations).toMatchObject({ status: 'succeeded' });
    expect(terminations.counts).toMatchObject({ deactivated: 1, created: 0 });
    expect(await byUsername(hrisEmployee(2).employee_number as string)).toMatchObject({ status: 'inactive' });
    const leaving = (
      await world.pg.query<{ status: string; deactivate_at: Date | null }>(`select status, deactivate_at from reconciler.users where tenant_id = $1 and username = $2`, [
        tenantId,
        hrisEmployee(3).employee_number,
      ])
    ).rows[0];
    expect(leaving.status).toBe('active');
    expect(leaving.deactivate_at?.toISOString().slice(0, 10)).toBe(inThirtyDays);

    // R-API-07: a terminated employee is not restored by the next run, though restore is on.
    const again = await run();
    expect(again.counts).toMatchObject({ restored: 0, deactivated: 0 });
    expect(await byUsername(hrisEmployee(2).employee_number as string)).toMatchObject({ status: 'inactive' });
  }, 120_000);

  it('R-API-07 an anonymized user is never restored: the person synced again becomes a new user', async () => {
    const employeeNumber = hrisEmployee(5).employee_number as string;
    const workEmail = hrisEmployee(5).work_email as string;
    const before = await byUsername(employeeNumber);
    const api = <T>(method: string, path: string) => world.platform.api<T>(method, `/v1/tenants/${tenantId}${path}`);
    const asked = await api<{ userId: string; status: string }>('POST', `/users/${before?.id}/anonymize`);
    expect(asked).toMatchObject({ status: 202, body: { userId: before?.id, status: 'anonymization-requested' } });
    const erased = await waitFor(async () => (await users()).find((u) => u.id === before?.id && u.status === 'anonymized'), {
      timeoutMs: 20_000,
      description: 'the reconciler anonymizes the user',
    });
    expect(erased).toMatchObject({ email: `anonymized-${before?.id}@anonymized.invalid`, username: null, external_id: null });
    const row = (await world.pg.query(`select first_name, last_name, custom_fields from reconciler.users where id = $1`, [before?.id])).rows[0];
    expect(row).toEqual({ first_name: null, last_name: null, custom_fields: {} });
    await waitFor(async () => ((await world.eventCount(tenantId, 'user.anonymized')) === 1) || undefined, { timeoutMs: 10_000, description: 'user.anonymized published' });
    // Asking again, or for somebody else's user, is a clear refusal.
    expect((await api<{ code: string }>('POST', `/users/${before?.id}/anonymize`)).body.code).toBe('USER_ALREADY_ANONYMIZED');
    expect((await api<{ code: string }>('POST', `/users/00000000-0000-4000-8000-000000000000/anonymize`)).body.code).toBe('USER_NOT_FOUND');

    // The person is still in the HR system, with the same id, email and employee number: a new user, not a restore.
    const next = await run();
    expect(next).toMatchObject({ status: 'succeeded' });
    expect(next.counts).toMatchObject({ created: 1, restored: 0 });
    const again = await byUsername(employeeNumber);
    expect(again).toMatchObject({ email: workEmail, status: 'active' });
    expect(again?.id).not.toBe(before?.id);
    expect((await users()).find((u) => u.id === before?.id)).toMatchObject({ status: 'anonymized' });
  }, 120_000);

  it('issue 9: a run followed as server-sent events, from its first state to the end', async () => {
    const runId = await world.startRun(tenantId, directoryId);
    const res = await fetch(`${world.platform.apiUrl}/v1/tenants/${tenantId}/runs/${runId}/stream`, { headers: { 'x-api-key': world.platform.apiKey } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events: { event: string; data: { status?: string } }[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = res.body!.getReader();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && events.at(-1)?.event !== 'end') {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as { status?: string } });
      }
    }
    expect(events.at(-1)?.event).toBe('end');
    const statuses = events.filter((e) => e.event === 'run').map((e) => e.data.status);
    expect(statuses.at(-1)).toBe('succeeded');
    // One event per change: no two consecutive run events carry the same view.
    const views = events.filter((e) => e.event === 'run').map((e) => JSON.stringify(e.data));
    expect(views.every((v, i) => i === 0 || v !== views[i - 1])).toBe(true);
    expect((await world.platform.api<{ status: string }>('GET', `/v1/tenants/${tenantId}/runs/${runId}`)).body.status).toBe('succeeded');
    const unknown = await fetch(`${world.platform.apiUrl}/v1/tenants/${tenantId}/runs/00000000-0000-4000-8000-000000000000/stream`, {
      headers: { 'x-api-key': world.platform.apiKey },
    });
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([404, 'RUN_NOT_FOUND']);
  }, 90_000);

  it('R-OPS-02 a finished run\'s records.complete delivered again (its ack lost) is acknowledged, not dead-lettered', async () => {
    const jsm = await world.nc.jetstreamManager();
    const last = await jsm.streams.getMessage('ROSTER_RECORDS', { last_by_subj: `roster.records.${tenantId}.complete.v1` });
    // The same CloudEvent again, as a redelivery after NATS lost the ack of a committed apply would bring it.
    await world.nc.jetstream().publish(last.subject, last.data);
    await waitFor(
      async () => {
        const info = await jsm.consumers.info('ROSTER_RECORDS', 'reconciler-records');
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq >= last.seq + 1 ? true : undefined;
      },
      { timeoutMs: 20_000, description: 'the reconciler handled the repeated completion' },
    );
    const letters = await world.platform.api<{ items: unknown[] }>('GET', `/v1/tenants/${tenantId}/dead-letters`);
    expect(letters.body.items).toEqual([]);
  }, 60_000);
});
