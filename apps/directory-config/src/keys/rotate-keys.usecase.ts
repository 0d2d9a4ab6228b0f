import { Inject, Injectable, Logger } from '@nestjs/common';
import { LockMode, MikroORM } from '@mikro-orm/postgresql';
import type { SealedSecret } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import { type DataKey, SecretBox, SecretBoxError, directorySecretOwner } from '@roster/security';
import { DirectoryEntity, type DirectorySecrets } from '../entities/directory.entity';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { SECRET_BOX, TenantDataKeys } from './tenant-data-keys';

export interface RotateKeysCommand {
  /** Also replace each tenant's data key with a new one (re-sealing its secrets); otherwise only re-wrap it. */
  rotateDataKeys: boolean;
  /** Only these tenants; every tenant when absent. */
  tenantIds?: string[];
}

export interface KeyRotationReport {
  /** The master key every data key is wrapped under now. */
  masterKeyId: string;
  /** The previous master keys this service holds (unwrap only). */
  previousMasterKeyIds: string[];
  /** Tenants looked at. */
  tenants: number;
  dataKeys: { created: number; rewrapped: number; rotated: number; unchanged: number };
  secrets: { resealed: number; unchanged: number };
  /** Tenants whose rotation was rolled back (nothing of theirs changed), with the reason. */
  failed: { tenantId: string; code: string; message: string }[];
  /**
   * Across every tenant after this rotation: data keys wrapped under another master key, and stored secrets that
   * are v1 or carry a data key wrapped under another master key. Both 0: the previous keys can be removed.
   */
  remaining: { dataKeys: number; secrets: number };
}

const SECRET_FIELDS = ['password', 'privateKey', 'accountToken'] as const satisfies readonly (keyof DirectorySecrets)[];

type Counts = Pick<KeyRotationReport, 'dataKeys' | 'secrets'>;
const zero = (): Counts => ({ dataKeys: { created: 0, rewrapped: 0, rotated: 0, unchanged: 0 }, secrets: { resealed: 0, unchanged: 0 } });

/**
 * R-SEC-01 master-key rotation, without downtime: every tenant's data key is re-wrapped under the current master
 * key (or, asked to, replaced by a new one), and every stored secret of the tenant is re-sealed so it carries that
 * wrapping — v1 secrets become v2 here. One transaction per tenant, holding its key row and its directories, so a
 * secret being saved meanwhile waits and is sealed with the new wrapping. Idempotent: a second run changes nothing
 * and says so. Secrets are opened in memory only; nothing secret is logged or returned.
 */
