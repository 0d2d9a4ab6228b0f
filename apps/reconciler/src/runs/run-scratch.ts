import type { EntityManager } from '@mikro-orm/postgresql';
import { qualified, sql } from '@roster/persistence';
import { type ManagerLink, type WantedMemberships, normalizeEmail } from '@roster/reconciliation';

const PAGE = 1000;

/**
 * What a run learns batch by batch and needs again after the last batch — who it created, whose record was
 * unchanged, the manager links and the teams its records ask for — kept in temporary tables of the run's
 * transaction (`on commit drop`), not in the reconciler's heap: memory stays one batch wide however large the
 * file (issue 4). Rows go in as one array parameter per column per batch (`unnest`: no JSON built in the service
 * and parsed again in PostgreSQL) and come back in keyset pages, in file order.
 */
export class RunScratch {
  constructor(private readonly em: EntityManager) {}

  async create(): Promise<void> {
    for (const table of ['run_created', 'run_unchanged', 'run_touched', 'run_links', 'run_wanted_teams']) {
      await sql(this.em, `drop table if exists pg_temp.${table}`);
    }
    await sql(this.em, `create temp table run_created (seq bigserial primary key, email text not null unique, id uuid not null) on commit drop`);
    await sql(this.em, `create temp table run_unchanged (email text not null) on commit drop`);
    await sql(this.em, `create temp table run_touched (email text primary key) on commit drop`);
    await sql(this.em,
      `create temp table run_links (seq bigserial, row_number int, external_id text, email text not null, manager_email text not null) on commit drop`,
    );
    await sql(this.em, `create temp table run_wanted_teams (seq bigserial, row_number int, email text not null, teams jsonb not null) on commit drop`);
  }

  /**
   * Once every batch is in, the indexes the later phases page and look links and wanted teams up by: built once over
   * the filled tables rather than kept up row by row while phase 1 writes (~0.5 s of a 100k-row apply for the email
   * indexes; the keys' too, about 2 ms of each batch's 1000 rows), and CREATE INDEX gives PostgreSQL the tables'
   * sizes, which it has no statistics for otherwise (temp tables are never auto-analyzed). `run_unchanged` has none:
   * it is only ever read whole, once (`unchangedButTouched`).
   */
  async index(): Promise<void> {
    await sql(this.em, `alter table pg_temp.run_links add primary key (seq)`);
    await sql(this.em, `alter table pg_temp.run_wanted_teams add primary key (seq)`);
    await sql(this.em, `create index on pg_temp.run_links (email)`);
    await sql(this.em, `create index on pg_temp.run_wanted_teams (email)`);
  }

  /** Users this run created (placeholders included), in creation order. */
  async addCreated(users: readonly { email: string; id: string }[]): Promise<void> {
    if (users.length === 0) return;
    await sql(this.em,
      `insert into pg_temp.run_created (email, id) select email, id from unnest(?::text[], ?::uuid[]) as x(email, id)
       on conflict (email) do update set id = excluded.id`,
      // Only the two columns, as arrays: the callers pass whole users, whose JSON (custom fields and all) PostgreSQL
      // parsed for nothing when they went as JSON (3 s of a 100k-user first sync's apply).
      [users.map((u) => u.email), users.map((u) => u.id)],
    );
  }

  async addUnchanged(emails: readonly string[]): Promise<void> {
    if (emails.length === 0) return;
    await sql(this.em, `insert into pg_temp.run_unchanged (email) select unnest(?::text[])`, [emails]);
  }

  /** Users with a change beyond their record (a manager link, a membership): an unchanged one counts as updated. */
  async addTouched(emails: Iterable<string>): Promise<void> {
    const list = [...emails];
    if (list.length === 0) return;
    await sql(this.em, `insert into pg_temp.run_touched (email) select unnest(?::text[]) on conflict do nothing`, [list]);
  }

  /** How many users the run found unchanged that something else then changed (an email may be unchanged twice). */
  async unchangedButTouched(): Promise<number> {
    const [row] = await sql<{ n: string }>(this.em,
      `select count(*) as n from pg_temp.run_touched t where exists (select 1 from pg_temp.run_unchanged u where u.email = t.email)`,
    );
    return Number(row.n);
  }

  async addLinks(links: readonly ManagerLink[]): Promise<void> {
    if (links.length === 0) return;
    await sql(this.em,
      `insert into pg_temp.run_links (row_number, external_id, email, manager_email)
       select * from unnest(?::int[], ?::text[], ?::text[], ?::text[])`,
      [
        links.map((l) => l.rowNumber ?? null),
        links.map((l) => l.externalId ?? null),
        links.map((l) => normalizeEmail(l.email)),
        links.map((l) => normalizeEmail(l.managerEmail)),
      ],
    );
  }

