import type { EntityManager } from '@mikro-orm/postgresql';
import type { HeldRemoval, PayloadOf } from '@roster/contracts';
import type { Outbox } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { type RemovalAction, type SafeguardThreshold, type UserOperation, type UserPolicy, checkSafeguard, removalOf, withoutRemoval } from '@roster/reconciliation';
import type { RunOrphans } from './orphans';

/** How many of the held users travel on `run.progress` for review; the reconciler keeps them all. */
const REVIEW_FIRST = 100;
/** Held users written per statement. */
const HOLD_CHUNK = 1000;
/** Everything the run writes before the decision, undone when it is held. */
const SAVEPOINT = 'run_safeguard';

type Mode = 'try' | 'approved' | 'off';

/**
 * R-SAFE-01 for one run, in the run's transaction: every user the run would deactivate or delete counts — the
 * orphans of its policy (R-API-06, an anti-join before anything is written) and the users its records remove
 * (`removalOf`: a termination the source states, a file's past deactivation date), which only planning the records
 * tells. So the run is tried: a savepoint, the records applied as usual while `review` notes each removal, then
 * `holdIfOver`. Under the threshold the savepoint is released and the run goes on (one apply, as before); over it,
 * everything since the savepoint is rolled back and the run is held — its staged batches stay, every user it would
 * remove is kept in `held_removals`, `run_states` is `held` with the completion, and `run.progress`
 * (awaiting-approval, with who would go) goes out through the outbox. An approved run is applied again from its
 * staged batches with `review` dropping every removal that is not in the held list, so an approval never removes
 * more than the admin reviewed, whatever changed since.
 */
export class RunSafeguard {
  /**
   * Users the records would remove, by action; filled only while a run is tried. Kept as 16 bytes per user, not as
   * strings (~64 B each): a source terminating a million people is the case this guard exists for.
   */
  private readonly removed: Record<RemovalAction, UuidList> = { deactivate: new UuidList(), delete: new UuidList() };

  private constructor(
    private readonly em: EntityManager,
    private readonly outbox: Outbox,
    private readonly tenantId: string,
    private readonly data: PayloadOf<'records.complete'>,
    private readonly policy: UserPolicy,
    private readonly orphans: RunOrphans,
    private readonly mode: Mode,
    private readonly base: { orphans: number; directoryUsers: number; threshold: SafeguardThreshold | null },
  ) {}

  /**
   * Before the run writes anything. `approved`: the apply of a held run an admin approved. A run with no threshold
   * (an event run) or an incomplete fetch (it applies nothing) is not tried.
   */
  static async start(
    em: EntityManager,
    outbox: Outbox,
    tenantId: string,
    data: PayloadOf<'records.complete'>,
    policy: UserPolicy,
    orphans: RunOrphans,
    approved: boolean,
  ): Promise<RunSafeguard> {
    const make = (mode: Mode, base = { orphans: 0, directoryUsers: 0, threshold: policy.safeguard }) => new RunSafeguard(em, outbox, tenantId, data, policy, orphans, mode, base);
    if (approved) return make('approved');
    if (data.outcome !== 'complete' || policy.safeguard === null) return make('off');
    // Counted (and the run's seen keys made) before the savepoint, so they outlive its rollback. A policy that
    // orphans nobody (files, R-CSV) needs only the base: no seen keys, no anti-join over the directory.
    const counted = policy.orphans === 'ignore' ? { orphans: 0, directoryUsers: await orphans.directoryUsers() } : await orphans.count();
    await sql(em, `savepoint ${SAVEPOINT}`);
    return make('try', { ...counted, threshold: policy.safeguard });
  }

  /** After an approval only the held users may be removed (orphans included, RunOrphans.apply). */
  get approved(): boolean {
    return this.mode === 'approved';
  }

