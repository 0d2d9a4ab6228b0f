import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { usersCsv, waitFor } from '@roster/testing';
import { SftpWorld, startWorld } from './support/world';

const CLI = join(__dirname, '../../dist/apps/cli/src/main.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The `roster` operator CLI, built, run as a child process against the five running services: `--json` output a
 * script can parse and exit codes it can rely on (0 ok, 1 failure, 2 usage, 3 failed, 4 partial, 5 held).
 */
describe('the roster CLI', () => {
  let world: SftpWorld;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    world = await startWorld('e2e_cli');
    tenantId = await world.createTenant('Acme CLI');
    directoryId = (await world.createSftpDirectory(tenantId, { name: 'CLI drop' })).body.id;
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const roster = (args: string[], env: Record<string, string> = {}) =>
    new Promise<CliResult>((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        {
          env: { PATH: process.env.PATH, ROSTER_API_URL: world.platform.apiUrl, ROSTER_API_KEY: world.platform.apiKey, ROSTER_TENANT_ID: tenantId, ...env },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const json = <T>(r: CliResult): T => JSON.parse(r.stdout) as T;

  it('R-OPS-03 usage errors exit 2, API errors exit 1, each with a JSON error a script can read', async () => {
    expect((await roster([])).code).toBe(2);
    expect((await roster(['--help'])).code).toBe(0);
    expect((await roster(['dlq', 'nonsense'])).code).toBe(2);
    const noKey = await roster(['directories', 'list', '--json'], { ROSTER_API_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(noKey).error.message).toMatch(/ROSTER_API_KEY/);
    expect((await roster(['directories', 'list', '--tenant', 'acme'])).code).toBe(2);
    expect((await roster(['dlq', 'discard', '1'])).code).toBe(2); // --reason is required

    const badKey = await roster(['directories', 'list', '--json', '--api-key', 'not-the-key-at-all']);
    expect(badKey.code).toBe(1);
    expect(json<{ error: { code: string } }>(badKey).error.code).toBe('UNAUTHENTICATED');
    const unreachable = await roster(['directories', 'list', '--json'], { ROSTER_API_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(1);
    expect(json<{ error: { code: string } }>(unreachable).error.code).toBe('API_UNREACHABLE');

    // The console's address pasted as the API's: its pages answer 200 with HTML — a failure that says so, not a result
    // (nor, in text, a stack trace). /v1 in the URL: every route is one the API does not have.
    const consoleUrl = await roster(['directories', 'list', '--json'], { ROSTER_API_URL: `${world.platform.apiUrl}/console/` });
    expect(consoleUrl.code).toBe(1);
    expect(json<{ error: { code: string; message: string } }>(consoleUrl).error).toMatchObject({ code: 'NOT_THE_ADMIN_API', message: expect.stringContaining('not JSON: is --api-url') });
    const consoleText = await roster(['whoami'], { ROSTER_API_URL: `${world.platform.apiUrl}/console/` });
    expect(consoleText.code).toBe(1);
    expect(consoleText.stderr).toMatch(/^roster: GET \/v1\/me: 200 answered text\/html[^\n]*, not JSON: is --api-url \/ ROSTER_API_URL \([^)]*\) the admin API\?\n$/);
    const v1 = await roster(['whoami'], { ROSTER_API_URL: `${world.platform.apiUrl}/v1` });
    expect(v1.code).toBe(1);
    expect(v1.stderr).toContain('without /v1)');
  }, 60_000);

  it("R-SEC-02 whoami says the key's role and tenant, never the key, and warns when the tenant the CLI uses is not the key's", async () => {
    const operator = await roster(['whoami', '--json']);
    expect(operator.code).toBe(0);
    expect(json(operator)).toEqual({ role: 'operator', tenantId: null, key: { kind: 'bootstrap', name: 'ROSTER_API_KEY' } });
    expect((await roster(['whoami'])).stdout).toMatch(/^operator of every tenant, with the bootstrap operator key \(ROSTER_API_KEY\)/);

    const issued = await world.platform.api<{ id: string; key: string; prefix: string }>('POST', '/v1/api-keys', { name: 'CLI admin', role: 'tenant-admin', tenantId });
    expect(issued.status).toBe(201);
    const admin = await roster(['whoami', '--json'], { ROSTER_API_KEY: issued.body.key });
    expect(json(admin)).toEqual({ role: 'tenant-admin', tenantId, key: { kind: 'issued', id: issued.body.id, name: 'CLI admin', prefix: issued.body.prefix, createdAt: expect.any(String) } });
    expect(admin.stdout).not.toContain(issued.body.key);
    const elsewhere = await roster(['whoami', '--tenant', '00000000-0000-4000-8000-000000000001'], { ROSTER_API_KEY: issued.body.key });
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stdout).toContain(`tenant-admin of tenant ${tenantId}, with key "CLI admin"`);
    expect(elsewhere.stdout).toContain('note: --tenant / ROSTER_TENANT_ID is 00000000-0000-4000-8000-000000000001, not this key\'s tenant');
  }, 60_000);

  it('R-DIR-01 R-SFTP-01 directories list, show and test; a failed connection test exits 3', async () => {
    const list = await roster(['directories', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(json<{ id: string; name: string }[]>(list)).toEqual([expect.objectContaining({ id: directoryId, name: 'CLI drop' })]);
    const text = await roster(['directories', 'list']);
    expect(text.stdout).toMatch(new RegExp(`^ID\\s+NAME.*\\n${directoryId}\\s+CLI drop\\s+sftp-csv\\s+true`, 's'));

    const show = await roster(['directories', 'show', directoryId, '--json']);
    expect(json(show)).toMatchObject({ id: directoryId, type: 'sftp-csv', sftp: { hasPassword: true } });
    expect(show.stdout).not.toContain(world.sftp.password);

    const test = await roster(['directories', 'test', directoryId, '--json']);
    expect(test.code).toBe(0);
    expect(json(test)).toMatchObject({ ok: true, hostKeyFingerprint: world.sftp.hostKeyFingerprint });

    const wrongKey = `SHA256:${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`;
    const pinnedWrong = (await world.createSftpDirectory(tenantId, { name: 'Wrong key', sftp: world.sftpSettings({ hostKeyFingerprint: wrongKey }) })).body.id;
    const failed = await roster(['directories', 'test', pinnedWrong, '--json']);
    expect(failed.code).toBe(3);
    expect(json(failed)).toMatchObject({ ok: false, code: 'HOST_KEY_MISMATCH' });
    const failedRun = await roster(['sync', pinnedWrong, '--json', '--interval', '200']);
    expect(failedRun.code).toBe(3);
    expect(json(failedRun)).toMatchObject({ status: 'failed', failure: { code: 'HOST_KEY_MISMATCH' } });
    expect((await roster(['directories', 'show', '7e1a0000-0000-4000-8000-000000000009'])).code).toBe(1);
  }, 90_000);

  it('R-DIR-03 sync starts a run and follows it live to the end; runs list and show read it back', async () => {
    await world.sftp.put(
      'users.csv',
      usersCsv([
        { 'User Email': 'ann@cli.test', 'First Name': 'Ann', 'Last Name': 'Archer' },
        { 'User Email': 'bob@cli.test', 'First Name': 'Bob', 'Last Name': 'Baker' },
      ]),
    );
    const sync = await roster(['sync', directoryId, '--json', '--interval', '200', '--timeout', '50']);
    expect(sync.code).toBe(0);
    const run = json<{ id: string; status: string; counts: Record<string, number> }>(sync);
    expect(run).toMatchObject({ status: 'succeeded', counts: { created: 2 } });
    // Progress: NDJSON events on stderr, from queued to the final status.
    const progress = sync.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string; runId: string; status: string });
    expect(progress[0]).toMatchObject({ event: 'progress', runId: run.id, status: 'queued' });
    expect(progress.at(-1)).toMatchObject({ runId: run.id, status: 'succeeded' });

    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'ann@cli.test', 'First Name': 'Ann', 'Last Name': 'Archer-Smith' }]));
    const text = await roster(['sync', directoryId, '--interval', '200']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^counts: .*updated 1/m);
    expect(text.stderr).toMatch(/^run [0-9a-f-]+ queued$/m);
    expect(text.stdout).toMatch(/^run [0-9a-f-]+ succeeded$/m);

    await world.sftp.put(
      'users.csv',
      usersCsv([
        { 'User Email': 'cy@cli.test', 'First Name': 'Cy', 'Last Name': 'Cole' },
        { 'User Email': 'not-an-email', 'First Name': 'No', 'Last Name': 'Mail' },
      ]),
    );
    const partial = await roster(['sync', directoryId, '--json', '--interval', '200']);
    expect(partial.code).toBe(4);
    expect(json(partial)).toMatchObject({ status: 'partially-succeeded', problemCount: 1 });

    const list = await roster(['runs', 'list', '--directory', directoryId, '--json']);
    expect(json<{ id: string }[]>(list).map((r) => r.id)).toContain(run.id);
    const show = await roster(['runs', 'show', run.id, '--json', '--problems']);
    expect(json(show)).toMatchObject({ id: run.id, status: 'succeeded', allProblems: { total: 0 } });
    const approve = await roster(['runs', 'approve', run.id, '--json']);
    expect(approve.code).toBe(1);
    expect(json<{ error: { code: string } }>(approve).error.code).toBe('RUN_NOT_AWAITING_APPROVAL');
  }, 90_000);

  it('R-EXP-01 export requests the users file for a user of the tenant and follows it until it is mailed', async () => {
    const r = await roster(['export', '--email', 'ann@cli.test', '--json']);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ exportId: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'ann@cli.test', status: 'mailed', rowCount: expect.any(Number) });
    await world.smtp.waitForMail((m) => m.to.includes('ann@cli.test'), 30_000);
    const noFollow = await roster(['export', '--email', 'ann@cli.test', '--json', '--no-follow']);
    expect(noFollow.code).toBe(0);
    expect(json(noFollow)).toEqual({ exportId: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'ann@cli.test' });
    const outsider = await roster(['export', '--email', 'nobody@elsewhere.test', '--json']);
    expect(outsider.code).toBe(1);
    expect(json<{ error: { code: string } }>(outsider).error.code).toBe('RECIPIENT_NOT_A_USER');
  }, 60_000);

  it('R-OPS-02 dlq list, show, redrive (a second redrive is a no-op) and discard', async () => {
    const js = world.nc.jetstream();
    await js.publish(`roster.records.${tenantId}.batch.v1`, Buffer.from('not json: first'));
    await js.publish(`roster.records.${tenantId}.batch.v1`, Buffer.from('not json: second'));
    type Page = { items: { sequence: number; consumer: string; code: string; original: { sequence: number } }[]; nextAfterSequence: number | null };
    const page = await waitFor(
      async () => {
        const p = json<Page>(await roster(['dlq', 'list', '--code', 'NOT_JSON', '--json']));
        return p.items.length === 2 ? p : undefined;
      },
      { timeoutMs: 20_000, description: 'two dead letters' },
    );
    expect(page.items.map((d) => d.consumer)).toEqual(['reconciler-records', 'reconciler-records']);
    const [first, second] = page.items;
    // Operator-wide (no tenant) sees them too; the text table names them.
    const operator = await roster(['dlq', 'list', '--service', 'reconciler'], { ROSTER_TENANT_ID: '' });
    expect(operator.stdout).toMatch(new RegExp(`^${first.sequence}\\s+reconciler-records\\s+NOT_JSON\\s+1\\s+${tenantId}`, 'm'));

    const show = await roster(['dlq', 'show', String(first.sequence), '--json']);
    expect(json(show)).toMatchObject({ sequence: first.sequence, code: 'NOT_JSON', payload: { encoding: 'text', text: 'not json: first' } });

    const redrive = await roster(['dlq', 'redrive', String(first.sequence), '--json']);
    expect(redrive.code).toBe(0);
    const redriven = json<{ outcome: string; republished: { sequence: number } }>(redrive);
    expect(redriven.outcome).toBe('redriven');
    await waitFor(
      async () => json<Page>(await roster(['dlq', 'list', '--code', 'NOT_JSON', '--json'])).items.some((d) => d.original.sequence === redriven.republished.sequence),
      { timeoutMs: 20_000, description: 'the redriven batch delivered (and dead-lettered) again' },
    );
    const again = await roster(['dlq', 'redrive', String(first.sequence), '--json']);
    expect(again.code).toBe(1);
    expect(json<{ error: { code: string } }>(again).error.code).toBe('DEAD_LETTER_NOT_FOUND');
    expect((await roster(['dlq', 'redrive', '--json'])).code).toBe(2);

    const discard = await roster(['dlq', 'discard', String(second.sequence), '--reason', 'junk from a test publisher', '--json']);
    expect(discard.code).toBe(0);
    expect(json(discard)).toMatchObject({ sequence: second.sequence, discarded: true, reason: 'junk from a test publisher' });
    expect((await roster(['dlq', 'show', String(second.sequence)])).code).toBe(1);

    const all = await roster(['dlq', 'redrive', '--all', '--code', 'NOT_JSON', '--json']);
    expect(all.code).toBe(0);
    expect(json(all)).toMatchObject({ redriven: [expect.objectContaining({ outcome: 'redriven' })], failed: [], more: false });
  }, 90_000);
  it('R-OPS-01 runs rerun re-runs a past run from its retained records and follows it; replay create, list, show and delete', async () => {
    const [partial] = json<{ id: string }[]>(await roster(['runs', 'list', '--directory', directoryId, '--status', 'partially-succeeded', '--json']));
    const rerun = await roster(['runs', 'rerun', partial.id, '--json', '--interval', '200', '--timeout', '50']);
    expect(rerun.code).toBe(4); // like sync: the re-run ends partially-succeeded, as its source run did
    expect(json(rerun)).toMatchObject({ trigger: 'replay', rerunOf: partial.id, status: 'partially-succeeded', problemCount: 1, counts: { created: 0, updated: 0, unchanged: 1 } });
    const progress = rerun.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string; status: string; rerunOf?: string });
    expect(progress[0]).toMatchObject({ event: 'progress', status: 'queued', rerunOf: partial.id });
    const unknown = await roster(['runs', 'rerun', '7e1a0000-0000-4000-8000-000000000009', '--json']);
    expect(unknown.code).toBe(1);
    expect(json<{ error: { code: string } }>(unknown).error.code).toBe('RUN_NOT_FOUND');

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const create = await roster(['replay', 'create', '--stream', 'directory', '--name', 'cli', '--from', from, '--to', new Date().toISOString(), '--json']);
    expect(create.code).toBe(0);
    const created = json<{ name: string; created: boolean; filterSubject: string; endSequence: number; pending: number }>(create);
    expect(created).toMatchObject({ name: 'replay-cli', created: true, filterSubject: `roster.directory.${tenantId}.>` });
    expect(created.pending).toBeGreaterThan(0);
    const same = await roster(['replay', 'create', '--stream', 'ROSTER_DIRECTORY', '--name', 'cli', '--from', from, '--to', JSON.parse(create.stdout).endTime, '--json']);
    expect(same.code).toBe(0);
    expect(json(same)).toMatchObject({ name: 'replay-cli', created: false, endSequence: created.endSequence });
    const other = await roster(['replay', 'create', '--stream', 'directory', '--name', 'cli', '--json']);
    expect(other.code).toBe(1);
    expect(json<{ error: { code: string } }>(other).error.code).toBe('REPLAY_CONFLICT');
    expect((await roster(['replay', 'create', '--stream', 'directory'])).code).toBe(2);
    expect((await roster(['replay', 'create', '--stream', 'nowhere', '--ephemeral'])).code).toBe(2);

    const list = await roster(['replay', 'list']);
    expect(list.stdout).toMatch(new RegExp(`^ROSTER_DIRECTORY\\s+replay-cli\\s+true\\s+roster\\.directory\\.${tenantId}\\.>`, 'm'));
    expect(json<{ name: string }[]>(await roster(['replay', 'list', '--stream', 'runs', '--json']))).toEqual([]);
    expect(json(await roster(['replay', 'show', 'directory', 'replay-cli', '--json']))).toMatchObject({ name: 'replay-cli', durable: true });
    const operatorList = json<{ name: string }[]>(await roster(['replay', 'list', '--json'], { ROSTER_TENANT_ID: '' }));
    expect(operatorList.map((r) => r.name)).toContain('replay-cli');

    expect((await roster(['replay', 'delete', 'directory', 'cli'])).code).toBe(0);
    const gone = await roster(['replay', 'delete', 'directory', 'cli', '--json']);
    expect(gone.code).toBe(1);
    expect(json<{ error: { code: string } }>(gone).error.code).toBe('REPLAY_NOT_FOUND');
  }, 90_000);
});