  async addWantedTeams(wanted: readonly WantedMemberships[]): Promise<void> {
    if (wanted.length === 0) return;
    await sql(this.em,
      `insert into pg_temp.run_wanted_teams (row_number, email, teams) select * from unnest(?::int[], ?::text[], ?::jsonb[])`,
      [wanted.map((w) => w.rowNumber ?? null), wanted.map((w) => w.email), wanted.map((w) => JSON.stringify(w.teams))],
    );
  }

  /** The ids of the users this run created, a page at a time, in creation order. */
  async *createdIds(): AsyncGenerator<string[]> {
    for await (const rows of this.pages<{ id: string }>(`select seq, id from pg_temp.run_created where seq > ? order by seq limit ${PAGE}`)) {
      yield rows.map((r) => r.id);
    }
  }

  /** The links of every applied record, a page at a time, in file order (the manager phase's fallback). */
  async *links(): AsyncGenerator<ManagerLink[]> {
    const query = `select seq, row_number, external_id, email, manager_email from pg_temp.run_links where seq > ? order by seq limit ${PAGE}`;
    for await (const rows of this.pages<LinkRow>(query)) yield rows.map(toLink);
  }

  /**
   * The teams each record asked for, a page at a time, in file order; `newUser` marks users this run created
   * (they have no memberships to look up yet), at their first record only. A record whose user already belongs,
   * through `directoryId`, to exactly the teams it names (the same team keys), and that is its email's only record
   * in the run, is left out: planning it would add, remove and create nothing (its teams exist), so an unchanged
   * re-sync compares memberships in PostgreSQL instead of reading every user's into the service (issue 4).
   */
  async *wantedTeams(scope: { tenantId: string; directoryId: string }): AsyncGenerator<(WantedMemberships & { newUser: boolean })[]> {
    // Whether the run created the user is probed by index, row by row (a scalar subquery with `limit` is never
    // hashed): as a join or an `exists`, PostgreSQL read all of run_created for every page (20–35 ms a page at 100k).
    const query = `select w.seq, w.row_number, w.email, w.teams, (x.created and not exists (
                             select 1 from pg_temp.run_wanted_teams e where e.email = w.email and e.seq < w.seq)) as new_user
                     from pg_temp.run_wanted_teams w
                     cross join lateral (select (select 1 from pg_temp.run_created c where c.email = w.email limit 1) is not null as created) x
                    where w.seq > ? and w.seq <= ?
                      and not (not x.created
                               and not exists (select 1 from pg_temp.run_wanted_teams e where e.email = w.email and e.seq <> w.seq)
                               and (select coalesce(array_agg(distinct x.key order by x.key), '{}') from jsonb_to_recordset(w.teams) as x(key text))
                                 = (select coalesce(array_agg(distinct t.name_key order by t.name_key), '{}')
                                      from ${qualified(this.em, 'users')} u
                                      join ${qualified(this.em, 'team_memberships')} m
                                        on m.tenant_id = u.tenant_id and m.user_id = u.id and m.source_directory_id = ?::uuid
                                      join ${qualified(this.em, 'teams')} t on t.id = m.team_id
                                     where u.tenant_id = ?::uuid and u.email = w.email))
                    order by w.seq`;
    type Row = { row_number: number | null; email: string; teams: WantedMemberships['teams']; new_user: boolean };
    // Pages by ranges of seq (dense: a bigserial the run alone fills), not `limit`: with the filter, a `limit` page
    // made PostgreSQL scan and sort the whole table for each page of a first sync (a tenth of its database time).
    const [{ last }] = await sql<{ last: string | null }>(this.em, `select max(seq) as last from pg_temp.run_wanted_teams`);
    for (let after = 0; after < Number(last ?? 0); after += PAGE) {
      const rows = await sql<Row>(this.em, query, [after, after + PAGE, scope.directoryId, scope.tenantId]);
      if (rows.length > 0) yield rows.map((r) => ({ ...(r.row_number === null ? {} : { rowNumber: r.row_number }), email: r.email, teams: r.teams, newUser: r.new_user }));
    }
  }

  private async *pages<T>(query: string): AsyncGenerator<T[]> {
    let after = 0;
    for (;;) {
      const rows = await sql<T & { seq: string }>(this.em, query, [after]);
      if (rows.length === 0) return;
      yield rows;
      after = Number(rows[rows.length - 1].seq);
    }
  }
}

export interface LinkRow {
  row_number: number | null;
  external_id: string | null;
  email: string;
  manager_email: string;
}

export function toLink(r: LinkRow): ManagerLink {
  return {
    ...(r.row_number === null ? {} : { rowNumber: r.row_number }),
    ...(r.external_id === null ? {} : { externalId: r.external_id }),
    email: r.email,
    managerEmail: r.manager_email,
  };
}
