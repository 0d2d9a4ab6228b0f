import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DirectoryUser } from '@roster/contracts';
import { type ArrayColumn, columnsOf, jsonObjectSql, qualified, sql } from '@roster/persistence';
import type { NewUser, StoredUser } from '@roster/reconciliation';

/** The users columns a run writes, as arrays (`columnsOf`): every one but the manager link and the timestamps. */
function userColumns(tenantId: string): ArrayColumn<StoredUser>[] {
  const text = (name: string, value: (u: StoredUser) => string | null) => ({ name, type: 'text', value });
  return [
    { name: 'id', type: 'uuid', value: (u) => u.id },
    { name: 'tenant_id', type: 'uuid', value: () => tenantId },
    text('email', (u) => u.email),
    text('status', (u) => u.status),
    text('first_name', (u) => u.firstName),
    text('last_name', (u) => u.lastName),
    text('display_name', (u) => u.displayName),
    text('job_title', (u) => u.jobTitle),
    text('department', (u) => u.department),
    text('location', (u) => u.location),
    text('employee_id', (u) => u.employeeId),
    text('start_date', (u) => u.startDate),
    { name: 'is_org_admin', type: 'boolean', value: (u) => u.isOrgAdmin },
    { name: 'custom_fields', type: 'jsonb', value: (u) => JSON.stringify(u.customFields) },
    { name: 'source_directory_id', type: 'uuid', value: (u) => u.sourceDirectoryId },
    text('external_id', (u) => u.externalId),
    { name: 'deactivate_at', type: 'timestamptz', value: (u) => u.deactivateAt },
    text('content_hash', (u) => u.contentHash),
    text('username', (u) => u.username),
    { name: 'field_sequences', type: 'jsonb', value: (u) => JSON.stringify(u.fieldSequences ?? {}) },
  ];
}
const CHUNK = 1000;

export interface UserDbRow {
  id: string;
  email: string;
  status: string;
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  job_title: string | null;
  department: string | null;
  location: string | null;
  employee_id: string | null;
  start_date: string | null;
  is_org_admin: boolean;
  custom_fields: Record<string, string>;
  source_directory_id: string | null;
  external_id: string | null;
  deactivate_at: Date | string | null;
  content_hash: string;
  username: string | null;
  field_sequences: Record<string, number> | null;
  source_digest?: string | null;
  manager_email: string | null;
  manager_id: string | null;
}

export function toStored(r: UserDbRow): StoredUser & { managerId: string | null; sourceDigest: string | null } {
  return {
    id: r.id,
    email: r.email,
    status: r.status as StoredUser['status'],
    firstName: r.first_name,
    lastName: r.last_name,
    displayName: r.display_name,
    jobTitle: r.job_title,
    department: r.department,
    location: r.location,
    employeeId: r.employee_id,
    startDate: r.start_date,
    isOrgAdmin: r.is_org_admin,
    customFields: r.custom_fields ?? {},
    sourceDirectoryId: r.source_directory_id,
    externalId: r.external_id,
    deactivateAt: r.deactivate_at === null ? null : new Date(r.deactivate_at).toISOString(),
    username: r.username ?? null,
    contentHash: r.content_hash,
    fieldSequences: r.field_sequences ?? {},
    managerEmail: r.manager_email,
    managerId: r.manager_id,
    sourceDigest: r.source_digest ?? null,
  };
}

export function toDirectoryUser(u: StoredUser, managerUserId: string | null): DirectoryUser {
  return {
    userId: u.id,
    email: u.email,
    ...(u.username === null ? {} : { username: u.username }),
    firstName: u.firstName,
    lastName: u.lastName,
    displayName: u.displayName,
    managerUserId,
    status: u.status,
    isOrgAdmin: u.isOrgAdmin,
    sourceDirectoryId: u.sourceDirectoryId,
    profile: Object.fromEntries(
      (['jobTitle', 'department', 'location', 'employeeId', 'startDate'] as const)
        .filter((k) => u[k] !== null)
        .map((k) => [k, u[k] as string]),
    ),
    customFields: u.customFields,
  };
}

/**
 * `toDirectoryUser` of the users row `alias` (its own `manager_id` as the manager), as JSON text PostgreSQL writes:
 * the same members in the same order, for events built without the row leaving the database
 * (`announceCreated`). A change to one of the two is a change to both; `announce-users.integration-spec.ts`
 * compares them on rows of every shape.
 */
export function directoryUserJsonSql(alias: string): string {
  const profile = jsonObjectSql(
    (
      [
        ['jobTitle', 'job_title'],
        ['department', 'department'],
        ['location', 'location'],
        ['employeeId', 'employee_id'],
        ['startDate', 'start_date'],
      ] as const
    ).map(([key, column]) => ({ key, expr: `${alias}.${column}`, omitNull: true })),
  );
  return jsonObjectSql([
    { key: 'userId', expr: `${alias}.id` },
    { key: 'email', expr: `${alias}.email` },
    { key: 'username', expr: `${alias}.username`, omitNull: true },
    { key: 'firstName', expr: `${alias}.first_name` },
    { key: 'lastName', expr: `${alias}.last_name` },
    { key: 'displayName', expr: `${alias}.display_name` },
    { key: 'managerUserId', expr: `${alias}.manager_id` },
    { key: 'status', expr: `${alias}.status` },
    { key: 'isOrgAdmin', expr: `${alias}.is_org_admin` },
    { key: 'sourceDirectoryId', expr: `${alias}.source_directory_id` },
    { key: 'profile', expr: profile, json: true },
    { key: 'customFields', expr: `coalesce(${alias}.custom_fields, '{}'::jsonb)`, json: true },
  ]);
}

