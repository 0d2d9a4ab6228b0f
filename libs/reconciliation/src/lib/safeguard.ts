import { contentOf } from './content';
import { userContentHash } from './hash';
import type { SafeguardThreshold, UserChanges, UserOperation, UserPolicy } from './types';

export interface SafeguardDecision {
  held: boolean;
  /** Users the run would deactivate or delete. */
  removals: number;
  /** Active users of the directory before the run (the base of the percentage). */
  directoryUsers: number;
}

/**
 * R-SAFE-01: a run that would deactivate or delete more users than the directory's threshold is held for an
 * admin's approval. Either threshold holds it: more than `count` users, or more than `percent` % of the
 * directory's active users (Entra's count and Okta's 20 % both protect; the stricter wins). A run removing
 * nobody is never held; `count: 0` holds any removal; a null threshold never holds.
 */
export function checkSafeguard(removals: number, directoryUsers: number, threshold: SafeguardThreshold | null): SafeguardDecision {
  const over = threshold !== null && removals > 0 && (removals > threshold.count || removals * 100 > threshold.percent * directoryUsers);
  return { held: over, removals, directoryUsers };
}

/** What a removal does to the user: R-API-06's two actions, and a record's termination (always a deactivation). */
export type RemovalAction = 'deactivate' | 'delete';

/**
 * R-SAFE-01: whether a record's operation removes a user who is active now — a termination the source states (an
 * HR system's INACTIVE employment or past termination date, an event's termination, R-API-05/R-EVT-02: status to
 * inactive in this run), or a file's past `Deactivation Date` (R-CSV-10: the run schedules the deactivation within
 * its grace period, `pastDeactivationDelayMs`). A deactivation scheduled further ahead is the source's plan for a
 * later day, not this run's removal; a user created inactive was never active.
 */
export function removalOf(op: UserOperation, policy: Pick<UserPolicy, 'pastDeactivationDelayMs'>, now: Date): RemovalAction | undefined {
  if (op.kind !== 'update') return undefined;
  const status = op.changes.status;
  if (status !== undefined) {
    if (status.from !== 'active') return undefined;
    return status.to === 'deleted' ? 'delete' : status.to === 'inactive' ? 'deactivate' : undefined;
  }
  const scheduled = op.changes.deactivateAt?.to;
  if (op.next.status !== 'active' || scheduled === undefined || scheduled === null) return undefined;
  return Date.parse(scheduled) <= now.getTime() + policy.pastDeactivationDelayMs ? 'deactivate' : undefined;
}

/**
 * R-SAFE-01, approving a held run: the operation without its removal — the user keeps the status and scheduled
 * deactivation they have, and every other change of the record still applies. Used for a removal the admin did not
 * review (not in the held list), so an approval never removes more than the held plan.
 */
export function withoutRemoval(op: UserOperation): UserOperation {
  if (op.kind !== 'update') return op;
  const { status, deactivateAt, ...rest } = op.changes;
  const kept = { ...op.next };
  if (status !== undefined) kept.status = status.from;
  if (deactivateAt !== undefined) kept.deactivateAt = deactivateAt.from;
  const changes: UserChanges = rest;
  if (Object.keys(changes).length === 0) return { kind: 'unchanged', ref: op.ref, userId: op.userId, email: op.email };
  return { ...op, changes, next: { ...kept, contentHash: userContentHash(contentOf(kept)) } };
}
