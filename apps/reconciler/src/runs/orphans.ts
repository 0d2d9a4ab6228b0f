import type { EntityManager } from '@mikro-orm/postgresql';
import { type RunCounts, emptyRunCounts } from '@roster/contracts';
import type { Outbox, OutgoingMessage } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { type UserPolicy, addRunCounts, orphanOperation, summarize } from '@roster/reconciliation';
import { UserDbRow, UsersRepository, toDirectoryUser, toStored } from '../users/users.repository';

const PAGE = 1000;

/**
 * R-API-06, set-based: the run's seen keys (every staged record's email, external id and username, R-API-04, and the
 * external id of every record the source sent but the run refused — an invalid work email, a record too large: the
 * person is still in the source, so never an orphan of it) go
 * into a temporary table of the run's transaction, and the orphans — active users of the tenant and directory whose
 * email, external id and username are all unseen (libs/reconciliation `isOrphan`) — are an anti-join against it, read in keyset
 * pages. Memory holds one page, never the directory.
 */
export class RunOrphans {
  private prepared = false;

  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
    private readonly directoryId: string,
    private readonly runId: string,
  ) {}

  /** The seen keys, once per transaction (the table is dropped at commit or rollback). */
  private async prepare(): Promise<void> {
    if (this.prepared) return;
    await sql(this.em, `drop table if exists pg_temp.run_seen`, []);
    await sql(this.em,
      `create temp table run_seen on commit drop as
         select distinct lower(trim(e->>'email')) as email, nullif(trim(e->>'externalId'), '') as external_id,
                (select case when t like '%@%' then lower(t) else t end from nullif(trim(e->>'username'), '') t) as username
           from ${qualified(this.em, 'staged_batches')} b, jsonb_array_elements(b.employees) e
          where b.run_id = ?
         union
         select null, nullif(trim(p->>'externalId'), ''), null
           from ${qualified(this.em, 'staged_batches')} b, jsonb_array_elements(b.problems) p
          where b.run_id = ? and nullif(trim(p->>'externalId'), '') is not null`,
      [this.runId, this.runId],
    );
    await sql(this.em, `create index on pg_temp.run_seen (email)`, []);
    await sql(this.em, `create index on pg_temp.run_seen (external_id)`, []);
    await sql(this.em, `create index on pg_temp.run_seen (username)`, []);
    await sql(this.em, `analyze pg_temp.run_seen`, []);
    this.prepared = true;
  }

  private orphanWhere(alias: string): string {
    return `${alias}.tenant_id = ? and ${alias}.source_directory_id = ? and ${alias}.status = 'active'
      and not exists (select 1 from pg_temp.run_seen s where s.email = ${alias}.email)
      and (${alias}.external_id is null or not exists (select 1 from pg_temp.run_seen s where s.external_id = ${alias}.external_id))
      and (${alias}.username is null or not exists (select 1 from pg_temp.run_seen s where s.username = ${alias}.username))`;
  }

  /** The directory's active users (the safeguard's base). */
  async directoryUsers(): Promise<number> {
    const [row] = await sql<{ n: string }>(this.em,
      `select count(*) as n from ${qualified(this.em, 'users')} u where u.tenant_id = ? and u.source_directory_id = ? and u.status = 'active'`,
      [this.tenantId, this.directoryId],
    );
    return Number(row.n);
  }

  /** How many users the run would orphan, and the directory's active users (the safeguard's base). */
  async count(): Promise<{ orphans: number; directoryUsers: number }> {
    await this.prepare();
    const users = qualified(this.em, 'users');
    const [row] = await sql<{ orphans: string; directory_users: string }>(this.em,
      `select (select count(*) from ${users} u where ${this.orphanWhere('u')}) as orphans,
              (select count(*) from ${users} u where u.tenant_id = ? and u.source_directory_id = ? and u.status = 'active') as directory_users`,
      [this.tenantId, this.directoryId, this.tenantId, this.directoryId],
    );
    return { orphans: Number(row.orphans), directoryUsers: Number(row.directory_users) };
  }

  /** R-SAFE-01: keeps who a held run would remove as orphans (set-based), with the policy's action. */
  async hold(action: 'deactivate' | 'delete'): Promise<void> {
    await this.prepare();
    await sql(this.em,
      `insert into ${qualified(this.em, 'held_removals')} (run_id, user_id, email, action)
         select ?, u.id, u.email, ? from ${qualified(this.em, 'users')} u where ${this.orphanWhere('u')}
       on conflict do nothing`,
      [this.runId, action, this.tenantId, this.directoryId],
    );
  }

  /**
   * Deactivates or deletes the orphans (user.updated / user.deleted through the outbox), page by page. After an
   * approval (`heldOnly`), only the users the admin reviewed: never more than the held plan.
   */
  async apply(policy: UserPolicy, outbox: Outbox, heldOnly: boolean): Promise<RunCounts> {
    let counts = emptyRunCounts();
    if (policy.orphans === 'ignore') return counts;
    await this.prepare();
    const action = policy.orphans;
    const users = qualified(this.em, 'users');
    const repo = new UsersRepository(this.em, this.tenantId);
    const held = heldOnly ? ` and exists (select 1 from ${qualified(this.em, 'held_removals')} h where h.run_id = ? and h.user_id = u.id)` : '';
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await sql<UserDbRow>(this.em,
        `select u.*, m.email as manager_email from ${users} u left join ${users} m on m.id = u.manager_id
          where ${this.orphanWhere('u')}${held} and u.id > ? order by u.id limit ?`,
        [this.tenantId, this.directoryId, ...(heldOnly ? [this.runId] : []), after, PAGE],
      );
      if (rows.length === 0) return counts;
      after = rows[rows.length - 1].id;
      const stored = rows.map(toStored);
      const operations = stored.map((u) => orphanOperation(u, action));
      const events: OutgoingMessage[] = [];
      for (const [i, op] of operations.entries()) {
        if (op.kind !== 'update') continue;
        const user = toDirectoryUser(op.next, stored[i].managerId);
        events.push(
          action === 'delete'
            ? outbox.message('user.deleted', { runId: this.runId, user }, { tenantId: this.tenantId, runId: this.runId })
            : outbox.message('user.updated', { runId: this.runId, user, changes: op.changes }, { tenantId: this.tenantId, runId: this.runId }),
        );
      }
      await repo.upsert(operations.flatMap((op) => (op.kind === 'update' ? [op.next] : [])));
      await outbox.addMessages(this.em, events);
      counts = addRunCounts(counts, summarize(operations, []));
      if (rows.length < PAGE) return counts;
    }
  }
}