@Injectable()
export class RotateKeysUseCase {
  private readonly logger = new Logger(RotateKeysUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly dataKeys: TenantDataKeys,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  async execute(cmd: RotateKeysCommand): Promise<KeyRotationReport> {
    const tenantIds = await this.tenantsOf(cmd.tenantIds);
    const total = zero();
    const failed: KeyRotationReport['failed'] = [];
    for (const tenantId of tenantIds) {
      try {
        const counts = await this.rotateTenant(tenantId, cmd.rotateDataKeys);
        for (const k of Object.keys(total.dataKeys) as (keyof Counts['dataKeys'])[]) total.dataKeys[k] += counts.dataKeys[k];
        for (const k of Object.keys(total.secrets) as (keyof Counts['secrets'])[]) total.secrets[k] += counts.secrets[k];
      } catch (e) {
        // A secret or data key no held master key opens: this tenant stays as it was; the others go on.
        if (!(e instanceof SecretBoxError)) throw e;
        failed.push({ tenantId, code: e.code, message: e.message });
      }
    }
    const report: KeyRotationReport = {
      masterKeyId: this.box.masterKeyId,
      previousMasterKeyIds: this.box.keys.previousIds,
      tenants: tenantIds.length,
      ...total,
      failed,
      remaining: await this.remaining(),
    };
    this.logger.log({ ...report, failed: failed.map((f) => ({ tenantId: f.tenantId, code: f.code })) }, 'master key rotation finished');
    return report;
  }

  private async tenantsOf(only: string[] | undefined): Promise<string[]> {
    const em = this.orm.em.fork();
    const rows = await sql<{ id: string }>(
      em,
      `select id from ${qualified(em, 'tenants')}${only ? ' where id = any(?::uuid[])' : ''} order by id`,
      only ? [only] : [],
    );
    const found = rows.map((r) => r.id);
    const missing = (only ?? []).filter((id) => !found.includes(id));
    if (missing.length > 0) {
      throw new DirectoryConfigException(DirectoryConfigExceptionCode.TENANT_NOT_FOUND, `tenant ${missing.join(', ')} does not exist`);
    }
    return found;
  }

  private async rotateTenant(tenantId: string, rotateDataKey: boolean): Promise<Counts> {
    const counts = zero();
    const hasSecrets = await this.hasSecrets(tenantId);
    await this.orm.em.fork().transactional(async (em) => {
      // Lock order as everywhere: the key row first, then the directories.
      const wrapped = await this.dataKeys.lockForRotation(em, tenantId);
      let dataKey: DataKey;
      if (!wrapped) {
        // No data key yet: only a tenant with v1 secrets (sealed before envelope encryption) needs one now.
        if (!hasSecrets) return;
        dataKey = await this.dataKeys.forSealing(em, tenantId);
        counts.dataKeys.created++;
      } else {
        const current = this.box.unwrapDataKey(tenantId, wrapped);
        if (rotateDataKey) {
          dataKey = this.box.newDataKey(tenantId);
          await this.dataKeys.write(em, dataKey, 'rotated');
          counts.dataKeys.rotated++;
        } else if (wrapped.kid !== this.box.masterKeyId) {
          dataKey = this.box.rewrap(current);
          await this.dataKeys.write(em, dataKey, 'rewrapped');
          counts.dataKeys.rewrapped++;
        } else {
          dataKey = current;
          counts.dataKeys.unchanged++;
        }
      }
      const directories = await em.find(DirectoryEntity, { tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
      for (const directory of directories) {
        const owner = directorySecretOwner(tenantId, directory.id);
        const secrets: DirectorySecrets = { ...directory.secrets };
        let changed = false;
        for (const field of SECRET_FIELDS) {
          const sealed: SealedSecret | undefined = secrets[field];
          if (!sealed) continue;
          if (this.box.isCurrent(sealed, dataKey)) {
            counts.secrets.unchanged++;
            continue;
          }
          secrets[field] = this.box.seal(this.box.open(sealed, owner), owner, dataKey);
          counts.secrets.resealed++;
          changed = true;
        }
        // A new object: the JSON column is compared by value at flush. updatedAt stays: no setting changed.
        if (changed) directory.secrets = secrets;
      }
    });
    return counts;
  }

  private async hasSecrets(tenantId: string): Promise<boolean> {
    const em = this.orm.em.fork();
    const [row] = await sql<{ any: boolean }>(em, `select exists (select 1 from ${qualified(em, 'directories')} where tenant_id = ? and secrets <> '{}'::jsonb) as any`, [
      tenantId,
    ]);
    return Boolean(row?.any);
  }

  private async remaining(): Promise<KeyRotationReport['remaining']> {
    const em = this.orm.em.fork();
    const kid = this.box.masterKeyId;
    const [keys] = await sql<{ n: number }>(em, `select count(*)::int as n from ${qualified(em, 'tenant_data_keys')} where master_key_id <> ?`, [kid]);
    const [secrets] = await sql<{ n: number }>(
      em,
      `select count(*)::int as n from ${qualified(em, 'directories')} d cross join lateral jsonb_each(d.secrets) s(field, sealed)
        where s.sealed ->> 'v' is distinct from '2' or s.sealed -> 'dek' ->> 'kid' is distinct from ?`,
      [kid],
    );
    return { dataKeys: keys?.n ?? 0, secrets: secrets?.n ?? 0 };
  }
}
