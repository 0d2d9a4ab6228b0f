import { usersCsv, waitFor } from '@roster/testing';
import { RunView, SftpWorld, startWorld } from './support/world';

/** The admin API's contract and the secret's journey, against the running services. */
describe('admin API and secrets, end to end', () => {
  let world: SftpWorld;
  const CANARY = `canary-${Math.random().toString(36).slice(2)}-password`;

  beforeAll(async () => {
    // Debug logs: the secret must stay out of the most verbose logs too.
    world = await startWorld('e2e_admin', { logLevel: 'debug' });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const runToFail = async (t: string, directoryId: string, description: string) => {
    const run = await world.platform.api<RunView>('POST', `/v1/tenants/${t}/directories/${directoryId}/runs`, {});
    return waitFor(
      async () => {
        const r = (await world.platform.api<RunView>('GET', `/v1/tenants/${t}/runs/${run.body.id}`)).body;
        return r.status === 'failed' ? r : undefined;
      },
      { timeoutMs: 30_000, description },
    );
  };

  it('R-SEC-02 refuses requests without the API key', async () => {
    const res = await fetch(`${world.platform.apiUrl}/v1/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'wrong-key-wrong-key' },
      body: JSON.stringify({ name: 'Nope' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'UNAUTHENTICATED', message: 'a valid x-api-key header is required' });
  });

  it('R-SAFE-02 answers a route it does not have 404 { code, message }, with a key or without, never echoing the query', async () => {
    for (const path of ['/nothing', '/v1/nothing']) {
      for (const headers of [{}, { 'x-api-key': world.platform.apiKey }] as Record<string, string>[]) {
        const res = await fetch(`${world.platform.apiUrl}${path}?token=not-to-be-echoed`, { headers });
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ code: 'HTTP_404', message: `Cannot GET ${path}` });
      }
    }
  });

  it('R-SEC-02 without ROSTER_TRUST_PROXY, X-Forwarded-For is ignored: a client cannot dodge the failed-key limit by naming other addresses', async () => {
    const answers: number[] = [];
    while (answers.length < 60 && answers.at(-1) !== 429) {
      const res = await fetch(`${world.platform.apiUrl}/v1/me`, {
        headers: { 'x-api-key': `rk_0badf00d_guess-${answers.length}`, 'x-forwarded-for': `203.0.113.${answers.length + 1}` },
      });
      answers.push(res.status);
    }
    expect(answers.at(-1)).toBe(429);
    expect(answers.slice(0, -1).every((status) => status === 401)).toBe(true);
    expect(answers.length).toBeGreaterThan(10);
  });

  it('R-SAFE-02 answers bad input with the field and the reason, and stores nothing', async () => {
    const t = await world.createTenant('Validation Co');
    const res = await world.createSftpDirectory<{ code: string; message: string }>(t, {
      sftp: world.sftpSettings({ port: 70000, hostKeyFingerprint: 'md5:aa' }),
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.message).toMatch(/sftp\.port/);
    expect(res.body.message).toMatch(/sftp\.hostKeyFingerprint: expected an OpenSSH SHA-256 fingerprint/);
    const { rows } = await world.pg.query('select count(*)::int as n from directory_config.directories where tenant_id = $1', [t]);
    expect(rows[0].n).toBe(0);
  });

  it('R-TEN-01 never shows one tenant another tenant\'s directory or run', async () => {
    const a = await world.createTenant('Tenant A');
    const b = await world.createTenant('Tenant B');
    const created = await world.createSftpDirectory(a);
    expect(created.status).toBe(201);
    const cross = await world.platform.api<{ code: string }>('GET', `/v1/tenants/${b}/directories/${created.body.id}`);
    expect(cross.status).toBe(404);
    expect(cross.body.code).toBe('DIRECTORY_NOT_FOUND');
    const crossRun = await world.platform.api<{ code: string }>('POST', `/v1/tenants/${b}/directories/${created.body.id}/runs`, {});
    expect(crossRun.status).toBe(404);
    expect((await world.platform.api<unknown[]>('GET', `/v1/tenants/${b}/directories`)).body).toEqual([]);
  });

  it('R-SEC-01 keeps the SFTP password out of API responses, the database, the streams and the logs', async () => {
    const t = await world.createTenant('Secret Co');
    const created = await world.createSftpDirectory<Record<string, unknown>>(t, { sftp: world.sftpSettings({ password: CANARY }) });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(CANARY);
    expect(created.body.sftp).toMatchObject({ hasPassword: true });
    const read = await world.platform.api<Record<string, unknown>>('GET', `/v1/tenants/${t}/directories/${created.body.id}`);
    expect(JSON.stringify(read.body)).not.toContain(CANARY);

    // A run carries the secret to file-ingest (sealed) and fails to log in with it: the wrong password.
    const done = await runToFail(t, String(created.body.id), 'run to fail on authentication');
    expect(done.failure?.code).toBe('AUTH_FAILED');
    expect(done.failure?.message).not.toContain(CANARY);

    // Every text column of every schema.
    const dump = await world.pg.query(
      `select string_agg(t::text, '\n') as all_rows from (
         select row_to_json(d)::text as t from directory_config.directories d
         union all select payload from directory_config.outbox
         union all select row_to_json(r)::text from directory_config.runs r
         union all select row_to_json(l)::text from file_ingest.file_ledger l) x`,
    );
    expect(dump.rows[0].all_rows).not.toContain(CANARY);
    // Every message on every stream.
    const jsm = await world.nc.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      const { first_seq, last_seq } = stream.state;
      for (let seq = first_seq; seq > 0 && seq <= last_seq; seq++) {
        const m = await jsm.streams.getMessage(stream.config.name, { seq }).catch(() => undefined);
        if (m) expect(Buffer.from(m.data).toString('utf8')).not.toContain(CANARY);
      }
    }
    expect(world.platform.logs()).not.toContain(CANARY);
  }, 60_000);

  it('R-SFTP-01 R-OPS-03 fails a run clearly when the server\'s host key changed, mails the failure and meters it', async () => {
    const t = await world.createTenant('Pinned Co');
    const created = await world.createSftpDirectory(t);
    // A first run makes ops@pinned.test a user, so it can be a recipient (R-NOT-02).
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'ops@pinned.test', 'First Name': 'Op', 'Last Name': 'S' }]));
    const first = await world.platform.api<RunView>('POST', `/v1/tenants/${t}/directories/${created.body.id}/runs`, {});
    await waitFor(
      async () => (await world.platform.api<RunView>('GET', `/v1/tenants/${t}/runs/${first.body.id}`)).body.status === 'succeeded',
      { timeoutMs: 30_000, description: 'first run to succeed' },
    );
    expect((await world.platform.api('PATCH', `/v1/tenants/${t}/directories/${created.body.id}`, { recipients: ['ops@pinned.test'] })).status).toBe(200);
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'x@pinned.test', 'First Name': 'X', 'Last Name': 'Y' }]));
    const pinned = world.sftp.hostKeyFingerprint;
    await world.sftp.restartWithNewHostKey();
    const done = await runToFail(t, created.body.id, 'run to fail on the host key');
    expect(done.failure?.code).toBe('HOST_KEY_MISMATCH');
    expect(done.failure?.message).toContain(`pinned ${pinned}`);
    expect(done.failure?.message).toContain(`presented ${world.sftp.hostKeyFingerprint}`);
    expect(world.sftp.exists('users.csv')).toBe(true); // nothing was read or moved
    const mail = await world.smtp.waitForMail((m) => m.to.includes('ops@pinned.test'), 15_000);
    expect(mail.text).toContain('HOST_KEY_MISMATCH');
    // R-OPS-03: file-ingest counts the SFTP failure by its code.
    const metrics = await (await fetch(`http://127.0.0.1:${world.platform.services['file-ingest'].port}/metrics`)).text();
    expect(metrics).toMatch(/^roster_sftp_errors_total\{code="HOST_KEY_MISMATCH",service="file-ingest"\} [1-9]/m);
  }, 60_000);

  it('serves an OpenAPI 3.1 document of the admin API without authentication', async () => {
    const res = await fetch(`${world.platform.apiUrl}/openapi.json`);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/tenants', '/v1/tenants/{tenantId}/directories', '/v1/tenants/{tenantId}/runs/{runId}']),
    );
  });
});
