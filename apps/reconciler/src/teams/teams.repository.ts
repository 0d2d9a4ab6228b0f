import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DirectoryTeam } from '@roster/contracts';
import { type ArrayColumn, columnsOf, jsonObjectSql, qualified, sql } from '@roster/persistence';
import type { NewTeam, StoredTeam } from '@roster/reconciliation';

/** A membership as (user email, team key) arrays. */
const PAIR_COLUMNS: ArrayColumn<{ email: string; key: string }>[] = [
  { name: 'email', type: 'text', value: (p) => p.email },
  { name: 'name_key', type: 'text', value: (p) => p.key },
];
const CHUNK = 1000;

/** A stored team with its key (teamNameKey of the name, unique per tenant) and owner's user id. */
export interface TeamState extends StoredTeam {
  key: string;
  ownerUserId: string | null;
}

interface TeamDbRow {
  id: string;
  name: string;
  name_key: string;
  owner_email: string | null;
  owner_user_id: string | null;
  type: string | null;
  description: string | null;
  source_directory_id: string | null;
  parent_key: string | null;
}

/** The outbox page of a statement's membership events (`Outbox.pageSql` of membership.added or .removed). */
export type MembershipPage = (rows: string) => { sql: string; params: unknown[] };

/**
 * A membership event's data (MembershipChangedV1: runId, teamId, teamName, userId, email, sourceDirectoryId, as the
 * contract's schema orders them) as JSON text PostgreSQL writes from the changed row `change` (team_id, user_id),
 * its user `user` and team `team`; the run id and the directory are the statement's next two parameters.
 */
export function membershipJsonSql(change: string, user: string, team: string): string {
  return jsonObjectSql([
    { key: 'runId', expr: '?::uuid' },
    { key: 'teamId', expr: `${change}.team_id` },
    { key: 'teamName', expr: `${team}.name` },
    { key: 'userId', expr: `${change}.user_id` },
    { key: 'email', expr: `${user}.email` },
    { key: 'sourceDirectoryId', expr: '?::uuid' },
  ]);
}

export function toDirectoryTeam(team: TeamState, parentTeamId: string | null): DirectoryTeam {
  return {
    teamId: team.id,
    name: team.name,
    ownerEmail: team.ownerEmail,
    ownerUserId: team.ownerUserId,
    parentTeamId,
    type: team.type,
    description: team.description,
    sourceDirectoryId: team.sourceDirectoryId,
  };
}

