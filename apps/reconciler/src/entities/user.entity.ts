import { EntitySchema } from '@mikro-orm/core';

/** A directory user. Columns mirror `StoredUser` of libs/reconciliation; writes go through set-based SQL. */
export interface UserRow {
  id: string;
  tenantId: string;
  email: string;
  status: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  jobTitle: string | null;
  department: string | null;
  location: string | null;
  employeeId: string | null;
  startDate: string | null;
  isOrgAdmin: boolean;
  customFields: Record<string, string>;
  sourceDirectoryId: string | null;
  externalId: string | null;
  deactivateAt: Date | null;
  managerId: string | null;
  contentHash: string;
  /** R-API-04: the owning API directory's username attribute value, when that is not the work email. */
  username: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const UserEntity = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  uniques: [{ name: 'users_tenant_email_unique', properties: ['tenantId', 'email'] }],
  indexes: [{ properties: ['tenantId', 'managerId'] }, { properties: ['tenantId', 'sourceDirectoryId', 'externalId'] }, { properties: ['tenantId', 'username'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    email: { type: 'text' },
    status: { type: 'text' },
    firstName: { type: 'text', nullable: true },
    lastName: { type: 'text', nullable: true },
    displayName: { type: 'text', nullable: true },
    jobTitle: { type: 'text', nullable: true },
    department: { type: 'text', nullable: true },
    location: { type: 'text', nullable: true },
    employeeId: { type: 'text', nullable: true },
    startDate: { type: 'text', nullable: true },
    isOrgAdmin: { type: 'boolean', default: false },
    customFields: { type: 'json' },
    sourceDirectoryId: { type: 'uuid', nullable: true },
    externalId: { type: 'text', nullable: true },
    deactivateAt: { type: 'datetime', nullable: true },
    managerId: { type: 'uuid', nullable: true },
    contentHash: { type: 'text' },
    username: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    updatedAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
