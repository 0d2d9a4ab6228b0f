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
  /** R-EVT-02: per field, the ROSTER_INBOUND stream sequence of the event that last set it (event directories). */
  fieldSequences: Record<string, number>;
  /**
   * Issue 4: md5 of (the last record found to leave this user as it is, the run's context, `contentHash`), set only
   * when re-applying that record changed nothing; a later run skips matching and planning an identical record
   * against identical content (`apply-user-batches.ts`). Null: no such record known.
   */
  sourceDigest: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The search key of a person's name: `lower(first_name || ' ' || last_name)`, blanks for nulls, so "ada lo" and
 * "ada" both find Ada Lovelace. The query (users-queries.usecase.ts) writes the expression the index is on.
 */
export const FULL_NAME_KEY = (alias?: string) => {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  return `lower(coalesce(${column('first_name')}, '') || ' ' || coalesce(${column('last_name')}, ''))`;
};

/**
 * Issue 9: the admin API's user search is a case-insensitive prefix on the email (stored lower-case), the full
 * name, the last name and the display name. `text_pattern_ops` lets `like 'abc%'` use a btree whatever the
 * database's collation; (tenant, email) keeps the keyset paging in the unique index.
 */
const searchIndex = (name: string, expression: string) => ({
  name,
  expression: (table: { toString(): string }) => `create index "${name}" on ${String(table)} ("tenant_id", ${expression} text_pattern_ops)`,
});
const USER_SEARCH_INDEXES = [
  searchIndex('users_search_email', 'email'),
  searchIndex('users_search_full_name', `(${FULL_NAME_KEY()})`),
  searchIndex('users_search_last_name', '(lower(last_name))'),
  searchIndex('users_search_display_name', '(lower(display_name))'),
];

export const UserEntity = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  uniques: [{ name: 'users_tenant_email_unique', properties: ['tenantId', 'email'] }],
  indexes: [{ properties: ['tenantId', 'managerId'] }, { properties: ['tenantId', 'sourceDirectoryId', 'externalId'] }, { properties: ['tenantId', 'username'] }, ...USER_SEARCH_INDEXES],
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
    fieldSequences: { type: 'json', defaultRaw: `'{}'` },
    sourceDigest: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    updatedAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