/** Set-based access to a tenant's teams and memberships: multi-row statements, never a query per row. */
export class TeamsRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
  ) {}

  private get teams() {
    return qualified(this.em, 'teams');
  }

  private get memberships() {
    return qualified(this.em, 'team_memberships');
  }

  private get users() {
    return qualified(this.em, 'users');
  }

  /** Every team of the tenant by key (teams number in the thousands, not millions). */
  async loadAll(): Promise<Map<string, TeamState>> {
    const rows = await sql<TeamDbRow>(this.em,
      `select t.*, p.name_key as parent_key from ${this.teams} t left join ${this.teams} p on p.id = t.parent_team_id where t.tenant_id = ?`,
      [this.tenantId],
    );
    return new Map(
      rows.map((r) => [
        r.name_key,
        {
          id: r.id,
          key: r.name_key,
          name: r.name,
          ownerEmail: r.owner_email,
          ownerUserId: r.owner_user_id,
          type: r.type,
          description: r.description,
          sourceDirectoryId: r.source_directory_id,
          parentKey: r.parent_key,
        },
      ]),
    );
  }

  withId(key: string, team: NewTeam): TeamState {
    return { ...team, id: randomUUID(), key, ownerUserId: null };
  }

  async insert(teams: readonly TeamState[]): Promise<void> {
    for (let i = 0; i < teams.length; i += CHUNK) {
      const chunk = teams.slice(i, i + CHUNK);
      await sql(this.em,
        `insert into ${this.teams} (id, tenant_id, name, name_key, owner_email, type, description, source_directory_id)
         values ${chunk.map(() => '(?::uuid, ?::uuid, ?, ?, ?, ?, ?, ?::uuid)').join(', ')}`,
        chunk.flatMap((t) => [t.id, this.tenantId, t.name, t.key, t.ownerEmail, t.type, t.description, t.sourceDirectoryId]),
      );
    }
  }

  async update(teams: readonly TeamState[]): Promise<void> {
    for (let i = 0; i < teams.length; i += CHUNK) {
      const chunk = teams.slice(i, i + CHUNK);
      await sql(this.em,
        `update ${this.teams} t set name = v.name, owner_email = v.owner_email, type = v.type, description = v.description,
                source_directory_id = v.source_directory_id::uuid, updated_at = now()
           from (values ${chunk.map(() => '(?::uuid, ?, ?, ?, ?, ?)').join(', ')}) as v(id, name, owner_email, type, description, source_directory_id)
          where t.tenant_id = ? and t.id = v.id`,
        [...chunk.flatMap((t) => [t.id, t.name, t.ownerEmail, t.type, t.description, t.sourceDirectoryId]), this.tenantId],
      );
    }
  }

  async setParents(links: readonly { key: string; parentKey: string }[]): Promise<void> {
    for (let i = 0; i < links.length; i += CHUNK) {
      const chunk = links.slice(i, i + CHUNK);
      await sql(this.em,
        `update ${this.teams} t set parent_team_id = p.id, updated_at = now()
           from (values ${chunk.map(() => '(?, ?)').join(', ')}) as v(name_key, parent_key)
           join ${this.teams} p on p.tenant_id = ? and p.name_key = v.parent_key
          where t.tenant_id = ? and t.name_key = v.name_key`,
        [...chunk.flatMap((l) => [l.key, l.parentKey]), this.tenantId, this.tenantId],
      );
    }
  }

  /** Team keys each user (by email) is a member of through `directoryId`. */
  async membershipsOf(emails: readonly string[], directoryId: string): Promise<Map<string, Set<string>>> {
    const found = new Map<string, Set<string>>();
    for (let i = 0; i < emails.length; i += CHUNK) {
      const chunk = emails.slice(i, i + CHUNK);
      const rows = await sql<{ email: string; name_key: string }>(this.em,
        // Driven by the emails (one index probe each on the users' (tenant_id, email) key; an `in (…)` list made
        // PostgreSQL scan the tenant's users per chunk), then memberships' (tenant_id, user_id, source_directory_id).
        `select u.email, t.name_key from unnest(?::text[]) as k(email)
           join ${this.users} u on u.tenant_id = ? and u.email = k.email
           join ${this.memberships} m on m.tenant_id = u.tenant_id and m.user_id = u.id and m.source_directory_id = ?
           join ${this.teams} t on t.id = m.team_id`,
        [chunk, this.tenantId, directoryId],
      );
      for (const r of rows) {
        const set = found.get(r.email) ?? new Set<string>();
        set.add(r.name_key);
        found.set(r.email, set);
      }
    }
    return found;
  }

  /**
   * Adds the memberships not there yet; `announce` (`Outbox.pageSql` of membership.added) writes the event of each
   * in the same statement, built by PostgreSQL from the rows inserted (`membershipJsonSql`). Returns the emails of
   * the users who gained one.
   */
  async addMemberships(pairs: readonly { email: string; key: string }[], directoryId: string, runId: string | null, announce: MembershipPage): Promise<string[]> {
    return this.changeMemberships(pairs, runId, directoryId, announce,
      `insert into ${this.memberships} (team_id, user_id, source_directory_id, tenant_id)
         select team_id, user_id, ?::uuid, ?::uuid from p
         on conflict do nothing
         returning team_id, user_id`,
      [directoryId, this.tenantId],
    );
  }

  /** Removes these memberships through the directory, their membership.removed events as `addMemberships` writes its. */
  async removeMemberships(pairs: readonly { email: string; key: string }[], directoryId: string, runId: string | null, announce: MembershipPage): Promise<string[]> {
    return this.changeMemberships(pairs, runId, directoryId, announce,
      `delete from ${this.memberships} m using p
         where m.tenant_id = ? and m.source_directory_id = ? and m.team_id = p.team_id and m.user_id = p.user_id
         returning m.team_id, m.user_id`,
      [this.tenantId, directoryId],
    );
  }

  /**
   * One statement per chunk of pairs: `p`, the pairs' users and teams by email and key (each probed once), `change`
   * (an insert or delete over `p`, returning team_id and user_id) and the outbox page of its events, ordered by email
   * and team, their email and team name taken back from `p` (a hash join: probing the users again by id was a
   * fifth of the statement's buffer reads). The rows changed never leave PostgreSQL.
   */
  private async changeMemberships(
    pairs: readonly { email: string; key: string }[],
    runId: string | null,
    directoryId: string,
    announce: MembershipPage,
    change: string,
    changeParams: readonly unknown[],
  ): Promise<string[]> {
    const emails: string[] = [];
    for (let i = 0; i < pairs.length; i += CHUNK) {
      const { from, params } = columnsOf(pairs.slice(i, i + CHUNK), PAIR_COLUMNS);
      const page = announce(`select n, data from ev`);
      const rows = await sql<{ email: string }>(this.em,
        `with v as (select * from ${from}),
              p as (
                select distinct u.id as user_id, u.email, t.id as team_id, t.name, t.name_key from v
                  join ${this.users} u on u.tenant_id = ? and u.email = v.email
                  join ${this.teams} t on t.tenant_id = ? and t.name_key = v.name_key),
              changed as (${change}),
              ev as (
                select row_number() over (order by p.email, p.name_key) as n, p.email, ${membershipJsonSql('c', 'p', 'p')} as data
                  from changed c join p on p.team_id = c.team_id and p.user_id = c.user_id),
              page as (${page.sql})
         select email from ev`,
        [...params, this.tenantId, this.tenantId, ...changeParams, runId, directoryId, ...page.params],
      );
      for (const r of rows) emails.push(r.email);
    }
    return emails;
  }

  /** R-TEN-02: links each team's owner email to the user with that email, once such a user exists. */
  async resolveOwners(): Promise<void> {
    await sql(this.em,
      `update ${this.teams} t set owner_user_id = u.id
         from ${this.teams} t2 left join ${this.users} u on u.tenant_id = t2.tenant_id and u.email = t2.owner_email
        where t.id = t2.id and t.tenant_id = ? and t.owner_user_id is distinct from u.id`,
      [this.tenantId],
    );
  }
}