/**
 * The tenant's users (and their manager's email) with any of an array of keys — parameters: the keys, the tenant,
 * and the directory when `byDirectory`. The keys are one array, each looked up on its own: PostgreSQL probes the index
 * once per key. With `in (…1000 values)` it chose a (parallel) scan of the whole tenant for every batch — 3× slower at
 * 100k users, and growing with the table (seen as the top statement of the bench's unchanged re-sync). As a plain join
 * it still chose, by external id, to hash every user of the tenant's directory for each chunk once the tenant had some
 * thousands (18 ms a chunk of 500 at 25k users, against 3 ms probed; the inbound burst beside a 100k tenant spent
 * 5.2 s matching instead of 1.6): the lateral subquery (`offset 0` keeps it from being flattened into a join) leaves
 * it a probe per key whatever the statistics say.
 */
export function usersByKeySql(table: string, column: 'email' | 'id' | 'external_id' | 'username', byDirectory: boolean): string {
  return `select u.*, m.email as manager_email
            from unnest(?::${column === 'id' ? 'uuid' : 'text'}[]) as k(key)
            cross join lateral (
              select * from ${table} u
               where u.tenant_id = ? and u.${column} = k.key${byDirectory ? ' and u.source_directory_id = ?' : ''}
              offset 0) u
            left join ${table} m on m.id = u.manager_id`;
}

