import { EntitySchema } from '@mikro-orm/core';

/**
 * R-SEC-01: a tenant's data key (DEK), stored only wrapped (AES-256-GCM) under a master key. The secrets of the
 * tenant's directories are sealed with it; each sealed secret carries a copy of this wrapping, so the sources
 * never read this table.
 */
export interface TenantDataKey {
  tenantId: string;
  /** The id (fingerprint) of the master key the data key is wrapped under. */
  masterKeyId: string;
  iv: string;
  tag: string;
  /** The data key, encrypted under the master key (base64). */
  wrappedKey: string;
  createdAt: Date;
  /** When the data key itself was last replaced by a rotation; null while it is the tenant's first. */
  rotatedAt: Date | null;
  /** When it was last wrapped (created, re-wrapped under a new master key, or rotated). */
  wrappedAt: Date;
}

export const TenantDataKeyEntity = new EntitySchema<TenantDataKey>({
  name: 'TenantDataKey',
  tableName: 'tenant_data_keys',
  properties: {
    tenantId: { type: 'uuid', primary: true },
    masterKeyId: { type: 'text', index: true },
    iv: { type: 'text' },
    tag: { type: 'text' },
    wrappedKey: { type: 'text' },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    rotatedAt: { type: 'datetime', nullable: true },
    wrappedAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
