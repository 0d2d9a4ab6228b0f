import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CanonicalGroup, CanonicalGroupType, DirectoryGroup } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import type { StoredGroup } from '@roster/reconciliation';

const CHUNK = 1000;

/** A membership that was added or removed, with what its event needs. */
export interface GroupMemberChange {
  groupId: string;
  groupName: string;
  groupType: CanonicalGroupType;
  sourceDirectoryId: string;
  userId: string;
  email: string;
}

/** A team membership R-API-09 took away, as `membership.removed` announces it. */
export interface TeamMemberRemoval {
  teamId: string;
  teamName: string;
  sourceDirectoryId: string;
  userId: string;
  email: string;
}

interface MemberRow {
  group_id: string;
  name: string;
  type: string;
  source_directory_id: string;
  user_id: string;
  email: string;
}

const toChange = (r: MemberRow): GroupMemberChange => ({
  groupId: r.group_id,
  groupName: r.name,
  groupType: r.type as CanonicalGroupType,
  sourceDirectoryId: r.source_directory_id,
  userId: r.user_id,
  email: r.email,
});

export function toDirectoryGroup(group: StoredGroup, directoryId: string): DirectoryGroup {
  return { groupId: group.id, sourceDirectoryId: directoryId, externalId: group.key, name: group.name, type: group.type };
}

/**
 * Set-based access to one directory's groups (R-API-08) and to the memberships R-API-09 takes away: multi-row
 * statements, the run's synced users read from the `run_synced` temp table by seq range, never a query per row.
 */
