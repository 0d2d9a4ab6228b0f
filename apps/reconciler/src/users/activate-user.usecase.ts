import { Injectable, Logger } from '@nestjs/common';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { Outbox, OutboxRelay } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { type UserChanges, contentOfStored, userContentHash } from '@roster/reconciliation';
import { type UserDbRow, toDirectoryUser, toStored } from './users.repository';

export type ActivationOutcome = 'activated' | 'not inactive' | 'no such user';

/**
 * R-API-05: an admin activates an inactive user (one an API directory with activation off created inactive, or one
 * deactivated since), once. The status, the content hash and `user.updated` (`changes.status` inactive → active) commit
 * together; a deactivation scheduled in the past (R-CSV-10, already carried out) is cleared with it, or the
 * scheduler would deactivate the user again at its next tick — one still ahead stays. Handled on the reconciler's
 * ordered records consumer, so never in the middle of a run's apply; a redelivery finds the user active and does
 * nothing. Runs after it leave the status as the admin set it: a record never activates or deactivates anybody unless
 * its source states a termination (R-API-05 makes activation the admin's; R-API-07 restores only inactive users).
 */
@Injectable()
export class ActivateUserUseCase {
  private readonly logger = new Logger(ActivateUserUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
  ) {}

  async execute(event: CloudEvent<PayloadOf<'user.activate.requested'>>, now = new Date()): Promise<ActivationOutcome> {
    const { tenantid: tenantId, data } = event;
    const outcome = await this.orm.em.fork().transactional((em) => this.activate(em, tenantId, data.userId, now));
    if (outcome === 'activated') this.relay.kick();
    this.logger.log({ tenantId, userId: data.userId, requestedBy: data.requestedBy, outcome }, 'user activation');
    return outcome;
  }

  private async activate(em: EntityManager, tenantId: string, userId: string, now: Date): Promise<ActivationOutcome> {
    const users = qualified(em, 'users');
    const [row] = await sql<UserDbRow>(em,
      `select u.*, m.email as manager_email from ${users} u left join ${users} m on m.id = u.manager_id
        where u.tenant_id = ? and u.id = ? for update of u`,
      [tenantId, userId],
    );
    if (!row) return 'no such user';
    if (row.status !== 'inactive') return 'not inactive';
    const before = toStored(row);
    const pastDue = before.deactivateAt !== null && Date.parse(before.deactivateAt) <= now.getTime();
    const content = { ...contentOfStored(before), status: 'active' as const, deactivateAt: pastDue ? null : before.deactivateAt };
    const user = { ...before, ...content, contentHash: userContentHash(content) };
    await sql(em, `update ${users} set status = 'active', deactivate_at = ?, content_hash = ?, updated_at = now() where id = ?`, [
      content.deactivateAt,
      user.contentHash,
      userId,
    ]);
    const changes: UserChanges = { status: { from: 'inactive', to: 'active' } };
    if (pastDue) changes.deactivateAt = { from: before.deactivateAt, to: null };
    await this.outbox.add(em, 'user.updated', { runId: null, user: toDirectoryUser(user, user.managerId), changes }, { tenantId });
    return 'activated';
  }
}
