import { randomBytes } from 'node:crypto';
import { type HrisEmulator, startHrisEmulator, usersCsv } from '@roster/testing';
import { SecretBox } from '@roster/security';
import { dumpPlatform, findSecrets, tapAllMessages, type PlatformDump } from './support/dump';
import { RunView, SftpWorld, hrisEmulatorEnv, startWorld } from './support/world';

const MASTER_KEY = randomBytes(32).toString('base64');
const ACCOUNT_TOKEN = `acct-${randomBytes(24).toString('base64url')}`;
/** The installation-wide HRIS bridge key (ROSTER_HRIS_BRIDGE_API_KEY) and the SMTP password in ROSTER_SMTP_URL. */
const BRIDGE_API_KEY = `bridge-${randomBytes(24).toString('base64url')}`;
const SMTP_AUTH = { user: 'roster-mailer', pass: `smtp-${randomBytes(24).toString('base64url')}` };

/**
 * R-SEC-01, the dump test: after full real runs — an SFTP directory logging in with a password, one with a private
 * key, an hris-api directory with an account token through the bridge's key, their connection tests, a rotation of
 * the data keys and a report mailed through an SMTP server that wants a password, with the bootstrap API key and
 * issued `rk_` keys (tenant admin and operator) doing the calls — the whole database (pg_dump and every row of every
 * table of every schema), every message of every JetStream stream, every message on the wire (core NATS included)
 * and every line every service logged (at trace) hold none of the secrets in any form, nor the API keys, the master
 * key or a tenant's data key. A positive control plants the same secrets in each place and proves the same search
 * finds them there.
 */
