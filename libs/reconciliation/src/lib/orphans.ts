import { contentOf, diffContent } from './content';
import { userContentHash } from './hash';
import type { OrphanAction, PlanContext, StoredUser, UserOperation, UserPolicy } from './types';

/** The keys a run's records carry: a user whose email or (directory) external id is among them was seen. */
export interface SeenKeys {
  emails: Pick<ReadonlySet<string>, 'has'>;
  externalIds: Pick<ReadonlySet<string>, 'has'>;
}

/** How complete the source's fetch was (records.complete `outcome`). */
export type FetchOutcome = 'complete' | 'incomplete' | 'failed';

/**
 * R-API-06: an orphan is an active user owned by this directory whom the run did not see, by email or by
 * external id. The reconciler runs the same predicate in SQL (apps/reconciler/src/runs/orphans.ts).
 */
export function isOrphan(user: StoredUser, seen: SeenKeys, ctx: PlanContext): boolean {
  return (
    user.status === 'active' &&
    user.sourceDirectoryId === ctx.directoryId &&
    !seen.emails.has(user.email) &&
    (user.externalId === null || !seen.externalIds.has(user.externalId))
  );
}

/** The update that deactivates or deletes one orphan (R-API-06). */
export function orphanOperation(user: StoredUser, action: Exclude<OrphanAction, 'ignore'>): UserOperation {
  const before = contentOf(user);
  const after = { ...before, status: action === 'delete' ? ('deleted' as const) : ('inactive' as const) };
  const next: StoredUser = { ...user, ...after, contentHash: userContentHash(after) };
  const ref = user.externalId === null ? {} : { externalId: user.externalId };
  return { kind: 'update', ref, userId: user.id, email: user.email, changes: diffContent(before, after), next };
}

/**
 * R-API-06: what a run does to its orphans. Only a complete fetch acts on them: an incomplete or failed one
 * never deactivates or deletes anybody, whatever the policy.
 */
export function planOrphans(
  users: Iterable<StoredUser>,
  seen: SeenKeys,
  policy: UserPolicy,
  ctx: PlanContext,
  outcome: FetchOutcome,
): UserOperation[] {
  if (outcome !== 'complete' || policy.orphans === 'ignore') return [];
  const action = policy.orphans;
  const operations: UserOperation[] = [];
  for (const user of users) if (isOrphan(user, seen, ctx)) operations.push(orphanOperation(user, action));
  return operations;
}
