import { Client } from 'pg';
import { NatsConnection, connect } from 'nats';
import {
  NatsServerFixture,
  Platform,
  SftpFixture,
  SmtpSink,
  TestDatabase,
  createTestDatabase,
  startNatsServer,
  startPlatform,
  startSftpServer,
  startSmtpSink,
  usersCsv,
  waitFor,
} from '@roster/testing';

interface RunView {
  id: string;
  status: string;
  failure: { code: string; message: string } | null;
}

/** The admin API's contract and the secret's journey, against the running services. */
describe('admin API and secrets, end to end', () => {
  let db: TestDatabase;
  let nats: NatsServerFixture;
  let sftp: SftpFixture;
  let smtp: SmtpSink;
  let platform: Platform;
  let pg: Client;
  let nc: NatsConnection;
  const CANARY = `canary-${Math.random().toString(36).slice(2)}-password`;

  beforeAll(async () => {
    [db, nats, sftp, smtp] = await Promise.all([createTestDatabase('e2e_admin'), startNatsServer(), startSftpServer(), startSmtpSink()]);
    // Debug logs: the secret must stay out of the most verbose logs too.
    platform = await startPlatform({ databaseUrl: db.url, natsUrl: nats.url, smtpUrl: `smtp://${smtp.host}:${smtp.port}`, logLevel: 'debug' });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    nc = await connect({ servers: nats.url });
  }, 120_000);

  afterAll(async () => {
    await nc?.drain();
    await pg?.end();
    await platform?.stop();
    await Promise.all([sftp?.stop(), smtp?.stop(), nats?.stop()]);
    await db?.drop();
  }, 60_000);

  const directoryBody = (overrides: Record<string, unknown> = {}) => ({
    name: 'HR drop',
    type: 'sftp-csv',
    sftp: {
      host: sftp.host,
      port: sftp.port,
      username: sftp.username,
      password: sftp.password,
      folder: sftp.folder,
      hostKeyFingerprint: sftp.hostKeyFingerprint,
    },
    // R-NOT-02: recipients must be users of the tenant; these new tenants have none.
    recipients: [],
    ...overrides,
  });

  const tenant = async (name: string) => (await platform.api<{ id: string }>('POST', '/v1/tenants', { name })).body.id;

  it('R-SEC-02 refuses requests without the API key', async () => {
    const res = await fetch(`${platform.apiUrl}/v1/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'wrong-key-wrong-key' },
      body: JSON.stringify({ name: 'Nope' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'UNAUTHENTICATED', message: 'a valid x-api-key header is required' });
  });

  it('R-SAFE-02 answers bad input with the field and the reason, and stores nothing', async () => {
    const t = await tenant('Validation Co');
    const res = await platform.api<{ code: string; message: string }>('POST', `/v1/tenants/${t}/directories`, {
      ...directoryBody(),
      sftp: { ...directoryBody().sftp, port: 70000, hostKeyFingerprint: 'md5:aa' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.message).toMatch(/sftp\.port/);
    expect(res.body.message).toMatch(/sftp\.hostKeyFingerprint: expected an OpenSSH SHA-256 fingerprint/);
    const { rows } = await pg.query('select count(*)::int as n from directory_config.directories where tenant_id = $1', [t]);
    expect(rows[0].n).toBe(0);
  });

  it('R-TEN-01 never shows one tenant another tenant\'s directory or run', async () => {
    const a = await tenant('Tenant A');
    const b = await tenant('Tenant B');
    const created = await platform.api<{ id: string }>('POST', `/v1/tenants/${a}/directories`, directoryBody());
    expect(created.status).toBe(201);
    const cross = await platform.api<{ code: string }>('GET', `/v1/tenants/${b}/directories/${created.body.id}`);
    expect(cross.status).toBe(404);
    expect(cross.body.code).toBe('DIRECTORY_NOT_FOUND');
    const crossRun = await platform.api<{ code: string }>('POST', `/v1/tenants/${b}/directories/${created.body.id}/runs`, {});
    expect(crossRun.status).toBe(404);
    expect((await platform.api<unknown[]>('GET', `/v1/tenants/${b}/directories`)).body).toEqual([]);
  });

  it('R-SEC-01 keeps the SFTP password out of API responses, the database, the streams and the logs', async () => {
    const t = await tenant('Secret Co');
    const body = directoryBody({ sftp: { ...directoryBody().sftp, password: CANARY } });
    const created = await platform.api<Record<string, unknown>>('POST', `/v1/tenants/${t}/directories`, body);
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(CANARY);
    expect(created.body.sftp).toMatchObject({ hasPassword: true });
    const read = await platform.api<Record<string, unknown>>('GET', `/v1/tenants/${t}/directories/${created.body.id}`);
    expect(JSON.stringify(read.body)).not.toContain(CANARY);

    // A run carries the secret to file-ingest (sealed) and fails to log in with it: the wrong password.
    const run = await platform.api<RunView>('POST', `/v1/tenants/${t}/directories/${created.body.id}/runs`, {});
    const done = await waitFor(
      async () => {
        const r = (await platform.api<RunView>('GET', `/v1/tenants/${t}/runs/${run.body.id}`)).body;
        return r.status === 'failed' ? r : undefined;
      },
      { timeoutMs: 30_000, description: 'run to fail on authentication' },
    );
    expect(done.failure?.code).toBe('AUTH_FAILED');
    expect(done.failure?.message).not.toContain(CANARY);

    // Every text column of every schema.
    const dump = await pg.query(
      `select string_agg(t::text, '\n') as all_rows from (
         select row_to_json(d)::text as t from directory_config.directories d
         union all select envelope::text from directory_config.outbox
         union all select row_to_json(r)::text from directory_config.runs r
         union all select row_to_json(l)::text from file_ingest.file_ledger l) x`,
    );
    expect(dump.rows[0].all_rows).not.toContain(CANARY);
    // Every message on every stream.
    const jsm = await nc.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      const { first_seq, last_seq } = stream.state;
      for (let seq = first_seq; seq > 0 && seq <= last_seq; seq++) {
        const m = await jsm.streams.getMessage(stream.config.name, { seq }).catch(() => undefined);
        if (m) expect(Buffer.from(m.data).toString('utf8')).not.toContain(CANARY);
      }
    }
    expect(platform.logs()).not.toContain(CANARY);
  }, 60_000);

  it('R-SFTP-01 fails a run clearly when the server\'s host key changed, and mails the failure', async () => {
    const t = await tenant('Pinned Co');
    const created = await platform.api<{ id: string }>('POST', `/v1/tenants/${t}/directories`, directoryBody());
    // A first run makes ops@pinned.test a user, so it can be a recipient (R-NOT-02).
    await sftp.put('users.csv', usersCsv([{ 'User Email': 'ops@pinned.test', 'First Name': 'Op', 'Last Name': 'S' }]));
    const first = await platform.api<RunView>('POST', `/v1/tenants/${t}/directories/${created.body.id}/runs`, {});
    await waitFor(
      async () => (await platform.api<RunView>('GET', `/v1/tenants/${t}/runs/${first.body.id}`)).body.status === 'succeeded',
      { timeoutMs: 30_000, description: 'first run to succeed' },
    );
    expect((await platform.api('PATCH', `/v1/tenants/${t}/directories/${created.body.id}`, { recipients: ['ops@pinned.test'] })).status).toBe(200);
    await sftp.put('users.csv', usersCsv([{ 'User Email': 'x@pinned.test', 'First Name': 'X', 'Last Name': 'Y' }]));
    const pinned = sftp.hostKeyFingerprint;
    await sftp.restartWithNewHostKey();
    const run = await platform.api<RunView>('POST', `/v1/tenants/${t}/directories/${created.body.id}/runs`, {});
    const done = await waitFor(
      async () => {
        const r = (await platform.api<RunView>('GET', `/v1/tenants/${t}/runs/${run.body.id}`)).body;
        return r.status === 'failed' ? r : undefined;
      },
      { timeoutMs: 30_000, description: 'run to fail on the host key' },
    );
    expect(done.failure?.code).toBe('HOST_KEY_MISMATCH');
    expect(done.failure?.message).toContain(`pinned ${pinned}`);
    expect(done.failure?.message).toContain(`presented ${sftp.hostKeyFingerprint}`);
    expect(sftp.exists('users.csv')).toBe(true); // nothing was read or moved
    const mail = await smtp.waitForMail((m) => m.to.includes('ops@pinned.test'), 15_000);
    expect(mail.text).toContain('HOST_KEY_MISMATCH');
  }, 60_000);

  it('serves an OpenAPI 3.1 document of the admin API without authentication', async () => {
    const res = await fetch(`${platform.apiUrl}/openapi.json`);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/tenants', '/v1/tenants/{tenantId}/directories', '/v1/tenants/{tenantId}/runs/{runId}']),
    );
  });
});
