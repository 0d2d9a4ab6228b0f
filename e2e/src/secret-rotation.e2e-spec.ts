import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type HrisEmulator, type ServiceName, sealV1Secret, startHrisEmulator, usersCsv } from '@roster/testing';
import { masterKeyId } from '@roster/security';
import { findSecrets } from './support/dump';
import { RunView, SftpWorld, hrisEmulatorEnv, startWorld } from './support/world';

const CLI = join(__dirname, '../../dist/apps/cli/src/main.js');
const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('base64');
const ACCOUNT_TOKEN = `acct-${randomBytes(18).toString('base64url')}`;
/** The services that open secrets; the sources restart first, so they hold a key before directory-config wraps with it. */
const SECRET_SERVICES: ServiceName[] = ['file-ingest', 'connector-gateway', 'directory-config'];

interface Rotation {
  masterKeyId: string;
  previousMasterKeyIds: string[];
  dataKeys: Record<'created' | 'rewrapped' | 'rotated' | 'unchanged', number>;
  secrets: Record<'resealed' | 'unchanged', number>;
  failed: unknown[];
  remaining: Record<'dataKeys' | 'secrets', number>;
}

/**
 * R-SEC-01 master-key rotation without downtime, through the running services: the new key becomes current with
 * the old one kept as previous (secrets keep opening), `roster keys rotate` re-wraps every tenant's data key and
 * re-seals the stored secrets (v1 ones too), and once the old key is removed every real sync still opens its
 * secret — while a secret left behind under the old key no longer does, and says which key it needs.
 */
