import { EntitySchema } from '@mikro-orm/core';

/**
 * A team (R-CSV-03). Unique per tenant by `name_key` = teamNameKey(name) (trimmed, lower-case): names match
 * case-insensitively, as emails do. Writes go through set-based SQL (teams.repository.ts).
 */
export interface TeamRow {
  id: string;
  tenantId: string;
  name: string;
  nameKey: string;
  /** R-TEN-02: the owner's email as the file or the default (tenant owner) named them. */
  ownerEmail: string | null;
  /** The owner's user id, once a user with ownerEmail exists (resolved at the end of each run). */
  ownerUserId: string | null;
  parentTeamId: string | null;
  type: string | null;
  description: string | null;
  sourceDirectoryId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const TeamEntity = new EntitySchema<TeamRow>({
  name: 'Team',
  tableName: 'teams',
  uniques: [{ name: 'teams_tenant_name_key_unique', properties: ['tenantId', 'nameKey'] }],
  indexes: [{ properties: ['tenantId', 'parentTeamId'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    name: { type: 'text' },
    nameKey: { type: 'text' },
    ownerEmail: { type: 'text', nullable: true },
    ownerUserId: { type: 'uuid', nullable: true },
    parentTeamId: { type: 'uuid', nullable: true },
    type: { type: 'text', nullable: true },
    description: { type: 'text', nullable: true },
    sourceDirectoryId: { type: 'uuid', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    updatedAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

/** A user's membership of a team through one directory (R-CSV-09: the directory owns it). */
export interface TeamMembershipRow {
  teamId: string;
  userId: string;
  sourceDirectoryId: string;
  tenantId: string;
  createdAt: Date;
}

export const TeamMembershipEntity = new EntitySchema<TeamMembershipRow>({
  name: 'TeamMembership',
  tableName: 'team_memberships',
  indexes: [{ properties: ['tenantId', 'userId', 'sourceDirectoryId'] }],
  properties: {
    teamId: { type: 'uuid', primary: true },
    userId: { type: 'uuid', primary: true },
    sourceDirectoryId: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

/** R-CSV-04: a tenant's custom field, typed from the column's values in the run that created it. */
export interface CustomFieldDefinitionRow {
  tenantId: string;
  label: string;
  type: 'text' | 'date' | 'boolean' | 'number';
  createdByRunId: string | null;
  createdAt: Date;
}

export const CustomFieldDefinitionEntity = new EntitySchema<CustomFieldDefinitionRow>({
  name: 'CustomFieldDefinition',
  tableName: 'custom_field_definitions',
  properties: {
    tenantId: { type: 'uuid', primary: true },
    label: { type: 'text', primary: true },
    type: { type: 'text' },
    createdByRunId: { type: 'uuid', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
