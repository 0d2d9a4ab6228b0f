import type { EntityManager } from '@mikro-orm/postgresql';
import { teamNameKey, type CanonicalTeam, type RowProblem } from '@roster/contracts';
import type { Outbox, OutgoingMessage } from '@roster/messaging';
import {
  placeholderTeam,
  planMemberships,
  planTeamParents,
  planTeams,
  type TeamChanges,
  type TeamContext,
  type WantedMemberships,
} from '@roster/reconciliation';
import { TeamState, TeamsRepository, toDirectoryTeam } from './teams.repository';

const MEMBERSHIP_CHUNK = 1000;

/**
 * The team part of one run, inside the run's transaction (R-SFTP-03: teams before users):
 * 1. `applyTeamsFile`: teams-file records upserted by name, then parents (placeholders for missing ones,
 *    cycles refused);
 * 2. after the users: `applyMemberships` makes each listed user's memberships through this directory exactly
 *    their `Teams` cell (teams that do not exist are created), then owners are linked to users.
 * Reads the tenant's teams once; writes are multi-row; events go to the outbox.
 */
export class TeamsApplier {
  private readonly repo: TeamsRepository;
  private state!: Map<string, TeamState>;
  private readonly ctx: TeamContext;

  constructor(
    private readonly em: EntityManager,
    private readonly outbox: Outbox,
    private readonly tenantId: string,
    private readonly runId: string,
    private readonly directoryId: string,
    tenantOwnerEmail: string | null,
  ) {
    this.repo = new TeamsRepository(em, tenantId);
    this.ctx = { directoryId, tenantOwnerEmail };
  }

  private get pub() {
    return { tenantId: this.tenantId, runId: this.runId };
  }

  private parentId(team: TeamState): string | null {
    return team.parentKey === null ? null : (this.state.get(team.parentKey)?.id ?? null);
  }

  async load(): Promise<void> {
    this.state = await this.repo.loadAll();
  }

  async applyTeamsFile(records: readonly CanonicalTeam[]): Promise<RowProblem[]> {
    if (records.length === 0) return [];
    const plan = planTeams(this.state, records, this.ctx);
    const created: TeamState[] = [];
    const updated = new Map<string, { team: TeamState; changes: Record<string, { from: unknown; to: unknown }> }>();
    for (const op of plan.operations) {
      if (op.kind === 'create') created.push(this.repo.withId(op.key, op.team));
      if (op.kind === 'update') {
        const team = { ...(this.state.get(op.key) as TeamState), ...op.next, key: op.key };
        updated.set(op.key, { team, changes: { ...(op.changes as TeamChanges) } });
      }
    }
    await this.repo.insert(created);
    await this.repo.update([...updated.values()].map((u) => u.team));
    for (const team of created) this.state.set(team.key, team);
    for (const { team } of updated.values()) this.state.set(team.key, team);

    const parents = planTeamParents(
      plan.parentLinks,
      (key) => this.state.has(key),
      (key) => this.state.get(key)?.parentKey ?? null,
    );
    const placeholders = parents.placeholders.map(({ key, name }) => this.repo.withId(key, placeholderTeam(name, this.ctx)));
    await this.repo.insert(placeholders);
    for (const team of placeholders) this.state.set(team.key, team);
    await this.repo.setParents(parents.setParent);
    const createdKeys = new Set([...created, ...placeholders].map((t) => t.key));
    for (const change of parents.setParent) {
      const team = this.state.get(change.key) as TeamState;
      const next = { ...team, parentKey: change.parentKey };
      this.state.set(change.key, next);
      if (createdKeys.has(change.key)) continue;
      const entry = updated.get(change.key) ?? { team: next, changes: {} };
      entry.team = next;
      const nameOf = (key: string | null) => (key === null ? null : (this.state.get(key)?.name ?? null));
      entry.changes['parentTeam'] = { from: nameOf(change.previousParentKey), to: nameOf(change.parentKey) };
      updated.set(change.key, entry);
    }

    const events: OutgoingMessage[] = [];
    for (const team of [...placeholders, ...created]) {
      const final = this.state.get(team.key) as TeamState;
      events.push(this.outbox.message('team.created', { runId: this.runId, team: toDirectoryTeam(final, this.parentId(final)) }, this.pub));
    }
    for (const { team, changes } of updated.values()) {
      events.push(this.outbox.message('team.updated', { runId: this.runId, team: toDirectoryTeam(team, this.parentId(team)), changes }, this.pub));
    }
    await this.outbox.addMessages(this.em, events);
    return [...plan.problems, ...parents.problems];
  }

  /**
   * R-CSV-09 for the users whose `Teams` cell was not blank, in chunks; returns whose memberships changed. A user
   * the run created (`newUser`) has none yet: only the others' are read (on a first sync, none).
   */
  async applyMemberships(wanted: readonly (WantedMemberships & { newUser?: boolean })[]): Promise<Set<string>> {
    const changed = new Set<string>();
    for (let i = 0; i < wanted.length; i += MEMBERSHIP_CHUNK) {
      const chunk = wanted.slice(i, i + MEMBERSHIP_CHUNK);
      const current = await this.repo.membershipsOf(
        chunk.filter((w) => !w.newUser).map((w) => w.email),
        this.directoryId,
      );
      const none = new Set<string>();
      const plan = planMemberships(chunk, (email) => current.get(email) ?? none, (key) => this.state.has(key));
      // R-CSV-08: a team named on a user that does not exist is created, the tenant owner as owner.
      const placeholders = plan.placeholders.map(({ key, name }) => this.repo.withId(key, placeholderTeam(name, this.ctx)));
      await this.repo.insert(placeholders);
      for (const team of placeholders) this.state.set(team.key, team);
      // R-CSV-08 placeholders announced before the memberships that name them.
      await this.outbox.addMessages(
        this.em,
        placeholders.map((team) => this.outbox.message('team.created', { runId: this.runId, team: toDirectoryTeam(team, null) }, this.pub)),
      );
      const page = (name: 'membership.added' | 'membership.removed') => (rows: string) => this.outbox.pageSql(this.em, name, this.pub, rows);
      for (const email of await this.repo.addMemberships(plan.add, this.directoryId, this.runId, page('membership.added'))) changed.add(email);
      for (const email of await this.repo.removeMemberships(plan.remove, this.directoryId, this.runId, page('membership.removed'))) changed.add(email);
    }
    return changed;
  }

  async resolveOwners(): Promise<void> {
    await this.repo.resolveOwners();
  }
}

/** The teams a user record lists, by key, with the spelling it used. */
export function wantedTeamsOf(teams: readonly string[]): { key: string; name: string }[] {
  return teams.map((name) => ({ key: teamNameKey(name), name: name.trim() }));
}
