import { Inject, Injectable } from '@nestjs/common';
import { type EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { WrappedDataKey } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import { type DataKey, SecretBox, SecretBoxError } from '@roster/security';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';

/** The process's SecretBox: the master key ring from ROSTER_SECRETS_KEY and ROSTER_SECRETS_PREVIOUS_KEYS. */
export const SECRET_BOX = Symbol('SECRET_BOX');

interface Row {
  master_key_id: string;
  iv: string;
  tag: string;
  wrapped_key: string;
}

const wrappedOf = (r: Row): WrappedDataKey => ({ kid: r.master_key_id, iv: r.iv, tag: r.tag, data: r.wrapped_key });

/**
 * R-SEC-01: the tenants' data keys in `tenant_data_keys`, wrapped under a master key. Every method runs inside
 * the caller's transaction. Lock order, always: the tenant's key row, then its directories — sealing holds the
 * row FOR SHARE, a rotation FOR UPDATE, so a rotation waits for secrets being sealed and sealing for a rotation.
 */
@Injectable()
export class TenantDataKeys {
  constructor(
    private readonly orm: MikroORM,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  /** The tenant's data key for a secret that is not stored (a connection test), in a transaction of its own. */
  current(tenantId: string): Promise<DataKey> {
    return this.orm.em.fork().transactional((em) => this.forSealing(em, tenantId));
  }

  /** The tenant's data key to seal with, created on first use; the row stays share-locked until the transaction ends. */
  async forSealing(em: EntityManager, tenantId: string): Promise<DataKey> {
    let wrapped = await this.read(em, tenantId, 'share');
    if (!wrapped) {
      // Two first uses at once: one insert wins, the other reads the winner's key.
      await this.write(em, this.box.newDataKey(tenantId), 'created');
      wrapped = await this.read(em, tenantId, 'share');
      if (!wrapped) throw new Error(`the data key of tenant ${tenantId} was not stored`);
    }
    try {
      return this.box.unwrapDataKey(tenantId, wrapped);
    } catch (e) {
      // The operator's configuration, not the caller's request: say which master key is missing (never a key).
      if (e instanceof SecretBoxError) throw new DirectoryConfigException(DirectoryConfigExceptionCode.SECRET_UNAVAILABLE, e.message);
      throw e;
    }
  }

  /** The tenant's wrapped data key, row-locked for a rotation; undefined when the tenant has none yet. */
  lockForRotation(em: EntityManager, tenantId: string): Promise<WrappedDataKey | undefined> {
    return this.read(em, tenantId, 'update');
  }

  /** Stores a new tenant key (`created`; a concurrent first one wins), or replaces its wrapping or the key itself. */
  async write(em: EntityManager, dataKey: DataKey, change: 'created' | 'rewrapped' | 'rotated'): Promise<void> {
    const { kid, iv, tag, data } = dataKey.wrapped;
    const table = qualified(em, 'tenant_data_keys');
    if (change === 'created') {
      await sql(em, `insert into ${table} (tenant_id, master_key_id, iv, tag, wrapped_key, created_at, wrapped_at) values (?, ?, ?, ?, ?, now(), now()) on conflict (tenant_id) do nothing`, [
        dataKey.tenantId,
        kid,
        iv,
        tag,
        data,
      ]);
      return;
    }
    await sql(
      em,
      `update ${table} set master_key_id = ?, iv = ?, tag = ?, wrapped_key = ?, wrapped_at = now()${change === 'rotated' ? ', rotated_at = now()' : ''} where tenant_id = ?`,
      [kid, iv, tag, data, dataKey.tenantId],
    );
  }

  private async read(em: EntityManager, tenantId: string, lock: 'share' | 'update'): Promise<WrappedDataKey | undefined> {
    const [row] = await sql<Row>(em, `select master_key_id, iv, tag, wrapped_key from ${qualified(em, 'tenant_data_keys')} where tenant_id = ? for ${lock}`, [tenantId]);
    return row ? wrappedOf(row) : undefined;
  }
}
