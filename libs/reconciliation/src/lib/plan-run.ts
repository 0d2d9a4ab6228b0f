import type { CanonicalEmployee, RowProblem } from '@roster/contracts';
import { normalizeEmail, present } from './rows';
import { planUserChunk } from './plan-users';
import { type FetchOutcome, planOrphans } from './orphans';
import { checkSafeguard, removalOf, withoutRemoval, type SafeguardDecision } from './safeguard';
import type { PlanContext, StoredUser, UserOperation, UserPolicy } from './types';

export interface RunPlan {
  /** What to write; empty when the fetch was not complete or the run is held. */
  operations: UserOperation[];
  problems: RowProblem[];
  /** R-SAFE-01: held runs apply nothing until approved. */
  safeguard: SafeguardDecision;
  /** Every removal a held run waits to apply: the records' terminations, then the orphans. */
  pendingRemovals: UserOperation[];
}

/**
 * A whole run in memory, in the order the reconciler applies it: the records (R-API-04/05/07), then the orphans
 * (R-API-06), and the safeguard on both (R-SAFE-01: every user the run would deactivate or delete, whether absent
 * from the source or terminated by it; a held run writes nothing). The service does the same chunk by chunk with
 * the orphan query in SQL; this is the model the properties are stated on. `approved` is an admin's approval of a
 * held run: the ids of the held users, the only ones it may remove.
 */
export function planRun(
  current: readonly StoredUser[],
  incoming: readonly CanonicalEmployee[],
  policy: UserPolicy,
  ctx: PlanContext,
  outcome: FetchOutcome,
  approved?: ReadonlySet<string>,
): RunPlan {
  const none = { held: false, removals: 0, directoryUsers: 0 };
  if (outcome !== 'complete') return { operations: [], problems: [], safeguard: none, pendingRemovals: [] };
  const seen = {
    emails: new Set(incoming.map((e) => normalizeEmail(e.email))),
    externalIds: new Set(incoming.map((e) => present(e.externalId)).filter((id): id is string => id !== undefined)),
  };
  const byEmail = new Map(current.map((u) => [u.email, u]));
  const linked = new Map(current.filter((u) => u.externalId !== null && u.sourceDirectoryId === ctx.directoryId).map((u) => [u.externalId as string, u]));
  const chunk = planUserChunk(byEmail, incoming, policy, ctx, linked);
  const orphans = planOrphans(current, seen, policy, ctx, outcome);
  const removals = [...chunk.operations.filter((op) => removalOf(op, policy, ctx.now) !== undefined), ...orphans];
  const directoryUsers = current.filter((u) => u.status === 'active' && u.sourceDirectoryId === ctx.directoryId).length;
  const safeguard = checkSafeguard(removals.length, directoryUsers, policy.safeguard);
  if (approved === undefined) {
    if (safeguard.held) return { operations: [], problems: [], safeguard, pendingRemovals: removals };
    return { operations: [...chunk.operations, ...orphans], problems: chunk.problems, safeguard, pendingRemovals: [] };
  }
  const reviewed = (op: UserOperation) => op.kind === 'update' && approved.has(op.userId);
  const records = chunk.operations.map((op) => (removalOf(op, policy, ctx.now) === undefined || reviewed(op) ? op : withoutRemoval(op)));
  return { operations: [...records, ...orphans.filter(reviewed)], problems: chunk.problems, safeguard, pendingRemovals: [] };
}