/** Set-based access to a tenant's users: one query per chunk of keys, multi-row writes, never a query per row. */
export class UsersRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
  ) {}

  private get table() {
    return qualified(this.em, 'users');
  }

  findByEmails(emails: readonly string[]): Promise<Map<string, StoredUser & { managerId: string | null; sourceDigest: string | null }>> {
    return this.findBy('email', emails);
  }

  /**
   * Issue 4: which of these (normalised) emails are a user's, and whether that user's stored source digest is the
   * digest of the record given with the email against the user's content as it is now (`sourceDigestOf`; a null
   * digest is never). Two short columns per user, not the row and its manager: the users found `known` need no
   * more reading, those not found are new, and only the rest are read in full (`findByEmails`).
   */
  async probeByEmail(records: readonly { email: string; digest: string | null }[]): Promise<Map<string, { id: string; known: boolean }>> {
    const found = new Map<string, { id: string; known: boolean }>();
    for (let i = 0; i < records.length; i += CHUNK) {
      const chunk = records.slice(i, i + CHUNK);
      const rows = await sql<{ email: string; id: string; known: boolean }>(this.em,
        `select u.email, u.id, coalesce(u.source_digest = md5(k.digest || u.content_hash), false) as known
           from unnest(?::text[], ?::text[]) as k(email, digest)
           join ${this.table} u on u.tenant_id = ? and u.email = k.email`,
        [chunk.map((r) => r.email), chunk.map((r) => r.digest), this.tenantId],
      );
      for (const r of rows) found.set(r.email, { id: r.id, known: r.known });
    }
    return found;
  }

  /** Issue 4: source digests of users a run left unchanged; `updated_at` stays (the user did not change). */
  async setSourceDigests(users: readonly { id: string; digest: string }[]): Promise<void> {
    for (let i = 0; i < users.length; i += CHUNK) {
      const chunk = users.slice(i, i + CHUNK);
      await sql(this.em,
        `update ${this.table} u set source_digest = v.digest from unnest(?::uuid[], ?::text[]) as v(id, digest) where u.tenant_id = ? and u.id = v.id`,
        [chunk.map((u) => u.id), chunk.map((u) => u.digest), this.tenantId],
      );
    }
  }

  /** Users by id, keyed by email (ids not found are left out). */
  findByIds(ids: readonly string[]): Promise<Map<string, StoredUser & { managerId: string | null }>> {
    return this.findBy('id', ids);
  }

  /** R-API-04: the directory's users linked to these external ids, keyed by external id. */
  async findByExternalIds(directoryId: string, externalIds: readonly string[]): Promise<Map<string, StoredUser & { managerId: string | null }>> {
    const byEmail = await this.findBy('external_id', externalIds, directoryId);
    return new Map([...byEmail.values()].map((u) => [u.externalId as string, u]));
  }

  /**
   * R-API-04: the tenant's users with these usernames, keyed by username. An anonymized user is left out: it is
   * never matched again (R-API-07), and the person it was becomes a new user with the username.
   */
  async findByUsernames(usernames: readonly string[]): Promise<Map<string, StoredUser & { managerId: string | null }>> {
    const byEmail = await this.findBy('username', usernames);
    return new Map([...byEmail.values()].filter((u) => u.status !== 'anonymized').map((u) => [u.username as string, u]));
  }

  private async findBy(
    column: 'email' | 'id' | 'external_id' | 'username',
    keys: readonly string[],
    directoryId?: string,
  ): Promise<Map<string, StoredUser & { managerId: string | null; sourceDigest: string | null }>> {
    const found = new Map<string, StoredUser & { managerId: string | null; sourceDigest: string | null }>();
    for (let i = 0; i < keys.length; i += CHUNK) {
      const chunk = keys.slice(i, i + CHUNK);
      const rows = await sql<UserDbRow>(this.em, usersByKeySql(this.table, column, directoryId !== undefined), [
        chunk,
        this.tenantId,
        ...(directoryId === undefined ? [] : [directoryId]),
      ]);
      for (const r of rows) found.set(r.email, toStored(r));
    }
    return found;
  }

  /**
   * Inserts new users and rewrites changed ones (by id, so an email change of a user matched by external id is an
   * update, R-API-04) in multi-row statements; an email another user has still fails on (tenant, email).
   * `managerIds` (user id → manager id) links new users as they are inserted; a stored user's manager is never
   * written here (the manager phase changes links). `digests` (user id → source digest, issue 4): a user left out
   * gets none, since its content changed from what any earlier digest was of.
   */
  async upsert(users: readonly StoredUser[], managerIds?: ReadonlyMap<string, string>, digests?: ReadonlyMap<string, string>): Promise<void> {
    const columns: ArrayColumn<StoredUser>[] = [
      ...userColumns(this.tenantId),
      { name: 'manager_id', type: 'uuid', value: (u) => managerIds?.get(u.id) ?? null },
      { name: 'source_digest', type: 'text', value: (u) => digests?.get(u.id) ?? null },
    ];
    const names = columns.map((c) => c.name);
    const updatable = names.filter((c) => c !== 'id' && c !== 'tenant_id' && c !== 'manager_id');
    for (let i = 0; i < users.length; i += CHUNK) {
      const { from, params } = columnsOf(users.slice(i, i + CHUNK), columns);
      await sql(this.em,
        `insert into ${this.table} (${names.join(', ')}) select ${names.join(', ')} from ${from}
         on conflict (id) do update set ${updatable.map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = now()`,
        params,
      );
    }
  }

  /**
   * R-EVT-02: users an event record left unchanged now have their fields from that event (so an older event
   * arriving later leaves them alone): their field sequences, as the planner computed them.
   */
  async setFieldSequences(users: readonly { id: string; fieldSequences: Record<string, number> }[]): Promise<void> {
    for (let i = 0; i < users.length; i += CHUNK) {
      const chunk = users.slice(i, i + CHUNK);
      await sql(this.em,
        `update ${this.table} u set field_sequences = v.sequences
           from jsonb_to_recordset(?::jsonb) as v(id uuid, sequences jsonb)
          where u.tenant_id = ? and u.id = v.id`,
        [JSON.stringify(chunk.map((u) => ({ id: u.id, sequences: u.fieldSequences }))), this.tenantId],
      );
    }
  }

  /** Ids of the tenant's users with these emails (lower-cased), keyed by email. */
  async idsByEmails(emails: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < emails.length; i += CHUNK) {
      const rows = await sql<{ id: string; email: string }>(this.em, `select id, email from ${this.table} where tenant_id = ? and email = any(?::text[])`, [
        this.tenantId,
        emails.slice(i, i + CHUNK),
      ]);
      for (const r of rows) found.set(r.email, r.id);
    }
    return found;
  }

  withId(user: NewUser): StoredUser {
    return { ...user, id: randomUUID() };
  }

  /** The manager link of every user of the tenant, by email (for loop detection). */
  async managerMap(): Promise<Map<string, string | null>> {
    const rows = await sql<{ email: string; manager_email: string | null }>(this.em,
      `select u.email, m.email as manager_email from ${this.table} u left join ${this.table} m on m.id = u.manager_id where u.tenant_id = ?`,
      [this.tenantId],
    );
    return new Map(rows.map((r) => [r.email, r.manager_email]));
  }

  /** Sets managers by email pairs in one statement per chunk; returns user id and manager id per email. */
  async setManagers(links: readonly { email: string; managerEmail: string }[]): Promise<Map<string, { id: string; managerId: string }>> {
    const result = new Map<string, { id: string; managerId: string }>();
    for (let i = 0; i < links.length; i += CHUNK) {
      const chunk = links.slice(i, i + CHUNK);
      const rows = await sql<{ id: string; email: string; manager_id: string }>(this.em,
        `update ${this.table} u set manager_id = m.id, updated_at = now()
           from (values ${chunk.map(() => '(?, ?)').join(', ')}) as v(email, manager_email)
           join ${this.table} m on m.tenant_id = ? and m.email = v.manager_email
          where u.tenant_id = ? and u.email = v.email
          returning u.id, u.email, u.manager_id`,
        [...chunk.flatMap((l) => [l.email, l.managerEmail]), this.tenantId, this.tenantId],
      );
      for (const r of rows) result.set(r.email, { id: r.id, managerId: r.manager_id });
    }
    return result;
  }
}
