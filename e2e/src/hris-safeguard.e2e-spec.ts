import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { HrisEmulator, hrisEmployee, startHrisEmulator, waitFor } from '@roster/testing';
import { RunView, World, hrisEmulatorEnv, startWorld } from './support/world';

const CLI = join(__dirname, '../../dist/apps/cli/src/main.js');
const EMPLOYEES = 20;
const email = (i: number) => hrisEmployee(i).work_email as string;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

type HeldRun = RunView & { pendingRemovals: { deactivate: number; delete: number; directoryUsers: number; users: { email: string; action: string }[] } | null };
type HeldPage = { total: number; users: { userId: string; email: string; action: string }[] };

/**
 * R-SAFE-01 over everything a run removes (orphans and the terminations the HR system states), R-API-06's delete
 * through the real SQL path with R-API-07's restore, R-API-05's admin activation, and the HR-API run reports — the
 * five services against three HRIS emulators, one tenant and directory each.
 */
describe('HR-API safeguard, deletions and activation, end to end', () => {
  let terminating: HrisEmulator;
  let leaving: HrisEmulator;
  let inactive: HrisEmulator;
  let world: World;

  beforeAll(async () => {
    [terminating, leaving, inactive] = await Promise.all([
      startHrisEmulator({ employees: EMPLOYEES }),
      startHrisEmulator({ employees: EMPLOYEES }),
      startHrisEmulator({ employees: 5 }),
    ]);
    world = await startWorld('e2e_hris_safeguard', { sftp: false, env: hrisEmulatorEnv(terminating, leaving, inactive) });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await Promise.all([terminating?.close(), leaving?.close(), inactive?.close()]);
  }, 60_000);

  /** One tenant with one HR-API directory on `emulator`. */
  const tenantWith = async (name: string, emulator: HrisEmulator, policy: Record<string, unknown>) => {
    const tenantId = await world.createTenant(name, `owner@${name.toLowerCase()}.test`);
    const directoryId = await world.createHrisDirectory(tenantId, emulator, { pageSize: 5, policy });
    const api = <T>(method: string, path: string, body?: unknown) => world.platform.api<T>(method, `/v1/tenants/${tenantId}${path}`, body);
    const startRun = async (fetch?: 'incremental') => {
      const res = await api<{ id: string }>('POST', `/directories/${directoryId}/runs`, fetch ? { fetch } : {});
      expect(res.status).toBe(202);
      return res.body.id;
    };
    const run = async (fetch?: 'incremental') => world.waitForRun(tenantId, await startRun(fetch), 60_000);
    const users = async () =>
      (await world.pg.query<{ id: string; email: string; status: string }>(`select id, email, status from reconciler.users where tenant_id = $1 order by email`, [tenantId])).rows;
    const user = async (i: number) => (await users()).find((u) => u.email === email(i));
    const emailsWith = async (status: string) => (await users()).filter((u) => u.status === status).map((u) => u.email).sort();
    const statuses = async () => (await users()).reduce<Record<string, number>>((acc, u) => ({ ...acc, [u.status]: (acc[u.status] ?? 0) + 1 }), {});
    const held = async (runId: string) =>
      waitFor(async () => {
        const { body } = await api<HeldRun>('GET', `/runs/${runId}`);
        if (['succeeded', 'partially-succeeded', 'failed'].includes(body.status)) throw new Error(`run ${runId} ended ${body.status}, it was not held`);
        return body.status === 'awaiting-approval' ? body : undefined;
      }, { timeoutMs: 60_000, intervalMs: 200, description: `run ${runId} held` });
    const heldList = async (runId: string) => (await api<HeldPage>('GET', `/runs/${runId}/held-removals?limit=100`)).body;
    return { tenantId, directoryId, api, startRun, run, users, user, emailsWith, statuses, held, heldList };
  };

  describe('R-SAFE-01 terminations the HR system states', () => {
    let t: Awaited<ReturnType<typeof tenantWith>>;
    const recipient = email(0);

    beforeAll(async () => {
      t = await tenantWith('Terminations', terminating, { orphans: 'ignore', activateUsers: true, restore: false, safeguard: { count: 50, percent: 20 } });
      expect(await t.run()).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: EMPLOYEES }) });
      // R-NOT-02: recipients are users of the tenant.
      expect((await t.api('PATCH', `/directories/${t.directoryId}`, { recipients: [recipient] })).status).toBe(200);
    }, 120_000);

    it('R-SAFE-01 R-NOT-01 a termination under the threshold deactivates at once, and the run report reaches the recipients', async () => {
      terminating.update(18, { employment_status: 'INACTIVE' });
      const applied = await t.run();
      expect(applied).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ deactivated: 1 }) });
      expect(await t.emailsWith('inactive')).toEqual([email(18)]);
      const mail = await world.smtp.waitForMail((m) => m.text.includes(applied.id), 15_000);
      expect(mail.to).toEqual([recipient]);
      expect(mail.subject).toBe('Roster: Bridge HR sync succeeded');
      expect(mail.text).toContain('Deactivated: 1');
    }, 90_000);

    it('R-NOT-01 R-API-02 a fetch that stops part-way fails INCOMPLETE_FETCH, changes nothing and is mailed', async () => {
      const before = await t.users();
      terminating.failPage(1, 1_000);
      let failed: RunView;
      try {
        failed = await t.run();
      } finally {
        terminating.clearFaults();
      }
      expect(failed).toMatchObject({ status: 'failed', failure: { code: 'INCOMPLETE_FETCH' } });
      expect(await t.users()).toEqual(before);
      const mail = await world.smtp.waitForMail((m) => m.text.includes(failed.id), 15_000);
      expect(mail.to).toEqual([recipient]);
      expect(mail.subject).toBe('Roster: Bridge HR sync failed');
      expect(mail.text).toContain('[INCOMPLETE_FETCH]');
      expect(mail.text).toContain('Nothing was changed.');
    }, 90_000);

    it('R-SAFE-01 30 % of the directory marked INACTIVE is held with exactly those users, mailed; rejected, nobody is deactivated', async () => {
      const leavers = range(10, 16); // 6 of the 19 active users
      for (const i of leavers) terminating.update(i, { employment_status: 'INACTIVE' });
      const before = await t.users();
      const updatedBefore = await world.eventCount(t.tenantId, 'user.updated');
      const runId = await t.startRun();
      const hold = await t.held(runId);
      expect(hold.pendingRemovals).toMatchObject({ deactivate: 6, delete: 0, directoryUsers: 19 });
      // The whole review list: the six, not employee 18 (already inactive), nobody else.
      const list = await t.heldList(runId);
      expect(list.total).toBe(6);
      expect(list.users.map((u) => u.email).sort()).toEqual(leavers.map(email).sort());
      expect(new Set(list.users.map((u) => u.action))).toEqual(new Set(['deactivate']));
      const mail = await world.smtp.waitForMail((m) => m.subject.includes('awaiting approval') && m.text.includes(runId), 15_000);
      expect(mail.to).toEqual([recipient]);
      expect(mail.subject).toContain('6 users to deactivate');
      expect(mail.text).toContain(`- ${email(10)}`);
      // Held: nothing of the run was written, nothing announced.
      expect(await t.users()).toEqual(before);

      expect((await t.api('POST', `/runs/${runId}/reject`)).status).toBe(202);
      expect(await world.waitForRun(t.tenantId, runId, 60_000)).toMatchObject({ status: 'failed', failure: { code: 'SAFEGUARD_REJECTED' } });
      expect(await t.users()).toEqual(before);
      expect(await world.eventCount(t.tenantId, 'user.updated')).toBe(updatedBefore);
      // Decided, the run keeps the list it was reviewed on.
      expect(await t.heldList(runId)).toEqual(list);
    }, 120_000);

    it('R-SAFE-01 R-API-02 R-API-05 an incremental run is held too; approved after the source and the directory changed, it deactivates exactly the held users', async () => {
      const runId = await t.startRun('incremental');
      const hold = await t.held(runId);
      expect(hold.pendingRemovals).toMatchObject({ deactivate: 6, delete: 0 });
      expect((await t.heldList(runId)).users.map((u) => u.email).sort()).toEqual(range(10, 16).map(email).sort());

      // While it waits: the HR system terminates two more people, and an admin activates employee 18 again, whose
      // record in the held run still says INACTIVE (it was inactive when the run was held: not a removal then).
      terminating.update(16, { employment_status: 'INACTIVE' });
      terminating.update(17, { employment_status: 'INACTIVE' });
      const eighteen = await t.user(18);
      expect((await t.api('POST', `/users/${eighteen?.id}/activate`)).status).toBe(202);
      await waitFor(async () => (await t.user(18))?.status === 'active' || undefined, { timeoutMs: 15_000, description: 'employee 18 activated' });

      expect((await t.api('POST', `/runs/${runId}/approve`)).status).toBe(202);
      const applied = await world.waitForRun(t.tenantId, runId, 60_000);
      expect(applied).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ deactivated: 6 }) });
      // Exactly the held six: not 16 and 17 (not in the run), not 18 (not in the held list).
      expect(await t.emailsWith('inactive')).toEqual(range(10, 16).map(email).sort());
      // The list stays with the run: what was approved, and so removed.
      const decided = await t.heldList(runId);
      expect(decided.total).toBe(6);
      expect(decided.users.map((u) => `${u.email} ${u.action}`).sort()).toEqual(range(10, 16).map((i) => `${email(i)} deactivate`).sort());

      // Nothing is lost: the next run holds the three terminations it has not applied yet, for review.
      const next = await t.startRun();
      expect((await t.held(next)).pendingRemovals).toMatchObject({ deactivate: 3, directoryUsers: 14 });
      expect((await t.heldList(next)).users.map((u) => u.email).sort()).toEqual([16, 17, 18].map(email).sort());
      expect((await t.api('POST', `/runs/${next}/reject`)).status).toBe(202);
      await world.waitForRun(t.tenantId, next, 60_000);
    }, 150_000);
  });

  describe('R-API-06 delete, through the real SQL path', () => {
    let t: Awaited<ReturnType<typeof tenantWith>>;

    beforeAll(async () => {
      t = await tenantWith('Orphans', leaving, { orphans: 'delete', activateUsers: true, restore: true, safeguard: { count: 50, percent: 20 } });
      expect(await t.run()).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: EMPLOYEES }) });
    }, 120_000);

    it('R-API-06 an orphan under the threshold is deleted and user.deleted is published', async () => {
      leaving.setEmployeeCount(EMPLOYEES - 1);
      const applied = await t.run();
      expect(applied).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ deleted: 1, deactivated: 0 }) });
      expect(await t.emailsWith('deleted')).toEqual([email(EMPLOYEES - 1)]);
      await waitFor(async () => (await world.eventCount(t.tenantId, 'user.deleted')) === 1 || undefined, { timeoutMs: 10_000, description: 'user.deleted published' });
    }, 90_000);

    it('R-SAFE-01 R-API-06 orphans over the threshold are held as deletions, next to a termination; approved, exactly those go', async () => {
      leaving.setEmployeeCount(12); // 7 of the 19 active users leave the source
      leaving.update(0, { employment_status: 'INACTIVE' }); // and one is terminated
      const runId = await t.startRun();
      const hold = await t.held(runId);
      expect(hold.pendingRemovals).toMatchObject({ deactivate: 1, delete: 7, directoryUsers: 19 });
      const list = await t.heldList(runId);
      expect(list.users.filter((u) => u.action === 'delete').map((u) => u.email).sort()).toEqual(range(12, 19).map(email).sort());
      expect(list.users.filter((u) => u.action === 'deactivate').map((u) => u.email)).toEqual([email(0)]);
      expect(await t.emailsWith('deleted')).toEqual([email(EMPLOYEES - 1)]);

      expect((await t.api('POST', `/runs/${runId}/approve`)).status).toBe(202);
      const applied = await world.waitForRun(t.tenantId, runId, 60_000);
      expect(applied).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ deleted: 7, deactivated: 1 }) });
      expect(await t.emailsWith('deleted')).toEqual(range(12, 20).map(email).sort());
      expect(await t.emailsWith('inactive')).toEqual([email(0)]);
      await waitFor(async () => (await world.eventCount(t.tenantId, 'user.deleted')) === 8 || undefined, { timeoutMs: 10_000, description: '7 more user.deleted' });
    }, 120_000);

    it('R-API-07 deleted users who reappear in the source are restored; the terminated one stays inactive', async () => {
      leaving.setEmployeeCount(EMPLOYEES);
      const applied = await t.run();
      expect(applied).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ restored: 8, deleted: 0, created: 0 }) });
      expect(await t.statuses()).toEqual({ active: EMPLOYEES - 1, inactive: 1 });
      expect(await t.emailsWith('inactive')).toEqual([email(0)]);
    }, 90_000);
  });

  describe('R-API-05 activation off', () => {
    let t: Awaited<ReturnType<typeof tenantWith>>;

    beforeAll(async () => {
      t = await tenantWith('Inactive', inactive, { orphans: 'ignore', activateUsers: false, restore: true });
    }, 60_000);

    const roster = (args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          [CLI, ...args],
          { env: { PATH: process.env.PATH, ROSTER_API_URL: world.platform.apiUrl, ROSTER_API_KEY: world.platform.apiKey, ROSTER_TENANT_ID: t.tenantId }, timeout: 60_000 },
          (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
        );
      });

    it('R-API-05 users are created inactive; an admin activates them (API and CLI) with user.updated, and the next run keeps them active', async () => {
      expect(await t.run()).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: 5 }) });
      expect(await t.statuses()).toEqual({ inactive: 5 });
      const [first, second] = [await t.user(0), await t.user(1)];

      const asked = await t.api<{ userId: string; status: string }>('POST', `/users/${first?.id}/activate`);
      expect(asked).toMatchObject({ status: 202, body: { userId: first?.id, status: 'activation-requested' } });
      await waitFor(async () => (await t.user(0))?.status === 'active' || undefined, { timeoutMs: 15_000, description: 'the reconciler activates the user' });
      await waitFor(async () => (await world.eventCount(t.tenantId, 'user.updated')) === 1 || undefined, { timeoutMs: 10_000, description: 'user.updated published' });
      const jsm = await world.nc.jetstreamManager();
      const message = await jsm.streams.getMessage('ROSTER_DIRECTORY', { last_by_subj: `roster.directory.${t.tenantId}.user.updated.v1` });
      const announced = JSON.parse(new TextDecoder().decode(message.data)) as { data: { runId: null; user: { userId: string; status: string }; changes: unknown } };
      expect(announced.data).toMatchObject({ runId: null, user: { userId: first?.id, status: 'active' }, changes: { status: { from: 'inactive', to: 'active' } } });

      const cli = await roster(['users', 'activate', second?.id as string, '--json']);
      expect(cli.code).toBe(0);
      expect(JSON.parse(cli.stdout)).toEqual({ userId: second?.id, status: 'activation-requested' });
      await waitFor(async () => (await t.user(1))?.status === 'active' || undefined, { timeoutMs: 15_000, description: 'the CLI activation applied' });

      // Only an inactive user of the tenant can be activated.
      expect((await t.api<{ code: string }>('POST', `/users/${first?.id}/activate`)).body.code).toBe('USER_NOT_INACTIVE');
      expect((await t.api<{ code: string }>('POST', `/users/00000000-0000-4000-8000-000000000000/activate`)).body.code).toBe('USER_NOT_FOUND');
      const again = await roster(['users', 'activate', second?.id as string, '--json']);
      expect(again.code).toBe(1);
      expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'USER_NOT_INACTIVE' } });

      // The next run, with a change to one of them, keeps the admin's activation and creates nobody active.
      inactive.update(0, { first_name: 'Renamed' });
      inactive.setEmployeeCount(6);
      const next = await t.run();
      expect(next).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: 1, updated: 1, deactivated: 0 }) });
      expect(await t.emailsWith('active')).toEqual([email(0), email(1)].sort());
      expect(await t.statuses()).toEqual({ active: 2, inactive: 4 });
    }, 120_000);
  });
});
