import { EntitySchema } from '@mikro-orm/core';

export interface Tenant {
  id: string;
  name: string;
  /** R-TEN-02: the tenant owner, default owner of teams created without one. */
  ownerEmail: string | null;
  createdAt: Date;
}

export const TenantEntity = new EntitySchema<Tenant>({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    ownerEmail: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
