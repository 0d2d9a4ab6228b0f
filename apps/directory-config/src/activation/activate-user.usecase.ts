import { Inject, Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Outbox, OutboxRelay } from '@roster/messaging';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { ASKER, type Asker } from '../rpc/rpc.client';

/**
 * R-API-05: an admin activates a user — the step a directory with activation off leaves to them (its new and restored
 * users are created inactive). The user must be the tenant's and inactive (asked of the reconciler, which owns users);
 * the request then goes through the outbox to the reconciler's ordered records consumer, which sets the user active
 * once and announces `user.updated` with the status change. Accepted, not done: the answer is 202 and the user's
 * status says when it happened.
 */
@Injectable()
export class ActivateUserUseCase {
  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    @Inject(ASKER) private readonly rpc: Asker,
  ) {}

  async request(tenantId: string, userId: string, requestedBy: string): Promise<{ userId: string; status: 'activation-requested' }> {
    const user = await this.rpc.ask('user.status', { tenantId, userId });
    if (!user.found) throw new DirectoryConfigException(DirectoryConfigExceptionCode.USER_NOT_FOUND, `user ${userId} does not exist in tenant ${tenantId}`);
    if (user.status !== 'inactive') {
      throw new DirectoryConfigException(
        DirectoryConfigExceptionCode.USER_NOT_INACTIVE,
        `user ${userId} is ${user.status}; only an inactive user can be activated${user.status === 'deleted' ? ' (a deleted user comes back when its source lists it again, R-API-07)' : ''}`,
      );
    }
    await this.orm.em.fork().transactional((em) => this.outbox.add(em, 'user.activate.requested', { userId, requestedBy }, { tenantId }));
    this.relay.kick();
    return { userId, status: 'activation-requested' };
  }
}