export class GroupsRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
    private readonly directoryId: string,
  ) {}

  private t(table: string) {
    return qualified(this.em, table);
  }

  /** The directory's groups by key (groups number in the thousands, not millions). */
  async loadAll(): Promise<Map<string, StoredGroup>> {
    const rows = await sql<{ id: string; external_id: string; name: string; type: string }>(this.em,
      `select id, external_id, name, type from ${this.t('directory_groups')} where tenant_id = ? and source_directory_id = ?`,
      [this.tenantId, this.directoryId],
    );
    return new Map(rows.map((r) => [r.external_id, { id: r.id, key: r.external_id, name: r.name, type: r.type as CanonicalGroupType }]));
  }

  /**
   * Every distinct group the run's staged records carry, in the order first met (so the first spelling of a key
   * wins in planGroups). One statement; Node holds one row per distinct group, not per record.
   */
  async seenInRun(runId: string): Promise<CanonicalGroup[]> {
    const rows = await sql<{ external_id: string | null; name: string; type: string }>(this.em,
      `select external_id, name, type from (
         select distinct on (g.v->>'externalId', g.v->>'name', g.v->>'type')
                g.v->>'externalId' as external_id, g.v->>'name' as name, g.v->>'type' as type, b.batch_no, e.ord, g.ord as gord
           from ${this.t('staged_batches')} b
           cross join lateral jsonb_array_elements(b.employees) with ordinality as e(v, ord)
           cross join lateral jsonb_array_elements(coalesce(e.v->'groups', '[]'::jsonb)) with ordinality as g(v, ord)
          where b.run_id = ? and b.teams is null
          order by g.v->>'externalId', g.v->>'name', g.v->>'type', b.batch_no, e.ord, g.ord) x
        order by batch_no, ord, gord`,
      [runId],
    );
    return rows.map((r) => ({ ...(r.external_id ? { externalId: r.external_id } : {}), name: r.name, type: r.type as CanonicalGroupType }));
  }

  async insert(groups: readonly Omit<StoredGroup, 'id'>[]): Promise<StoredGroup[]> {
    const created = groups.map((g) => ({ ...g, id: randomUUID() }));
    for (let i = 0; i < created.length; i += CHUNK) {
      const chunk = created.slice(i, i + CHUNK);
      await sql(this.em,
        `insert into ${this.t('directory_groups')} (id, tenant_id, source_directory_id, external_id, name, type)
         values ${chunk.map(() => '(?::uuid, ?::uuid, ?::uuid, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((g) => [g.id, this.tenantId, this.directoryId, g.key, g.name, g.type]),
      );
    }
    return created;
  }

  async update(groups: readonly StoredGroup[]): Promise<void> {
    for (let i = 0; i < groups.length; i += CHUNK) {
      const chunk = groups.slice(i, i + CHUNK);
      await sql(this.em,
        `update ${this.t('directory_groups')} g set name = v.name, type = v.type, updated_at = now()
           from (values ${chunk.map(() => '(?::uuid, ?, ?)').join(', ')}) as v(id, name, type)
          where g.tenant_id = ? and g.source_directory_id = ? and g.id = v.id`,
        [...chunk.flatMap((g) => [g.id, g.name, g.type]), this.tenantId, this.directoryId],
      );
    }
  }

  /** Removes groups with every membership of them (R-API-08). */
  async remove(groups: readonly StoredGroup[]): Promise<void> {
    for (let i = 0; i < groups.length; i += CHUNK) {
      const ids = groups.slice(i, i + CHUNK).map((g) => g.id);
      const list = ids.map(() => '?::uuid').join(', ');
      await sql(this.em, `delete from ${this.t('group_memberships')} where tenant_id = ? and group_id in (${list})`, [this.tenantId, ...ids]);
      await sql(this.em, `delete from ${this.t('directory_groups')} where tenant_id = ? and source_directory_id = ? and id in (${list})`, [
        this.tenantId,
        this.directoryId,
        ...ids,
      ]);
    }
  }

  /** Group keys each user (by email) is a member of in this directory's groups. */
  async membershipsOf(emails: readonly string[]): Promise<Map<string, Set<string>>> {
    const found = new Map<string, Set<string>>();
    for (let i = 0; i < emails.length; i += CHUNK) {
      const chunk = emails.slice(i, i + CHUNK);
      const rows = await sql<{ email: string; external_id: string }>(this.em,
        // The emails as an array joined to the users' (tenant_id, email) key, as in TeamsRepository.membershipsOf.
        `select u.email, g.external_id from unnest(?::text[]) as k(email)
           join ${this.t('users')} u on u.tenant_id = ? and u.email = k.email
           join ${this.t('group_memberships')} m on m.tenant_id = u.tenant_id and m.user_id = u.id
           join ${this.t('directory_groups')} g on g.id = m.group_id and g.source_directory_id = ?`,
        [chunk, this.tenantId, this.directoryId],
      );
      for (const r of rows) {
        const set = found.get(r.email) ?? new Set<string>();
        set.add(r.external_id);
        found.set(r.email, set);
      }
    }
    return found;
  }

  async addMemberships(pairs: readonly { email: string; key: string }[]): Promise<GroupMemberChange[]> {
    const changes: GroupMemberChange[] = [];
    for (let i = 0; i < pairs.length; i += CHUNK) {
      const chunk = pairs.slice(i, i + CHUNK);
      const rows = await sql<MemberRow>(this.em,
        `with v(email, key) as (values ${chunk.map(() => '(?, ?)').join(', ')}),
              ins as (
                insert into ${this.t('group_memberships')} (group_id, user_id, tenant_id)
                select g.id, u.id, ?::uuid from v
                  join ${this.t('users')} u on u.tenant_id = ? and u.email = v.email
                  join ${this.t('directory_groups')} g on g.tenant_id = ? and g.source_directory_id = ? and g.external_id = v.key
                on conflict do nothing
                returning group_id, user_id)
         select ins.group_id, g.name, g.type, g.source_directory_id, ins.user_id, u.email from ins
           join ${this.t('users')} u on u.id = ins.user_id join ${this.t('directory_groups')} g on g.id = ins.group_id`,
        [...chunk.flatMap((p) => [p.email, p.key]), this.tenantId, this.tenantId, this.tenantId, this.directoryId],
      );
      changes.push(...rows.map(toChange));
    }
    return changes;
  }

  async removeMemberships(pairs: readonly { email: string; key: string }[]): Promise<GroupMemberChange[]> {
    const changes: GroupMemberChange[] = [];
    for (let i = 0; i < pairs.length; i += CHUNK) {
      const chunk = pairs.slice(i, i + CHUNK);
      const rows = await sql<MemberRow>(this.em,
        `delete from ${this.t('group_memberships')} m
          using (values ${chunk.map(() => '(?, ?)').join(', ')}) as v(email, key), ${this.t('users')} u, ${this.t('directory_groups')} g
          where m.tenant_id = ? and u.tenant_id = m.tenant_id and u.email = v.email and m.user_id = u.id
            and g.tenant_id = m.tenant_id and g.source_directory_id = ? and g.external_id = v.key and m.group_id = g.id
          returning m.group_id, g.name, g.type, g.source_directory_id, m.user_id, u.email`,
        [...chunk.flatMap((p) => [p.email, p.key]), this.tenantId, this.directoryId],
      );
      changes.push(...rows.map(toChange));
    }
    return changes;
  }

  /**
   * R-API-09 for the synced users of `run_synced` rows (after, upTo]: their memberships of local teams (owned by
   * no directory) and/or of teams owned by other directories, whichever directory made the membership.
   */
  async removeFromTeams(range: { after: number; upTo: number }, local: boolean, other: boolean): Promise<TeamMemberRemoval[]> {
    const rows = await sql<{ team_id: string; name: string; source_directory_id: string; user_id: string; email: string }>(this.em,
      `delete from ${this.t('team_memberships')} m
        using pg_temp.run_synced s, ${this.t('users')} u, ${this.t('teams')} t
        where s.seq > ? and s.seq <= ? and u.tenant_id = ? and u.email = s.email
          and m.tenant_id = u.tenant_id and m.user_id = u.id and t.id = m.team_id
          and ((?::boolean and t.source_directory_id is null) or (?::boolean and t.source_directory_id <> ?::uuid))
        returning m.team_id, t.name, m.source_directory_id, m.user_id, u.email`,
      [range.after, range.upTo, this.tenantId, local, other, this.directoryId],
    );
    return rows.map((r) => ({ teamId: r.team_id, teamName: r.name, sourceDirectoryId: r.source_directory_id, userId: r.user_id, email: r.email }));
  }

  /** R-API-09 for the same users: their memberships of groups owned by other directories. */
  async removeFromOtherDirectoriesGroups(range: { after: number; upTo: number }): Promise<GroupMemberChange[]> {
    const rows = await sql<MemberRow>(this.em,
      `delete from ${this.t('group_memberships')} m
        using pg_temp.run_synced s, ${this.t('users')} u, ${this.t('directory_groups')} g
        where s.seq > ? and s.seq <= ? and u.tenant_id = ? and u.email = s.email
          and m.tenant_id = u.tenant_id and m.user_id = u.id and g.id = m.group_id and g.source_directory_id <> ?
        returning m.group_id, g.name, g.type, g.source_directory_id, m.user_id, u.email`,
      [range.after, range.upTo, this.tenantId, this.directoryId],
    );
    return rows.map(toChange);
  }
}
