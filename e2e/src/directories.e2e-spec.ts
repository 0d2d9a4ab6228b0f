import { freePort, usersCsv } from '@roster/testing';
import { RunView, SftpWorld, startWorld } from './support/world';

interface DirectoryView {
  id: string;
  enabled: boolean;
  recipients: string[];
  sftp: { hasPassword: boolean; hasPrivateKey: boolean; port: number };
  schedule: unknown;
}
interface TestView {
  ok: boolean;
  hostKeyFingerprint: string | null;
  code?: string;
  message?: string;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

/** Directory settings, test connection, runs and recipients through the admin API of the running services. */
describe('directories, end to end', () => {
  let world: SftpWorld;
  let tenantId: string;

  beforeAll(async () => {
    world = await startWorld('e2e_directories');
    tenantId = await world.createTenant('Acme', 'owner@acme.test');
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const settings = (o: Record<string, unknown> = {}) => ({
    host: world.sftp.host,
    port: world.sftp.port,
    username: world.sftp.username,
    password: world.sftp.password,
    folder: world.sftp.folder,
    ...o,
  });
  const path = (p: string) => `/v1/tenants/${tenantId}${p}`;
  const testUnsaved = (o: Record<string, unknown> = {}) => world.platform.api<TestView>('POST', path('/directories/test'), { sftp: settings(o) });
  const createDirectory = async (o: Record<string, unknown> = {}) => {
    // Without recipients (undefined is left out of the JSON): a directory starts with none.
    const res = await world.createSftpDirectory<DirectoryView>(tenantId, { recipients: undefined, ...o });
    expect(res.status).toBe(201);
    return res.body;
  };
  const finished = (runId: string) => world.waitForRun(tenantId, runId);
  const startRun = (directoryId: string) => world.startRun(tenantId, directoryId);

  it('R-SFTP-01 test connection answers ok with the host-key fingerprint to pin, or the precise reason', async () => {
    const ok = await testUnsaved();
    expect(ok).toEqual({ status: 200, body: { ok: true, hostKeyFingerprint: world.sftp.hostKeyFingerprint } });

    const wrong = await testUnsaved({ password: 'not-the-password' });
    expect(wrong.body).toMatchObject({ ok: false, code: 'AUTH_FAILED', hostKeyFingerprint: world.sftp.hostKeyFingerprint });

    const missing = await testUnsaved({ folder: `${world.sftp.folder}/missing`, hostKeyFingerprint: world.sftp.hostKeyFingerprint });
    expect(missing.body).toMatchObject({ ok: false, code: 'FOLDER_MISSING' });

    const closed = await freePort();
    const refused = await testUnsaved({ port: closed });
    expect(refused.body).toEqual({
      ok: false,
      hostKeyFingerprint: null,
      code: 'UNREACHABLE',
      message: `connection refused by ${world.sftp.host}:${closed}: nothing listens on that port (ECONNREFUSED)`,
    });
  });

  it('R-DIR-01 R-SFTP-01 updates settings in part, switches to a private key and syncs with it, never returning secrets', async () => {
    const d = await createDirectory();
    expect(d).toMatchObject({ enabled: true, recipients: [], schedule: { kind: 'daily' }, sftp: { hasPassword: true, hasPrivateKey: false } });

    const patched = await world.platform.api<DirectoryView>('PATCH', path(`/directories/${d.id}`), {
      sftp: { password: null, privateKey: world.sftp.privateKey },
      schedule: { kind: 'weekly', day: 'monday', time: '06:00', timeZone: 'Europe/Paris' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ sftp: { hasPassword: false, hasPrivateKey: true, port: world.sftp.port }, schedule: { kind: 'weekly' } });
    expect(JSON.stringify(patched.body)).not.toContain('PRIVATE KEY');

    expect((await world.platform.api<TestView>('POST', path(`/directories/${d.id}/test`))).body).toEqual({
      ok: true,
      hostKeyFingerprint: world.sftp.hostKeyFingerprint,
    });
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'ann@acme.test', 'First Name': 'Ann', 'Last Name': 'Archer' }]));
    const synced = await finished(await startRun(d.id));
    expect(synced).toMatchObject({ status: 'succeeded', failure: null });

    const disabled = await world.platform.api<DirectoryView>('POST', path(`/directories/${d.id}/disable`));
    expect(disabled.body.enabled).toBe(false);
    const refused = await world.platform.api<ErrorBody>('POST', path(`/directories/${d.id}/runs`), {});
    expect(refused).toMatchObject({ status: 409, body: { code: 'DIRECTORY_DISABLED' } });
    expect((await world.platform.api<DirectoryView>('POST', path(`/directories/${d.id}/enable`))).body.enabled).toBe(true);
  }, 45_000);

  it('R-NOT-02 accepts only users of the tenant as recipients, and lists the others', async () => {
    // ann@acme.test became a user in the run above; a new tenant's directory starts without recipients.
    const refused = await world.createSftpDirectory<ErrorBody>(tenantId, { recipients: ['ann@acme.test', 'ceo@elsewhere.test'] });
    expect(refused).toEqual({
      status: 400,
      body: {
        code: 'RECIPIENT_NOT_A_USER',
        message: 'recipients must be users of the tenant; not users: ceo@elsewhere.test',
        details: { unknown: ['ceo@elsewhere.test'] },
      },
    });
    const d = await createDirectory({ recipients: ['ANN@acme.test'] });
    expect(d.recipients).toEqual(['ann@acme.test']);
    const patch = await world.platform.api<ErrorBody>('PATCH', path(`/directories/${d.id}`), { recipients: ['bob@acme.test'] });
    expect(patch).toMatchObject({ status: 400, body: { code: 'RECIPIENT_NOT_A_USER', details: { unknown: ['bob@acme.test'] } } });
  });

  it('R-DIR-03 pages through every problem of a run, and filters runs by status', async () => {
    const d = await createDirectory();
    const rows = Array.from({ length: 7 }, (_, i) => ({ 'User Email': `bad-${i}`, 'First Name': 'X', 'Last Name': 'Y' }));
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'ok@acme.test', 'First Name': 'O', 'Last Name': 'K' }, ...rows]));
    const run = await finished(await startRun(d.id));
    expect(run).toMatchObject({ status: 'partially-succeeded', problemCount: 7 });

    const all = await world.platform.api<{ total: number; problems: { rowNumber: number; code: string }[] }>('GET', path(`/runs/${run.id}/problems`));
    expect(all.body.total).toBe(7);
    expect(all.body.problems.map((p) => p.rowNumber)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    const page = await world.platform.api<{ total: number; offset: number; limit: number; problems: unknown[] }>(
      'GET',
      path(`/runs/${run.id}/problems?offset=2&limit=3`),
    );
    expect(page.body).toEqual({ runId: run.id, total: 7, offset: 2, limit: 3, problems: all.body.problems.slice(2, 5) });
    expect((await world.platform.api<ErrorBody>('GET', path(`/runs/${run.id}/problems?limit=0`))).status).toBe(400);

    const partial = await world.platform.api<RunView[]>('GET', path(`/directories/${d.id}/runs?status=partially-succeeded`));
    expect(partial.body.map((r) => r.id)).toEqual([run.id]);
    expect((await world.platform.api<RunView[]>('GET', path(`/directories/${d.id}/runs?status=failed`))).body).toEqual([]);
  }, 45_000);

  it('R-DIR-01 refuses to delete a directory while its run is active, and answers 503 when file-ingest is down', async () => {
    const d = await createDirectory();
    await world.platform.kill('file-ingest');
    let restarted = false;
    try {
      const test = await world.platform.api<ErrorBody>('POST', path(`/directories/${d.id}/test`));
      expect(test.status).toBe(503);
      expect(test.body).toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
      const runId = await startRun(d.id); // queued: file-ingest picks it up when it is back
      const busy = await world.platform.api<ErrorBody>('DELETE', path(`/directories/${d.id}`));
      expect(busy).toMatchObject({ status: 409, body: { code: 'RUN_IN_PROGRESS', details: { activeRunId: runId } } });
      await world.platform.start('file-ingest');
      restarted = true;
      await finished(runId);
    } finally {
      if (!restarted) await world.platform.start('file-ingest');
    }
    expect((await world.platform.api('DELETE', path(`/directories/${d.id}`))).status).toBe(204);
    expect((await world.platform.api<ErrorBody>('GET', path(`/directories/${d.id}`))).body.code).toBe('DIRECTORY_NOT_FOUND');
  }, 60_000);

  it('R-SFTP-01 test connection says the host key changed, with the key the server now presents', async () => {
    const d = await createDirectory();
    const pinned = world.sftp.hostKeyFingerprint;
    await world.sftp.restartWithNewHostKey();
    const res = await world.platform.api<TestView>('POST', path(`/directories/${d.id}/test`));
    expect(res.body).toEqual({
      ok: false,
      hostKeyFingerprint: world.sftp.hostKeyFingerprint,
      code: 'HOST_KEY_MISMATCH',
      message: `host key of ${world.sftp.host}:${world.sftp.port} changed: server presented ${world.sftp.hostKeyFingerprint}, pinned ${pinned}`,
    });
  }, 30_000);
});
