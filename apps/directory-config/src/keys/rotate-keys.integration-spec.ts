import { randomBytes, randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { SealedSecret } from '@roster/contracts';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { HRIS_BRIDGE_DEFAULT_HOSTS, MasterKeyRing, SecretBox, directorySecretOwner, masterKeyId } from '@roster/security';
import { createTestDatabase, sealV1Secret, waitFor, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { DirectoriesUseCase } from '../directories/directories.usecase';
import type { RecipientsValidator } from '../directories/recipients.validator';
import { DirectoryEntity, type DirectorySecrets } from '../entities/directory.entity';
import { CreateDirectoryBody } from '../http/schemas';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { RotateKeysUseCase } from './rotate-keys.usecase';
import { TenantDataKeys } from './tenant-data-keys';

const OLD = randomBytes(32).toString('base64');
const NEW = randomBytes(32).toString('base64');
const PASSWORD = `pw-${randomUUID()}`;
const PRIVATE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
const TOKEN = `token-${randomUUID()}`;

/**
 * R-SEC-01 envelope encryption in directory-config against real PostgreSQL: a data key per tenant, created on first
 * use and stored wrapped; the rotation re-wraps every tenant's data key under the current master key and re-seals
 * the stored secrets (v1 included), one transaction per tenant, idempotently; a tenant's data key can be replaced.
 */
describe('tenant data keys and master-key rotation (R-SEC-01)', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  const noRecipients = { assertUsersOfTenant: async () => undefined } as unknown as RecipientsValidator;

  /** The use cases as one replica configured with these master keys sees them. */
  const replica = (current: string, previous: string[] = []) => {
    const box = new SecretBox(new MasterKeyRing(current, previous));
    const dataKeys = new TenantDataKeys(orm, box);
    const tenants = new TenantsUseCase(orm);
    return {
      box,
      dataKeys,
      tenants,
      directories: new DirectoriesUseCase(orm, tenants, noRecipients, box, { allowLoopback: false, allowedHosts: HRIS_BRIDGE_DEFAULT_HOSTS }, dataKeys),
      rotate: new RotateKeysUseCase(orm, dataKeys, box),
    };
  };

  const sftpBody = (credentials: { password?: string; privateKey?: string }) =>
    CreateDirectoryBody.parse({
      name: 'HR drop',
      type: 'sftp-csv',
      sftp: { host: 'sftp.acme.test', username: 'acme', folder: '/in', hostKeyFingerprint: `SHA256:${'a'.repeat(43)}`, ...credentials },
    });
  const hrisBody = () => CreateDirectoryBody.parse({ name: 'Bridge', type: 'hris-api', hris: { baseUrl: 'https://api.merge.dev/api', accountToken: TOKEN } });

  const keyRow = async (tenantId: string) =>
    (
      await sql<{ master_key_id: string; iv: string; tag: string; wrapped_key: string; rotated_at: string | null }>(
        orm.em.fork(),
        `select * from ${qualified(orm, 'tenant_data_keys')} where tenant_id = ?`,
        [tenantId],
      )
    )[0];
  const secretsOf = async (directoryId: string): Promise<DirectorySecrets> => (await orm.em.fork().findOneOrFail(DirectoryEntity, { id: directoryId })).secrets;
  /** Opens every secret of the directory with a box that holds `keys` only. */
  const openAll = async (directoryId: string, tenantId: string, box: SecretBox) => {
    const secrets = await secretsOf(directoryId);
    return Object.fromEntries(Object.entries(secrets).map(([field, sealed]) => [field, box.open(sealed as SealedSecret, directorySecretOwner(tenantId, directoryId))]));
  };

  beforeAll(async () => {
    db = await createTestDatabase('directory_config_keys');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  beforeEach(async () => {
    await orm.em.fork().execute(`truncate ${['tenant_data_keys', 'directories', 'tenants'].map((t) => qualified(orm, t)).join(', ')}`);
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('R-SEC-01 creates a tenant data key on first use, stores it only wrapped, and seals secrets with it (v2)', async () => {
    const r = replica(OLD);
    const t = (await r.tenants.create({ name: 'Acme' })).id;
    const sftp = await r.directories.create(t, sftpBody({ password: PASSWORD, privateKey: PRIVATE_KEY }));
    const hris = await r.directories.create(t, hrisBody());

    const row = await keyRow(t);
    expect(row).toMatchObject({ master_key_id: masterKeyId(OLD), rotated_at: null });
    const dataKey = r.box.unwrapDataKey(t, { kid: row.master_key_id, iv: row.iv, tag: row.tag, data: row.wrapped_key });
    expect(JSON.stringify(row)).not.toContain(dataKey.key.toString('base64'));
    for (const id of [sftp.id, hris.id]) {
      for (const sealed of Object.values(await secretsOf(id))) {
        expect(sealed).toMatchObject({ v: 2, dek: { kid: masterKeyId(OLD), iv: row.iv, tag: row.tag, data: row.wrapped_key } });
      }
    }
    expect(await openAll(sftp.id, t, r.box)).toEqual({ password: PASSWORD, privateKey: PRIVATE_KEY });
    expect(await openAll(hris.id, t, r.box)).toEqual({ accountToken: TOKEN });
    const stored = JSON.stringify((await orm.em.fork().execute(`select * from ${qualified(orm, 'directories')}`)) as unknown[]);
    for (const plain of [PASSWORD, PRIVATE_KEY.split('\n')[1], TOKEN]) expect(stored).not.toContain(plain);

    // An event directory has no secret: a tenant with only that has no data key.
    const events = (await r.tenants.create({ name: 'Events only' })).id;
    await r.directories.create(events, CreateDirectoryBody.parse({ name: 'Payroll events', type: 'event' }));
    expect(await keyRow(events)).toBeUndefined();
  });

  it('R-SEC-01 a replica without the master key of a tenant data key refuses to seal with SECRET_UNAVAILABLE, naming the key', async () => {
    const t = (await replica(OLD).tenants.create({ name: 'Acme' })).id;
    await replica(OLD).directories.create(t, sftpBody({ password: PASSWORD }));
    const refused = replica(NEW).directories.create(t, sftpBody({ password: PASSWORD }));
    await expect(refused).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE', message: expect.stringContaining(masterKeyId(OLD)) });
    await expect(refused).rejects.not.toMatchObject({ message: expect.stringContaining(PASSWORD) });
  });

  it('R-SEC-01 concurrent first uses of a tenant end with one data key, which every secret carries', async () => {
    const r = replica(OLD);
    const t = (await r.tenants.create({ name: 'Busy Co' })).id;
    const created = await Promise.all(Array.from({ length: 6 }, () => r.directories.create(t, sftpBody({ password: PASSWORD }))));
    const row = await keyRow(t);
    for (const d of created) expect((await secretsOf(d.id)).password).toMatchObject({ dek: { iv: row.iv, data: row.wrapped_key } });
    const [count] = await sql<{ n: number }>(orm.em.fork(), `select count(*)::int as n from ${qualified(orm, 'tenant_data_keys')}`);
    expect(count.n).toBe(1);
  });

  it('R-SEC-01 rotation re-wraps every data key under the new master key, re-seals v1 and v2 secrets, and is idempotent', async () => {
    const before = replica(OLD);
    const a = (await before.tenants.create({ name: 'A' })).id;
    const aDir = await before.directories.create(a, sftpBody({ password: PASSWORD, privateKey: PRIVATE_KEY }));
    const aKey = await keyRow(a);
    // Tenant B was set up before envelope encryption: a v1 secret, no data key.
    const b = (await before.tenants.create({ name: 'B' })).id;
    const bDir = await before.directories.create(b, hrisBody());
    await sql(orm.em.fork(), `update ${qualified(orm, 'directories')} set secrets = ?::jsonb where id = ?`, [
      JSON.stringify({ accountToken: sealV1Secret(OLD, TOKEN, b, bDir.id) }),
      bDir.id,
    ]);
    await sql(orm.em.fork(), `delete from ${qualified(orm, 'tenant_data_keys')} where tenant_id = ?`, [b]);
    const c = (await before.tenants.create({ name: 'C, no secrets' })).id;

    // The new master key is current everywhere, the old one still held as previous.
    const during = replica(NEW, [OLD]);
    const first = await during.rotate.execute({ rotateDataKeys: false });
    expect(first).toEqual({
      masterKeyId: masterKeyId(NEW),
      previousMasterKeyIds: [masterKeyId(OLD)],
      tenants: 3,
      dataKeys: { created: 1, rewrapped: 1, rotated: 0, unchanged: 0 },
      secrets: { resealed: 3, unchanged: 0 },
      failed: [],
      remaining: { dataKeys: 0, secrets: 0 },
    });
    expect(JSON.stringify(first)).not.toMatch(new RegExp(`${PASSWORD}|${TOKEN}|${OLD.replace(/[+/]/g, '.')}|${NEW.replace(/[+/]/g, '.')}`));
    // A's data key is the same key, wrapped anew; C got none.
    const aAfter = await keyRow(a);
    expect(aAfter.master_key_id).toBe(masterKeyId(NEW));
    const unwrap = (box: SecretBox, t: string, row: typeof aKey) => box.unwrapDataKey(t, { kid: row.master_key_id, iv: row.iv, tag: row.tag, data: row.wrapped_key }).key;
    expect(unwrap(during.box, a, aAfter).equals(unwrap(before.box, a, aKey))).toBe(true);
    expect(await keyRow(c)).toBeUndefined();
    expect((await secretsOf(bDir.id)).accountToken).toMatchObject({ v: 2, dek: { kid: masterKeyId(NEW) } });

    // Idempotent: nothing left to do, and it says so.
    const second = await during.rotate.execute({ rotateDataKeys: false });
    expect(second).toMatchObject({ dataKeys: { created: 0, rewrapped: 0, rotated: 0, unchanged: 2 }, secrets: { resealed: 0, unchanged: 3 }, remaining: { dataKeys: 0, secrets: 0 } });

    // The old key removed: every secret opens with the new key alone; the old key alone opens none.
    const after = replica(NEW);
    expect(await openAll(aDir.id, a, after.box)).toEqual({ password: PASSWORD, privateKey: PRIVATE_KEY });
    expect(await openAll(bDir.id, b, after.box)).toEqual({ accountToken: TOKEN });
    await expect(openAll(aDir.id, a, new SecretBox(OLD))).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE', reason: 'UNKNOWN_MASTER_KEY' });
  });

  it("R-SEC-01 rotateDataKeys replaces the chosen tenant's data key and re-seals its secrets; other tenants untouched", async () => {
    const r = replica(OLD);
    const a = (await r.tenants.create({ name: 'A' })).id;
    const b = (await r.tenants.create({ name: 'B' })).id;
    const aDir = await r.directories.create(a, sftpBody({ password: PASSWORD }));
    const bDir = await r.directories.create(b, sftpBody({ password: PASSWORD }));
    const [aKey, bKey, bSecrets] = [await keyRow(a), await keyRow(b), await secretsOf(bDir.id)];

    const report = await r.rotate.execute({ rotateDataKeys: true, tenantIds: [a] });
    expect(report).toMatchObject({ tenants: 1, dataKeys: { rotated: 1 }, secrets: { resealed: 1 }, failed: [], remaining: { dataKeys: 0, secrets: 0 } });
    const aAfter = await keyRow(a);
    expect(aAfter.rotated_at).not.toBeNull();
    expect(aAfter.wrapped_key).not.toBe(aKey.wrapped_key);
    expect((await secretsOf(aDir.id)).password).toMatchObject({ dek: { data: aAfter.wrapped_key } });
    expect(await openAll(aDir.id, a, r.box)).toEqual({ password: PASSWORD });
    expect(await keyRow(b)).toEqual(bKey);
    expect(await secretsOf(bDir.id)).toEqual(bSecrets);

    await expect(r.rotate.execute({ rotateDataKeys: false, tenantIds: [randomUUID()] })).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
  });

  it('R-SEC-01 a tenant whose secret no held master key opens is reported and left as it was; the others rotate', async () => {
    const r = replica(OLD);
    const good = (await r.tenants.create({ name: 'Good' })).id;
    await r.directories.create(good, sftpBody({ password: PASSWORD }));
    const lost = (await r.tenants.create({ name: 'Lost' })).id;
    const lostDir = await r.directories.create(lost, hrisBody());
    const stray = randomBytes(32).toString('base64');
    const strayV1 = sealV1Secret(stray, TOKEN, lost, lostDir.id);
    await sql(orm.em.fork(), `update ${qualified(orm, 'directories')} set secrets = ?::jsonb where id = ?`, [JSON.stringify({ accountToken: strayV1 }), lostDir.id]);

    const report = await replica(NEW, [OLD]).rotate.execute({ rotateDataKeys: false });
    expect(report.failed).toEqual([{ tenantId: lost, code: 'SECRET_UNAVAILABLE', message: expect.stringContaining(`tenant:${lost}/directory:${lostDir.id}`) }]);
    expect(report).toMatchObject({ dataKeys: { rewrapped: 1 }, secrets: { resealed: 1 }, remaining: { dataKeys: 1, secrets: 1 } });
    // Rolled back whole: its data key still under the old key, its secret as it was.
    expect((await keyRow(lost)).master_key_id).toBe(masterKeyId(OLD));
    expect((await secretsOf(lostDir.id)).accountToken).toEqual(strayV1);
    expect(JSON.stringify(report)).not.toContain(TOKEN);
  });

  it('R-SEC-01 a secret being sealed under the old wrapping while a rotation starts is re-sealed by it (the rotation waits)', async () => {
    const oldReplica = replica(OLD);
    const t = (await oldReplica.tenants.create({ name: 'Racing Co' })).id;
    const d = await oldReplica.directories.create(t, sftpBody({ password: 'first' }));

    // An old replica saves a new password: it holds the tenant's key row (share) with the old wrapping in hand…
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let sealing!: () => void;
    const isSealing = new Promise<void>((resolve) => (sealing = resolve));
    const patch = orm.em.fork().transactional(async (em) => {
      const dataKey = await oldReplica.dataKeys.forSealing(em, t);
      sealing();
      await released;
      const directory = await em.findOneOrFail(DirectoryEntity, { id: d.id });
      directory.secrets = { password: oldReplica.box.seal(PASSWORD, directorySecretOwner(t, d.id), dataKey) };
    });
    await isSealing;
    // …while a new replica rotates: it waits on the key row until the save commits, then re-seals what it saved.
    const rotation = replica(NEW, [OLD]).rotate.execute({ rotateDataKeys: false });
    await waitFor(
      async () => {
        const [row] = await sql<{ n: number }>(orm.em.fork(), `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        return row.n > 0;
      },
      { timeoutMs: 10_000, description: 'the rotation to wait on the key row' },
    );
    release();
    await patch;
    expect(await rotation).toMatchObject({ dataKeys: { rewrapped: 1 }, secrets: { resealed: 1 }, remaining: { dataKeys: 0, secrets: 0 } });
    expect(await openAll(d.id, t, replica(NEW).box)).toEqual({ password: PASSWORD });
  });
});
