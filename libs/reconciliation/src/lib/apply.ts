import { placeholderUser } from './plan-users';
import type { ManagerPlan, NewUser, PlanContext, StoredUser, UserOperation, UserPolicy } from './types';

export type NewUserId = (user: NewUser) => string;
const idFromEmail: NewUserId = (user) => `new:${user.email}`;

/**
 * The directory after a phase 1 plan, keyed by lower-case email: what the service's upserts amount to.
 * For tests and for anyone who needs the resulting state in memory; the service writes operations in bulk.
 */
export function applyUserOperations(
  current: ReadonlyMap<string, StoredUser>,
  operations: readonly UserOperation[],
  newId: NewUserId = idFromEmail,
): Map<string, StoredUser> {
  const next = new Map(current);
  for (const op of operations) {
    if (op.kind === 'create') next.set(op.user.email, { ...op.user, id: newId(op.user) });
    if (op.kind === 'update') next.set(op.email, op.next);
  }
  return next;
}

/** The directory after a phase 2 plan: placeholders created, then the managers set. */
export function applyManagerPlan(
  current: ReadonlyMap<string, StoredUser>,
  plan: ManagerPlan,
  policy: UserPolicy,
  ctx: PlanContext,
  newId: NewUserId = idFromEmail,
): Map<string, StoredUser> {
  const next = new Map(current);
  for (const email of plan.placeholders) {
    const user = placeholderUser(email, policy, ctx);
    next.set(user.email, { ...user, id: newId(user) });
  }
  for (const { email, managerEmail } of plan.setManager) {
    const user = next.get(email);
    if (user) next.set(email, { ...user, managerEmail });
  }
  return next;
}