  /**
   * A batch's planned operations: notes who they remove while the run is tried; after an approval, a removal of a
   * user not in the held list is dropped from its operation (the rest of the record still applies).
   */
  async review(operations: UserOperation[], now: Date): Promise<UserOperation[]> {
    if (this.mode === 'off') return operations;
    const removals = new Map<string, RemovalAction>();
    for (const op of operations) {
      const action = removalOf(op, this.policy, now);
      if (action !== undefined && op.kind === 'update') removals.set(op.userId, action);
    }
    if (removals.size === 0) return operations;
    if (this.mode === 'try') {
      for (const [userId, action] of removals) this.removed[action].push(userId);
      return operations;
    }
    const rows = await sql<{ user_id: string }>(this.em,
      `select user_id from ${qualified(this.em, 'held_removals')} where run_id = ? and user_id in (select jsonb_array_elements_text(?::jsonb)::uuid)`,
      [this.data.runId, JSON.stringify([...removals.keys()])],
    );
    const held = new Set(rows.map((r) => r.user_id));
    return operations.map((op) => (op.kind === 'update' && removals.has(op.userId) && !held.has(op.userId) ? withoutRemoval(op) : op));
  }

  /** Once the records are planned and written: true (and the run held, its writes undone) when over the threshold. */
  async holdIfOver(): Promise<boolean> {
    if (this.mode !== 'try') return false;
    const removals = this.base.orphans + this.removed.deactivate.size + this.removed.delete.size;
    if (!checkSafeguard(removals, this.base.directoryUsers, this.base.threshold).held) {
      await sql(this.em, `release savepoint ${SAVEPOINT}`);
      return false;
    }
    await sql(this.em, `rollback to savepoint ${SAVEPOINT}`);
    this.em.clear();
    await this.hold();
    return true;
  }

  private async hold(): Promise<void> {
    const { em, data } = this;
    const threshold = this.base.threshold;
    if (threshold === null) throw new Error('unreachable: a run without a threshold is never held');
    const held = qualified(em, 'held_removals');
    if (this.policy.orphans !== 'ignore' && this.base.orphans > 0) await this.orphans.hold(this.policy.orphans);
    for (const action of ['deactivate', 'delete'] as const) {
      for (const chunk of this.removed[action].chunks(HOLD_CHUNK)) {
        await sql(em,
          `insert into ${held} (run_id, user_id, email, action)
             select ?, u.id, u.email, ? from ${qualified(em, 'users')} u
              where u.tenant_id = ? and u.id in (select jsonb_array_elements_text(?::jsonb)::uuid)
           on conflict do nothing`,
          [data.runId, action, this.tenantId, JSON.stringify(chunk)],
        );
      }
    }
    const totals = await sql<{ action: RemovalAction; n: string }>(em, `select action, count(*) as n from ${held} where run_id = ? group by action`, [data.runId]);
    const count = (action: RemovalAction) => Number(totals.find((t) => t.action === action)?.n ?? 0);
    const first = await sql<{ user_id: string; email: string; action: HeldRemoval['action'] }>(em,
      `select user_id, email, action from ${held} where run_id = ? order by email limit ?`,
      [data.runId, REVIEW_FIRST],
    );
    await sql(em, `update ${qualified(em, 'run_states')} set status = 'held', completion = ?::jsonb where run_id = ?`, [JSON.stringify(data), data.runId]);
    await this.outbox.add(
      em,
      'run.progress',
      {
        runId: data.runId,
        directoryId: data.directoryId,
        status: 'awaiting-approval',
        fileName: data.fileName,
        pendingRemovals: {
          deactivate: count('deactivate'),
          delete: count('delete'),
          directoryUsers: this.base.directoryUsers,
          threshold,
          users: first.map((r) => ({ userId: r.user_id, email: r.email, action: r.action })),
        },
        notify: data.notify,
      },
      { tenantId: this.tenantId, runId: data.runId, id: `${data.runId}:awaiting-approval` },
    );
  }
}

/** UUIDs in a growing buffer, 16 bytes each, read back in chunks of strings. */
export class UuidList {
  private buffer = Buffer.alloc(16 * 1024);
  size = 0;

  push(uuid: string): void {
    const hex = uuid.replace(/-/g, '');
    if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a uuid: ${uuid}`);
    if ((this.size + 1) * 16 > this.buffer.length) {
      const grown = Buffer.alloc(this.buffer.length * 2);
      this.buffer.copy(grown);
      this.buffer = grown;
    }
    this.buffer.write(hex, this.size * 16, 'hex');
    this.size++;
  }

  *chunks(size: number): Generator<string[]> {
    for (let i = 0; i < this.size; i += size) {
      const chunk: string[] = [];
      for (let j = i; j < Math.min(i + size, this.size); j++) {
        const h = this.buffer.toString('hex', j * 16, j * 16 + 16);
        chunk.push(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
      }
      yield chunk;
    }
  }
}
