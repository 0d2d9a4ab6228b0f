import { EntitySchema } from '@mikro-orm/core';

/**
 * R-API-08: a source group (TEAM, DEPARTMENT, COST_CENTER, BUSINESS_UNIT, GROUP) owned by the API directory that
 * synchronizes it, keyed by (tenant, directory, external id). A table apart from `teams` (which are name-keyed per
 * tenant, R-CSV-05), so a CSV team and an API group of the same name never collide. Set-based SQL writes
 * (groups/groups.repository.ts).
 */
export interface DirectoryGroupRow {
  id: string;
  tenantId: string;
  sourceDirectoryId: string;
  /** groupKeyOf: the source's group id, or `<TYPE>:<name key>` when the source gives none. */
  externalId: string;
  name: string;
  type: string;
  createdAt: Date;
  updatedAt: Date;
}

export const DirectoryGroupEntity = new EntitySchema<DirectoryGroupRow>({
  name: 'DirectoryGroup',
  tableName: 'directory_groups',
  uniques: [{ name: 'directory_groups_tenant_directory_external_unique', properties: ['tenantId', 'sourceDirectoryId', 'externalId'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    sourceDirectoryId: { type: 'uuid' },
    externalId: { type: 'text' },
    name: { type: 'text' },
    type: { type: 'text' },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    updatedAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

/** A user's membership of a directory group; owned by the group's directory (memberships follow its source). */
export interface GroupMembershipRow {
  groupId: string;
  userId: string;
  tenantId: string;
  createdAt: Date;
}

export const GroupMembershipEntity = new EntitySchema<GroupMembershipRow>({
  name: 'GroupMembership',
  tableName: 'group_memberships',
  indexes: [{ properties: ['tenantId', 'userId'] }],
  properties: {
    groupId: { type: 'uuid', primary: true },
    userId: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
