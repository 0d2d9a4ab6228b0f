import { EntitySchema } from '@mikro-orm/core';

export const API_KEY_ROLES = ['operator', 'tenant-admin', 'read-only'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/**
 * R-SEC-02: an admin API key. Only the SHA-256 of the key is stored (the key is 32 random bytes, so a fast hash
 * is enough: nothing to brute-force); `prefix` names the key in lists and logs without revealing it.
 */
export interface ApiKey {
  id: string;
  name: string;
  role: ApiKeyRole;
  /** The one tenant a tenant-admin or read-only key may touch; null for operators. */
  tenantId: string | null;
  keyHash: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export const ApiKeyEntity = new EntitySchema<ApiKey>({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    role: { type: 'text' },
    tenantId: { type: 'uuid', nullable: true, index: true },
    keyHash: { type: 'text', unique: true },
    prefix: { type: 'text' },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    revokedAt: { type: 'datetime', nullable: true },
  },
});
