import { groupKeyOf, type CanonicalGroup, type CanonicalGroupType, type DirectoryType, type FetchMode, type SyncPolicy } from '@roster/contracts';
import { planMemberships } from './plan-memberships';
import type { MembershipPlan } from './team-types';

/**
 * R-API-08 as data: what a run does with its directory's groups.
 * - `sync`: source groups become the directory's groups and memberships follow the source exactly;
 * - `freeze`: synchronize off, preserve on — groups and memberships synced earlier are left as they are;
 * - `remove`: both off — the directory's groups and their memberships are removed.
 * `snapshot`: the run saw the whole source (a complete API fetch), so a group no record has left the source;
 * an event directory's micro-batch is not a snapshot and never removes a group for being unseen.
 * R-API-09: the run's synced users are taken out of local groups / groups owned by other directories.
 */
export interface GroupPolicy {
  mode: 'sync' | 'freeze' | 'remove';
  snapshot: boolean;
  removeLocalGroups: boolean;
  removeOtherDirectoryGroups: boolean;
}

/** The group policy of a run; null for runs without a sync policy (file sources: groups are not theirs). */
export function runGroupPolicyOf(run: { directoryType: DirectoryType; policy?: SyncPolicy; fetch?: FetchMode }): GroupPolicy | null {
  const policy = run.policy;
  if (policy === undefined) return null;
  return {
    mode: policy.synchronizeGroups ? 'sync' : policy.preserveGroups ? 'freeze' : 'remove',
    // Only a full fetch is the source's whole population: groups no record carries are gone only after one.
    snapshot: run.directoryType !== 'event' && run.fetch !== 'incremental',
    removeLocalGroups: policy.removeLocalGroups,
    removeOtherDirectoryGroups: policy.removeOtherDirectoryGroups,
  };
}

/** A directory's group as stored. */
export interface StoredGroup {
  id: string;
  /** groupKeyOf: the source's id within the directory. */
  key: string;
  name: string;
  type: CanonicalGroupType;
}

export type GroupChanges = { name?: { from: string; to: string }; type?: { from: CanonicalGroupType; to: CanonicalGroupType } };

export interface GroupPlan {
  create: Omit<StoredGroup, 'id'>[];
  update: { group: StoredGroup; changes: GroupChanges }[];
  remove: { group: StoredGroup; reason: 'not-in-source' | 'synchronization-off' }[];
}

/**
 * The directory's groups after a run: `stored` by key, `seen` the groups the run's records carry (any order,
 * repeats allowed: the first spelling of a key wins). Pure; planning the applied result again is empty.
 */
export function planGroups(stored: ReadonlyMap<string, StoredGroup>, seen: readonly CanonicalGroup[], policy: GroupPolicy): GroupPlan {
  const plan: GroupPlan = { create: [], update: [], remove: [] };
  if (policy.mode === 'freeze') return plan;
  if (policy.mode === 'remove') {
    for (const group of stored.values()) plan.remove.push({ group, reason: 'synchronization-off' });
    return plan;
  }
  const keys = new Set<string>();
  for (const g of seen) {
    const key = groupKeyOf(g);
    if (keys.has(key)) continue;
    keys.add(key);
    const name = g.name.trim();
    const current = stored.get(key);
    if (!current) {
      plan.create.push({ key, name, type: g.type });
      continue;
    }
    const changes: GroupChanges = {};
    if (current.name !== name) changes.name = { from: current.name, to: name };
    if (current.type !== g.type) changes.type = { from: current.type, to: g.type };
    if (changes.name || changes.type) plan.update.push({ group: { ...current, name, type: g.type }, changes });
  }
  if (policy.snapshot) {
    for (const group of stored.values()) if (!keys.has(group.key)) plan.remove.push({ group, reason: 'not-in-source' });
  }
  return plan;
}

/** The groups one synced user's record lists (R-API-08); null when the record said nothing about groups. */
export interface WantedGroups {
  email: string;
  groups: readonly CanonicalGroup[] | null;
}

/**
 * R-API-08 memberships, `sync` mode: a user whose record lists groups is a member of exactly those of the
 * directory's groups (nothing implied); a record that says nothing about groups keeps the user's memberships.
 * `currentOf` gives the group keys a user is a member of in this directory. Every listed group exists by then
 * (planGroups created it), so there are no placeholders.
 */
export function planGroupMemberships(wanted: readonly WantedGroups[], currentOf: (email: string) => ReadonlySet<string>): Omit<MembershipPlan, 'placeholders'> {
  const listed = wanted.flatMap((w) => (w.groups === null ? [] : [{ email: w.email, teams: w.groups.map((g) => ({ key: groupKeyOf(g), name: g.name })) }]));
  const { add, remove } = planMemberships(listed, currentOf, () => true);
  return { add, remove };
}
