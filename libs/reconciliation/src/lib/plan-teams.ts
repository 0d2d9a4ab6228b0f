import { TeamProblemCode, teamNameKey, type CanonicalTeam } from '@roster/contracts';
import { describeRef, present, refOf, rowProblem } from './rows';
import {
  TEAM_CONTENT_FIELDS,
  type NewTeam,
  type StoredTeam,
  type TeamChanges,
  type TeamContent,
  type TeamContext,
  type TeamOperation,
  type TeamPlan,
} from './team-types';
import type { RecordRef } from './types';

/**
 * Phase 1 for teams (R-CSV-03, R-CSV-05, R-CSV-07, R-CSV-14): what happens to each teams-file record's team.
 * `current` holds the tenant's teams by teamNameKey. Upsert by name: a name that is nobody's creates a team
 * (so a renamed team is a new team and the old one stays); blanks keep stored values. Parent links are only
 * collected here and decided by planTeamParents once every team of the file exists.
 */
export function planTeams(current: ReadonlyMap<string, StoredTeam>, incoming: readonly CanonicalTeam[], ctx: TeamContext): TeamPlan {
  const plan: TeamPlan = { operations: [], parentLinks: [], problems: [] };
  const firstSeen = new Map<string, RecordRef>();
  for (const record of incoming) {
    const name = record.name.trim();
    const key = teamNameKey(name);
    const ref = refOf(record);
    const first = firstSeen.get(key);
    if (first) {
      plan.problems.push(rowProblem(ref, 'Team Name', TeamProblemCode.DUPLICATE_TEAM, `${name} already appears in ${describeRef(first)}; this row was skipped`));
      continue;
    }
    firstSeen.set(key, ref);
    plan.operations.push(planTeam(current.get(key), record, name, key, ref, ctx));
    const parentName = present(record.parentName)?.trim();
    if (parentName === undefined) continue; // blank keeps the current parent (R-CSV-07)
    const parentKey = teamNameKey(parentName);
    if (parentKey === key) {
      plan.problems.push(rowProblem(ref, 'Parent Team', TeamProblemCode.SELF_PARENT, `${name} cannot be its own parent team; the rest of the row was applied`));
      continue;
    }
    plan.parentLinks.push({ ...ref, key, name, parentKey, parentName });
  }
  return plan;
}

/** A team named as a parent or on a user that does not exist (R-CSV-08): the name and default values. */
export function placeholderTeam(name: string, ctx: TeamContext): NewTeam {
  return { name: name.trim(), ownerEmail: ctx.tenantOwnerEmail, type: null, description: null, sourceDirectoryId: ctx.directoryId, parentKey: null };
}

export function teamContentOf(team: TeamContent): TeamContent {
  return { name: team.name, ownerEmail: team.ownerEmail, type: team.type, description: team.description, sourceDirectoryId: team.sourceDirectoryId };
}

export function diffTeams(before: TeamContent, after: TeamContent): TeamChanges {
  const changes: TeamChanges = {};
  for (const field of TEAM_CONTENT_FIELDS) {
    if (before[field] !== after[field]) Object.assign(changes, { [field]: { from: before[field], to: after[field] } });
  }
  return changes;
}

function planTeam(stored: StoredTeam | undefined, record: CanonicalTeam, name: string, key: string, ref: RecordRef, ctx: TeamContext): TeamOperation {
  if (!stored) {
    const team = merge({ ...placeholderTeam(name, ctx) }, record, name);
    return { kind: 'create', ref, key, team: { ...team, parentKey: null } };
  }
  const before = teamContentOf(stored);
  // A team first made by another source (or none) becomes owned by this directory only when it had no owner.
  const base = { ...before, sourceDirectoryId: before.sourceDirectoryId ?? ctx.directoryId };
  const after = merge(base, record, name);
  const changes = diffTeams(before, after);
  if (Object.keys(changes).length === 0) return { kind: 'unchanged', ref, key };
  return { kind: 'update', ref, key, changes, next: { ...stored, ...after } };
}

/** The record over `base`: what it says wins, blanks keep (R-CSV-07); the file's spelling of the name wins. */
function merge<T extends TeamContent>(base: T, record: CanonicalTeam, name: string): T {
  const next = { ...base, name };
  const owner = present(record.ownerEmail);
  if (owner !== undefined) next.ownerEmail = owner.trim().toLowerCase();
  const type = present(record.type);
  if (type !== undefined) next.type = type;
  const description = present(record.description);
  if (description !== undefined) next.description = description;
  return next;
}

