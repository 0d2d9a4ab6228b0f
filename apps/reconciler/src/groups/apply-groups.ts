import type { EntityManager } from '@mikro-orm/postgresql';
import type { CanonicalEmployee, CanonicalGroup } from '@roster/contracts';
import type { Outbox, OutgoingMessage } from '@roster/messaging';
import { sql } from '@roster/persistence';
import { normalizeEmail, planGroupMemberships, planGroups, type GroupPolicy, type UserOperation, type WantedGroups } from '@roster/reconciliation';
import { GroupMemberChange, GroupsRepository, toDirectoryGroup } from './groups.repository';

const PAGE = 1000;

/**
 * The group part of an API run (R-API-08, R-API-09), inside the run's transaction:
 * 1. `start`, before the users: the directory's groups follow the policy — `sync` creates and updates the groups
 *    the run's records carry and (after a snapshot) removes those none carries; `remove` removes them all;
 *    `freeze` touches nothing;
 * 2. `addSynced`, per batch: the run's applied users and (sync) the groups each record lists go to the
 *    `run_synced` temp table (memory stays one batch wide);
 * 3. `finish`, after the users: memberships of the directory's groups follow the records (sync), then R-API-09
 *    takes the synced users out of local and/or other directories' groups, page by page.
 * Events go to the outbox. A run without a sync policy (a file source) does nothing here.
 */
export class GroupsPhase {
  private readonly repo: GroupsRepository;
  private readonly removesOthers: boolean;

  private constructor(
    private readonly em: EntityManager,
    private readonly outbox: Outbox,
    private readonly tenantId: string,
    private readonly runId: string,
    private readonly directoryId: string,
    private readonly policy: GroupPolicy | null,
  ) {
    this.repo = new GroupsRepository(em, tenantId, directoryId);
    this.removesOthers = !!policy && (policy.removeLocalGroups || policy.removeOtherDirectoryGroups);
  }

  /** Whether the run's applied users are followed (group sync, or removal from other groups). */
  get tracksUsers(): boolean {
    return this.policy?.mode === 'sync' || this.removesOthers;
  }

  private get pub() {
    return { tenantId: this.tenantId, runId: this.runId };
  }

  static async start(
    em: EntityManager,
    outbox: Outbox,
    ids: { tenantId: string; runId: string; directoryId: string },
    policy: GroupPolicy | null,
  ): Promise<GroupsPhase> {
    const phase = new GroupsPhase(em, outbox, ids.tenantId, ids.runId, ids.directoryId, policy);
    await phase.applyGroups();
    if (phase.tracksUsers) {
      await sql(em, `drop table if exists pg_temp.run_synced`);
      await sql(em, `create temp table run_synced (seq bigserial primary key, email text not null unique, groups jsonb) on commit drop`);
    }
    return phase;
  }

  private async applyGroups(): Promise<void> {
    if (!this.policy || this.policy.mode === 'freeze') return;
    const stored = await this.repo.loadAll();
    const seen = this.policy.mode === 'sync' ? await this.repo.seenInRun(this.runId) : [];
    const plan = planGroups(stored, seen, this.policy);
    const created = await this.repo.insert(plan.create);
    await this.repo.update(plan.update.map((u) => u.group));
    await this.repo.remove(plan.remove.map((r) => r.group));
    const group = (g: Parameters<typeof toDirectoryGroup>[0]) => toDirectoryGroup(g, this.directoryId);
    await this.outbox.addMessages(this.em, [
      ...created.map((g) => this.outbox.message('group.created', { runId: this.runId, group: group(g) }, this.pub)),
      ...plan.update.map((u) => this.outbox.message('group.updated', { runId: this.runId, group: group(u.group), changes: { ...u.changes } }, this.pub)),
      ...plan.remove.map((r) => this.outbox.message('group.removed', { runId: this.runId, group: group(r.group), reason: r.reason }, this.pub)),
    ]);
  }

  /** The users a batch applied (created, updated or unchanged; skipped records are not synced) and their groups. */
  async addSynced(employees: readonly CanonicalEmployee[], operations: readonly UserOperation[]): Promise<void> {
    if (!this.tracksUsers) return;
    const applied = new Set(operations.map((op) => (op.kind === 'create' ? op.user.email : op.email)));
    const rows: { email: string; groups: CanonicalGroup[] | null }[] = [];
    for (const e of employees) {
      const email = normalizeEmail(e.email);
      if (!applied.delete(email)) continue; // the planner applied the first record of an email
      // A record that says nothing about groups (absent) keeps the user's memberships.
      rows.push({ email, groups: this.policy?.mode === 'sync' && e.groups !== undefined ? e.groups : null });
    }
    if (rows.length === 0) return;
    await sql(this.em,
      `insert into pg_temp.run_synced (email, groups) select email, groups from jsonb_to_recordset(?::jsonb) as x(email text, groups jsonb)
       on conflict (email) do nothing`,
      [JSON.stringify(rows)],
    );
  }

  /** Memberships and R-API-09, page by page; returns the emails of users whose memberships changed. */
  async finish(): Promise<Set<string>> {
    const touched = new Set<string>();
    if (!this.tracksUsers || !this.policy) return touched;
    let after = 0;
    for (;;) {
      const rows = await sql<{ seq: string; email: string; groups: CanonicalGroup[] | null }>(this.em,
        `select seq, email, groups from pg_temp.run_synced where seq > ? order by seq limit ${PAGE}`,
        [after],
      );
      if (rows.length === 0) return touched;
      const range = { after, upTo: Number(rows[rows.length - 1].seq) };
      after = range.upTo;
      const events: OutgoingMessage[] = [];
      const member = (m: GroupMemberChange) => ({ runId: this.runId, ...m });
      if (this.policy.mode === 'sync') {
        const wanted: WantedGroups[] = rows.filter((r) => r.groups !== null).map((r) => ({ email: r.email, groups: r.groups }));
        const current = await this.repo.membershipsOf(wanted.map((w) => w.email));
        const none = new Set<string>();
        const plan = planGroupMemberships(wanted, (email) => current.get(email) ?? none);
        const added = await this.repo.addMemberships(plan.add);
        const removed = await this.repo.removeMemberships(plan.remove);
        for (const m of added) events.push(this.outbox.message('group.member.added', member(m), this.pub));
        for (const m of removed) events.push(this.outbox.message('group.member.removed', member(m), this.pub));
        for (const m of [...added, ...removed]) touched.add(m.email);
      }
      if (this.removesOthers) {
        const { removeLocalGroups: local, removeOtherDirectoryGroups: other } = this.policy;
        for (const m of await this.repo.removeFromTeams(range, local, other)) {
          events.push(this.outbox.message('membership.removed', { runId: this.runId, ...m }, this.pub));
          touched.add(m.email);
        }
        if (other) {
          for (const m of await this.repo.removeFromOtherDirectoriesGroups(range)) {
            events.push(this.outbox.message('group.member.removed', member(m), this.pub));
            touched.add(m.email);
          }
        }
      }
      await this.outbox.addMessages(this.em, events);
    }
  }
}
