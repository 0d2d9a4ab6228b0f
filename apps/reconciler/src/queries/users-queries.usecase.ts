import { Injectable } from '@nestjs/common';
import { type EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  MANAGER_CHAIN_MAX_DEPTH,
  type DirectoryUserStatus,
  type UserProfileReplyV1,
  type UserProfileRequestV1,
  type UserProfileV1,
  type UserRefV1,
  type UsersSearchReplyV1,
  type UsersSearchRequestV1,
  teamNameKey,
} from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import { FULL_NAME_KEY } from '../entities/user.entity';

const FULL_NAME = FULL_NAME_KEY('u');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `%`, `_` and `\` are LIKE's own: a search for `a_b` finds `a_b`, not `axb`. */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface SummaryDbRow {
  id: string;
  email: string;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  status: DirectoryUserStatus;
  job_title: string | null;
  department: string | null;
  source_directory_id: string | null;
  manager_id: string | null;
}

interface ProfileDbRow extends SummaryDbRow {
  external_id: string | null;
  location: string | null;
  employee_id: string | null;
  start_date: string | null;
  is_org_admin: boolean;
  deactivate_at: Date | string | null;
  custom_fields: Record<string, string> | null;
  created_at: Date | string;
  updated_at: Date | string;
}

interface ChainDbRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  status: DirectoryUserStatus;
  job_title: string | null;
  manager_id: string | null;
}

/**
 * Issue 9: the admin API's reads of users (request/reply from directory-config). Every statement is scoped to the
 * tenant. The list is keyset-paged by email (unique per tenant, stored lower-case), so a page is an index range
 * and stays stable while users are added elsewhere; the search is a case-insensitive prefix on indexed
 * expressions (see the users entity), so 100k users answer in milliseconds.
 */
@Injectable()
export class UsersQueriesUseCase {
  constructor(private readonly orm: MikroORM) {}

  async search(q: UsersSearchRequestV1): Promise<UsersSearchReplyV1> {
    const em = this.orm.em.fork();
    const { text, params } = searchStatement(em, q);
    const rows = await sql<SummaryDbRow & { teams: string[] }>(em, text, params);
    const page = rows.slice(0, q.limit);
    return {
      users: page.map((r) => ({ ...summaryOf(r), teams: r.teams ?? [] })),
      nextAfter: rows.length > q.limit ? (page[page.length - 1]?.email ?? null) : null,
    };
  }

  async profile(q: UserProfileRequestV1): Promise<UserProfileReplyV1> {
    const em = this.orm.em.fork();
    const [row] = await sql<ProfileDbRow>(em, `select * from ${qualified(em, 'users')} where tenant_id = ? and id = ?`, [q.tenantId, q.userId]);
    if (!row) return {};
    const [teams, groups, chain, reports] = await Promise.all([
      sql<{ id: string; name: string; source_directory_id: string }>(em,
        `select t.id, t.name, m.source_directory_id from ${qualified(em, 'team_memberships')} m
           join ${qualified(em, 'teams')} t on t.id = m.team_id and t.tenant_id = m.tenant_id
          where m.tenant_id = ? and m.user_id = ? order by t.name, m.source_directory_id`,
        [q.tenantId, q.userId],
      ),
      sql<{ id: string; name: string; type: string; source_directory_id: string }>(em,
        `select g.id, g.name, g.type, g.source_directory_id from ${qualified(em, 'group_memberships')} m
           join ${qualified(em, 'directory_groups')} g on g.id = m.group_id and g.tenant_id = m.tenant_id
          where m.tenant_id = ? and m.user_id = ? order by g.type, g.name`,
        [q.tenantId, q.userId],
      ),
      this.managerChain(em, q.tenantId, row),
      sql<{ n: number }>(em, `select count(*)::int as n from ${qualified(em, 'users')} where tenant_id = ? and manager_id = ?`, [q.tenantId, q.userId]),
    ]);
    const user: UserProfileV1 = {
      ...summaryOf(row),
      externalId: row.external_id,
      location: row.location,
      employeeId: row.employee_id,
      startDate: row.start_date,
      isOrgAdmin: row.is_org_admin,
      deactivateAt: row.deactivate_at === null ? null : new Date(row.deactivate_at).toISOString(),
      customFields: row.custom_fields ?? {},
      teams: teams.map((t) => ({ teamId: t.id, name: t.name, sourceDirectoryId: t.source_directory_id })),
      groups: groups.map((g) => ({ groupId: g.id, name: g.name, type: g.type, sourceDirectoryId: g.source_directory_id })),
      managerChain: chain.managers,
      managerChainEnd: chain.end,
      directReports: reports[0]?.n ?? 0,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
    return { user };
  }

  /**
   * The manager, their manager, … nearest first. One recursive statement that never revisits a user (the path
   * is carried along) and stops at MANAGER_CHAIN_MAX_DEPTH: the reconciler refuses manager loops, but data written
   * otherwise (or by an older version) must not hang the query.
   */
  private async managerChain(em: EntityManager, tenantId: string, user: ProfileDbRow): Promise<{ managers: UserRefV1[]; end: UserProfileV1['managerChainEnd'] }> {
    if (user.manager_id === null) return { managers: [], end: 'top' };
    if (user.manager_id === user.id) return { managers: [], end: 'loop' };
    const users = qualified(em, 'users');
    const rows = await sql<ChainDbRow & { depth: number }>(em,
      `with recursive chain as (
         select m.id, m.email, m.first_name, m.last_name, m.display_name, m.status, m.job_title, m.manager_id, 1 as depth,
                array[?::uuid, m.id] as path
           from ${users} m where m.tenant_id = ? and m.id = ?
         union all
         select m.id, m.email, m.first_name, m.last_name, m.display_name, m.status, m.job_title, m.manager_id, c.depth + 1,
                c.path || m.id
           from chain c join ${users} m on m.tenant_id = ? and m.id = c.manager_id
          where c.depth < ? and m.id <> all(c.path)
       )
       select id, email, first_name, last_name, display_name, status, job_title, manager_id, depth from chain order by depth`,
      [user.id, tenantId, user.manager_id, tenantId, MANAGER_CHAIN_MAX_DEPTH],
    );
    const managers = rows.map((r) => ({
      userId: r.id,
      email: r.email,
      firstName: r.first_name,
      lastName: r.last_name,
      displayName: r.display_name,
      status: r.status,
      jobTitle: r.job_title,
    }));
    const last = rows[rows.length - 1];
    if (!last) return { managers, end: 'missing' };
    if (last.manager_id === null) return { managers, end: 'top' };
    if (last.manager_id === user.id || rows.some((r) => r.id === last.manager_id)) return { managers, end: 'loop' };
    if (rows.length >= MANAGER_CHAIN_MAX_DEPTH) return { managers, end: 'depth-limit' };
    return { managers, end: 'missing' };
  }
}

function summaryOf(r: SummaryDbRow) {
  return {
    userId: r.id,
    email: r.email,
    username: r.username,
    firstName: r.first_name,
    lastName: r.last_name,
    displayName: r.display_name,
    status: r.status,
    jobTitle: r.job_title,
    department: r.department,
    sourceDirectoryId: r.source_directory_id,
    managerId: r.manager_id,
  };
}

/**
 * The search as one statement (exported for the plan checks of the integration test): the tenant's users in email
 * order after the cursor, limit + 1 rows (the extra one says whether there is a next page).
 */
export function searchStatement(em: EntityManager, q: UsersSearchRequestV1): { text: string; params: unknown[] } {
  const teams = qualified(em, 'teams');
  const memberships = qualified(em, 'team_memberships');
  const where: string[] = ['u.tenant_id = ?'];
  const params: unknown[] = [q.tenantId];
  const text = q.q?.trim().toLowerCase();
  if (text) {
    const prefix = likePrefix(text);
    // Each arm is one prefix index of the users entity (USER_SEARCH_INDEXES): a BitmapOr of index ranges, never a
    // scan of the tenant. "first last" also finds a first name alone.
    where.push(`(u.email like ? or ${FULL_NAME} like ? or lower(u.last_name) like ? or lower(u.display_name) like ?)`);
    params.push(prefix, prefix, prefix, prefix);
  }
  if (q.directoryId) {
    where.push('u.source_directory_id = ?');
    params.push(q.directoryId);
  }
  if (q.status) {
    where.push('u.status = ?');
    params.push(q.status);
  }
  if (q.managerId) {
    where.push('u.manager_id = ?');
    params.push(q.managerId);
  }
  if (q.team) {
    const byId = UUID.test(q.team.trim());
    where.push(
      `exists (select 1 from ${memberships} m join ${teams} t on t.id = m.team_id and t.tenant_id = m.tenant_id
                where m.tenant_id = u.tenant_id and m.user_id = u.id and ${byId ? 't.id = ?' : 't.name_key = ?'})`,
    );
    params.push(byId ? q.team.trim() : teamNameKey(q.team));
  }
  if (q.after) {
    where.push('u.email > ?');
    params.push(q.after);
  }
  return {
    text: `select u.id, u.email, u.username, u.first_name, u.last_name, u.display_name, u.status, u.job_title, u.department,
                  u.source_directory_id, u.manager_id,
                  array(select distinct t.name from ${memberships} m join ${teams} t on t.id = m.team_id
                         where m.tenant_id = u.tenant_id and m.user_id = u.id order by t.name) as teams
             from ${qualified(em, 'users')} u
            where ${where.join(' and ')}
            order by u.email
            limit ?`,
    params: [...params, q.limit + 1],
  };
}
