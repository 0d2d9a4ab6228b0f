import type { EntityManager } from '@mikro-orm/postgresql';
import type { PayloadOf } from '@roster/contracts';
import type { Outbox } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { type UserPolicy, checkSafeguard } from '@roster/reconciliation';
import type { RunOrphans } from './orphans';

/** How many of the held users travel on `run.progress` for review; the reconciler keeps them all. */
const REVIEW_FIRST = 100;

/**
 * R-SAFE-01, before anything of the run is written: when the run's orphan action would deactivate or delete more
 * users than the directory's threshold, the run is held — its staged batches stay, the users it would remove are
 * kept in `held_removals`, `run_states` is `held` with the completion to apply on approval, and
 * `run.progress` (awaiting-approval, with who would go) goes out through the outbox. Returns true when held.
 */
export async function holdIfOverThreshold(
  em: EntityManager,
  outbox: Outbox,
  tenantId: string,
  data: PayloadOf<'records.complete'>,
  policy: UserPolicy,
  orphans: RunOrphans,
): Promise<boolean> {
  if (policy.orphans === 'ignore' || policy.safeguard === null) return false;
  const { orphans: removals, directoryUsers } = await orphans.count();
  const decision = checkSafeguard(removals, directoryUsers, policy.safeguard);
  if (!decision.held) return false;
  const users = await orphans.hold(policy.orphans, REVIEW_FIRST);
  await sql(em, `update ${qualified(em, 'run_states')} set status = 'held', completion = ?::jsonb where run_id = ?`, [JSON.stringify(data), data.runId]);
  await outbox.add(
    em,
    'run.progress',
    {
      runId: data.runId,
      directoryId: data.directoryId,
      status: 'awaiting-approval',
      fileName: data.fileName,
      pendingRemovals: {
        deactivate: policy.orphans === 'deactivate' ? removals : 0,
        delete: policy.orphans === 'delete' ? removals : 0,
        directoryUsers,
        threshold: policy.safeguard,
        users,
      },
      notify: data.notify,
    },
    { tenantId, runId: data.runId, id: `${data.runId}:awaiting-approval` },
  );
  return true;
}