describe('no plaintext secret in the database, the streams or the logs (R-SEC-01)', () => {
  let emulator: HrisEmulator;
  let world: SftpWorld;
  let tap: ReturnType<typeof tapAllMessages>;
  let tenantId: string;
  const runIds: string[] = [];
  const dataKeys: Buffer[] = [];
  /** `rk_` keys issued by the bootstrap key (R-SEC-02): only their hashes may be stored. */
  const issued = { tenantAdmin: '', operator: '' };

  beforeAll(async () => {
    emulator = await startHrisEmulator({ employees: 30, accountToken: ACCOUNT_TOKEN, apiKey: BRIDGE_API_KEY });
    world = await startWorld('e2e_secrets_dump', {
      logLevel: 'trace',
      outputLimit: 256 * 1024 * 1024,
      env: { ...hrisEmulatorEnv(emulator), ROSTER_SECRETS_KEY: MASTER_KEY },
      smtpAuth: SMTP_AUTH,
    });
    tap = tapAllMessages(world.nc);
  }, 120_000);

  afterAll(async () => {
    tap?.sub.unsubscribe();
    await world?.stop();
    await emulator?.close();
  }, 60_000);

  /** The tenant's routes, called with its tenant-admin key (the bootstrap key, ROSTER_API_KEY, is world.platform.api's). */
  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    world.platform.apiAs<T>(issued.tenantAdmin, method, `/v1/tenants/${tenantId}${path}`, body);
  const run = async (directoryId: string) => {
    const runId = await world.startRun(tenantId, directoryId);
    runIds.push(runId);
    return world.waitForRun(tenantId, runId, 60_000);
  };
  /** The secrets, and the keys that protect them, in the forms a leak would show them. */
  const secrets = (): Record<string, string> => ({
    sftpPassword: world.sftp.password,
    sftpPrivateKey: world.sftp.privateKey,
    accountToken: ACCOUNT_TOKEN,
    bridgeApiKey: BRIDGE_API_KEY,
    smtpPassword: SMTP_AUTH.pass,
    bootstrapApiKey: world.platform.apiKey,
    tenantAdminApiKey: issued.tenantAdmin,
    operatorApiKey: issued.operator,
    masterKey: MASTER_KEY,
    masterKeyHex: Buffer.from(MASTER_KEY, 'base64').toString('hex'),
    ...Object.fromEntries(dataKeys.flatMap((k, i) => [[`dataKey${i}`, k.toString('base64')], [`dataKey${i}Hex`, k.toString('hex')]])),
  });
  const dump = () => dumpPlatform({ pg: world.pg, databaseUrl: world.db.url, nc: world.nc, logs: () => world.platform.logs() });
  /** The tenant's data key as stored now, unwrapped with the master key (only this test can). */
  const currentDataKey = async () => {
    const { rows } = await world.pg.query(`select master_key_id, iv, tag, wrapped_key from directory_config.tenant_data_keys where tenant_id = $1`, [tenantId]);
    const [r] = rows as { master_key_id: string; iv: string; tag: string; wrapped_key: string }[];
    return new SecretBox(MASTER_KEY).unwrapDataKey(tenantId, { kid: r.master_key_id, iv: r.iv, tag: r.tag, data: r.wrapped_key }).key;
  };

  it('R-SEC-01 full SFTP (password and private key) and HRIS (account token, bridge key) runs, a mailed report (SMTP password) and calls with the bootstrap and issued API keys leave no plaintext secret in a dump of the database, the streams, the wire or the logs', async () => {
    tenantId = await world.createTenant('Dump Co', 'owner@dump.test');
    const issue = async (role: string, extra: Record<string, unknown> = {}) => {
      const res = await world.platform.api<{ key: string }>('POST', '/v1/api-keys', { name: `dump ${role}`, role, ...extra });
      expect(res.status).toBe(201);
      expect(res.body.key).toMatch(/^rk_/);
      return res.body.key;
    };
    issued.tenantAdmin = await issue('tenant-admin', { tenantId });
    issued.operator = await issue('operator');
    const byPassword = await api<{ id: string }>('POST', '/directories', { name: 'HR drop (password)', type: 'sftp-csv', sftp: world.sftpSettings(), recipients: [] });
    const byKey = await api<{ id: string }>('POST', '/directories', {
      name: 'HR drop (private key)',
      type: 'sftp-csv',
      sftp: world.sftpSettings({ password: undefined, privateKey: world.sftp.privateKey }),
      recipients: [],
    });
    const hris = await api<{ id: string }>('POST', '/directories', {
      name: 'Bridge HR',
      type: 'hris-api',
      hris: { provider: 'merge', baseUrl: emulator.baseUrl, accountToken: ACCOUNT_TOKEN, pageSize: 10 },
    });
    expect([byPassword.status, byKey.status, hris.status]).toEqual([201, 201, 201]);
    dataKeys.push(await currentDataKey());

    // Connection tests carry the secrets sealed over request/reply (no stream keeps those: the tap sees them).
    for (const id of [byPassword.body.id, byKey.body.id, hris.body.id]) expect((await api('POST', `/directories/${id}/test`)).body).toMatchObject({ ok: true });
    expect((await api('POST', '/directories/test', { sftp: world.sftpSettings() })).body).toMatchObject({ ok: true });
    expect((await api('POST', '/directories/test', { type: 'hris-api', hris: { baseUrl: emulator.baseUrl, accountToken: ACCOUNT_TOKEN } })).body).toMatchObject({ ok: true });

    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'ann@dump.test', 'First Name': 'Ann', 'Last Name': 'Archer' }]));
    expect(await run(byPassword.body.id)).toMatchObject<Partial<RunView>>({ status: 'succeeded' });
    // Ann gets the reports of this directory's later runs: mail through the SMTP server, which wants the password.
    expect((await api('PATCH', `/directories/${byPassword.body.id}`, { recipients: ['ann@dump.test'] })).status).toBe(200);
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'kim@dump.test', 'First Name': 'Kim', 'Last Name': 'Key' }]));
    expect(await run(byKey.body.id)).toMatchObject<Partial<RunView>>({ status: 'succeeded' });
    expect(await run(hris.body.id)).toMatchObject<Partial<RunView>>({ status: 'succeeded' });

    // A new data key for the tenant (its secrets re-sealed), a changed password, and runs with both.
    const rotation = await world.platform.apiAs<{ dataKeys: { rotated: number }; secrets: { resealed: number }; failed: unknown[] }>(issued.operator, 'POST', '/v1/keys/rotate', {
      rotateDataKeys: true,
    });
    expect(rotation).toMatchObject({ status: 200, body: { dataKeys: { rotated: 1 }, secrets: { resealed: 3 }, failed: [] } });
    dataKeys.push(await currentDataKey());
    expect(dataKeys[1].equals(dataKeys[0])).toBe(false);
    expect((await api('PATCH', `/directories/${byPassword.body.id}`, { sftp: { password: world.sftp.password } })).status).toBe(200);
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'lee@dump.test', 'First Name': 'Lee', 'Last Name': 'Later' }]));
    expect(await run(byPassword.body.id)).toMatchObject<Partial<RunView>>({ status: 'succeeded' });
    expect(await run(hris.body.id)).toMatchObject<Partial<RunView>>({ status: 'succeeded' });
    const report = await world.smtp.waitForMail((m) => m.to.includes('ann@dump.test'), 30_000);
    expect(report.authUser).toBe(SMTP_AUTH.user);
    // The bridge key did reach the bridge (and nothing else in this test could have shown it).
    expect(emulator.requests.map((r) => r.bearer)).toContain(BRIDGE_API_KEY);

    const d: PlatformDump = await dump();
    // The dump is the real thing: every service's tables with this test's rows, the commands on the streams, the
    // runs in the logs — and the secrets where they should be, sealed (v2, under the master key's id).
    const kid = new SecretBox(MASTER_KEY).masterKeyId;
    expect(d.tables).toBeGreaterThan(15);
    expect(d.rows).toBeGreaterThan(60);
    expect(d.streamCount).toBeGreaterThanOrEqual(4);
    expect(d.messages).toBeGreaterThan(40);
    expect(d.database).toContain('-- PostgreSQL database dump');
    for (const text of [d.database, d.streams]) {
      expect(text).toContain(tenantId);
      expect(text).toContain('lee@dump.test');
      for (const field of ['password', 'privateKey', 'accountToken']) expect(text).toMatch(new RegExp(`"${field}": ?\\{"v": ?2,`));
      expect(text).toMatch(new RegExp(`"kid": ?"${kid}"`));
    }
    expect(tap.text()).toContain('roster.rpc.file-ingest.sftp.test.v1');
    expect(tap.text()).toMatch(/"accountToken":\{"v":2/);
    for (const runId of runIds) expect(d.logs).toContain(runId);

    expect(findSecrets(d.database, secrets())).toEqual([]);
    expect(findSecrets(d.streams, secrets())).toEqual([]);
    expect(findSecrets(tap.text(), secrets())).toEqual([]);
    expect(findSecrets(d.logs, secrets())).toEqual([]);
  }, 240_000);

  it('R-SEC-01 positive control: the same search finds each secret once it is planted in the database, a stream, the wire and the logs', async () => {
    const planted = secrets();
    await world.pg.query(`create table public.r_sec_01_control (name text, secret text)`);
    for (const [name, secret] of Object.entries(planted)) await world.pg.query(`insert into public.r_sec_01_control values ($1, $2)`, [name, secret]);
    const jsm = await world.nc.jetstreamManager();
    await jsm.streams.add({ name: 'R_SEC_01_CONTROL', subjects: ['r_sec_01.control'] });
    await world.nc.jetstream().publish('r_sec_01.control', Buffer.from(JSON.stringify(planted)));
    // Through a service's own request log: an unauthenticated request whose path is the secret.
    for (const secret of Object.values(planted)) {
      expect([401, 404]).toContain((await fetch(`${world.platform.apiUrl}/v1/tenants/${encodeURIComponent(secret)}`)).status);
    }

    const d = await dump();
    const every = Object.keys(planted).sort();
    const names = (found: string[]) => [...new Set(found.map((f) => f.replace(/ \(.*\)$/, '')))].sort();
    expect(names(findSecrets(d.database, planted))).toEqual(every);
    expect(names(findSecrets(d.streams, planted))).toEqual(every);
    expect(names(findSecrets(tap.text(), planted))).toEqual(every);
    expect(names(findSecrets(d.logs, planted))).toEqual(every);
  }, 120_000);
});