describe('master-key rotation without downtime (R-SEC-01)', () => {
  let emulator: HrisEmulator;
  let world: SftpWorld;
  let rows = 0;

  beforeAll(async () => {
    emulator = await startHrisEmulator({ employees: 12, accountToken: ACCOUNT_TOKEN });
    world = await startWorld('e2e_key_rotation', { env: { ...hrisEmulatorEnv(emulator), ROSTER_SECRETS_KEY: OLD_KEY } });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await emulator?.close();
  }, 60_000);

  /** A rolling restart of the services that open secrets, with these keys. */
  const restartWith = async (env: Record<string, string>) => {
    for (const name of SECRET_SERVICES) {
      await world.platform.services[name].process.stop(10_000);
      await world.platform.start(name, env);
    }
  };
  const roster = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: { PATH: process.env.PATH, ROSTER_API_URL: world.platform.apiUrl, ROSTER_API_KEY: world.platform.apiKey }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  /** A run of an SFTP directory over a fresh users.csv (new content each time: R-SFTP-02 skips a file seen before). */
  const sftpRun = async (tenantId: string, directoryId: string): Promise<RunView> => {
    rows++;
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': `user${rows}@rotation.test`, 'First Name': 'User', 'Last Name': `No ${rows}` }]));
    return world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
  };
  const hrisRun = async (tenantId: string, directoryId: string) => world.waitForRun(tenantId, await world.startRun(tenantId, directoryId), 60_000);
  const storedSecrets = async () => JSON.stringify((await world.pg.query(`select secrets from directory_config.directories`)).rows);

  it('R-SEC-01 rotates the master key with the services running; after the old key is removed, real syncs still open every secret', async () => {
    // Before: tenant A set up with envelope encryption (v2 under the old key), tenant L from before it (v1, no data key).
    const a = await world.createTenant('Acme');
    const sftpDir = (await world.createSftpDirectory(a)).body.id;
    const hris = await world.platform.api<{ id: string }>('POST', `/v1/tenants/${a}/directories`, {
      name: 'Bridge HR',
      type: 'hris-api',
      hris: { provider: 'merge', baseUrl: emulator.baseUrl, accountToken: ACCOUNT_TOKEN },
    });
    expect(hris.status).toBe(201);
    const hrisDir = hris.body.id;
    const legacy = await world.createTenant('Legacy Co');
    const legacyDir = (await world.createSftpDirectory(legacy)).body.id;
    await world.pg.query(`update directory_config.directories set secrets = $1 where id = $2`, [
      JSON.stringify({ password: sealV1Secret(OLD_KEY, world.sftp.password, legacy, legacyDir) }),
      legacyDir,
    ]);
    await world.pg.query(`delete from directory_config.tenant_data_keys where tenant_id = $1`, [legacy]);
    expect(await sftpRun(a, sftpDir)).toMatchObject({ status: 'succeeded' });
    expect(await sftpRun(legacy, legacyDir)).toMatchObject({ status: 'succeeded' });
    expect(await hrisRun(a, hrisDir)).toMatchObject({ status: 'succeeded' });
    const sealedUnderOldKey = async (directoryId: string, field: string) =>
      (await world.pg.query(`select secrets->$2::text as sealed from directory_config.directories where id = $1`, [directoryId, field])).rows[0].sealed;
    const [underOldKey, tokenUnderOldKey] = [await sealedUnderOldKey(sftpDir, 'password'), await sealedUnderOldKey(hrisDir, 'accountToken')];
    expect(underOldKey).toMatchObject({ v: 2, dek: { kid: masterKeyId(OLD_KEY) } });

    // 1. The new key is current everywhere, the old one kept as previous: nothing stored changed, and it all opens.
    await restartWith({ ROSTER_SECRETS_KEY: NEW_KEY, ROSTER_SECRETS_PREVIOUS_KEYS: OLD_KEY });
    expect(await sftpRun(a, sftpDir)).toMatchObject({ status: 'succeeded' });
    expect(await sftpRun(legacy, legacyDir)).toMatchObject({ status: 'succeeded' });
    expect(await hrisRun(a, hrisDir)).toMatchObject({ status: 'succeeded' });

    // 2. `roster keys rotate`: every data key re-wrapped under the new key, every stored secret re-sealed with it.
    expect((await roster(['keys', 'rotate', '--only', 'acme', '--json'])).code).toBe(2);
    const rotated = await roster(['keys', 'rotate', '--json']);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toEqual<Rotation>({
      masterKeyId: masterKeyId(NEW_KEY),
      previousMasterKeyIds: [masterKeyId(OLD_KEY)],
      tenants: 2,
      dataKeys: { created: 1, rewrapped: 1, rotated: 0, unchanged: 0 },
      secrets: { resealed: 3, unchanged: 0 },
      failed: [],
      remaining: { dataKeys: 0, secrets: 0 },
    } as Rotation);
    // Idempotent: again, nothing to do, and the text says the old key can go.
    const again = await roster(['keys', 'rotate']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('data keys: 0 created, 0 re-wrapped, 0 rotated, 2 unchanged');
    expect(again.stdout).toContain('secrets: 0 re-sealed, 3 unchanged');
    expect(again.stdout).toContain('the previous keys can be removed');
    expect(await storedSecrets()).not.toContain(masterKeyId(OLD_KEY));
    expect((await world.pg.query(`select count(*)::int as n from directory_config.tenant_data_keys where master_key_id <> $1`, [masterKeyId(NEW_KEY)])).rows[0].n).toBe(0);

    // 3. The old key removed from every service: each secret still opens in a real sync and a connection test.
    await restartWith({ ROSTER_SECRETS_KEY: NEW_KEY });
    expect(await sftpRun(a, sftpDir)).toMatchObject({ status: 'succeeded' });
    expect(await sftpRun(legacy, legacyDir)).toMatchObject({ status: 'succeeded' });
    expect(await hrisRun(a, hrisDir)).toMatchObject({ status: 'succeeded' });
    for (const [t, d] of [[a, sftpDir], [a, hrisDir], [legacy, legacyDir]]) {
      expect((await world.platform.api(`POST`, `/v1/tenants/${t}/directories/${d}/test`)).body).toMatchObject({ ok: true });
    }

    // The old key is really gone: a secret left sealed under it fails the run clearly, naming the key it needs.
    await world.pg.query(`update directory_config.directories set secrets = jsonb_set(secrets, '{password}', $1::jsonb) where id = $2`, [JSON.stringify(underOldKey), sftpDir]);
    const stale = await sftpRun(a, sftpDir);
    expect(stale).toMatchObject({ status: 'failed', failure: { code: 'SECRET_UNAVAILABLE' } });
    expect(stale.failure?.message).toContain(masterKeyId(OLD_KEY));
    expect(stale.failure?.message).toContain('ROSTER_SECRETS_PREVIOUS_KEYS');
    await world.pg.query(`update directory_config.directories set secrets = jsonb_set(secrets, '{accountToken}', $1::jsonb) where id = $2`, [
      JSON.stringify(tokenUnderOldKey),
      hrisDir,
    ]);
    const staleToken = await hrisRun(a, hrisDir);
    expect(staleToken).toMatchObject({ status: 'failed', failure: { code: 'SECRET_UNAVAILABLE' } });
    expect(staleToken.failure?.message).toContain(masterKeyId(OLD_KEY));
    expect((await world.platform.api(`POST`, `/v1/tenants/${a}/directories/${hrisDir}/test`)).body).toMatchObject({ ok: false, code: 'SECRET_UNAVAILABLE' });

    // Neither master key was ever logged by any service.
    expect(findSecrets(world.platform.logs(), { oldKey: OLD_KEY, newKey: NEW_KEY, accountToken: ACCOUNT_TOKEN, sftpPassword: world.sftp.password })).toEqual([]);
  }, 300_000);
});
