import { Inject, Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Outbox, OutboxRelay } from '@roster/messaging';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { ASKER, type Asker } from '../rpc/rpc.client';

/**
 * R-API-07: an admin asks for a user's personal data to be erased. The user must be the tenant's and not erased
 * already (asked of the reconciler, which owns users); the request then goes through the outbox to the reconciler's
 * ordered records consumer, which anonymizes once (idempotent) and announces `user.anonymized`. Accepted, not done:
 * the answer is 202 and the user's status says when it happened.
 */
@Injectable()
export class AnonymizeUserUseCase {
  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    @Inject(ASKER) private readonly rpc: Asker,
  ) {}

  async request(tenantId: string, userId: string, requestedBy: string): Promise<{ userId: string; status: 'anonymization-requested' }> {
    const user = await this.rpc.ask('user.status', { tenantId, userId });
    if (!user.found) throw new DirectoryConfigException(DirectoryConfigExceptionCode.USER_NOT_FOUND, `user ${userId} does not exist in tenant ${tenantId}`);
    if (user.status === 'anonymized') {
      throw new DirectoryConfigException(DirectoryConfigExceptionCode.USER_ALREADY_ANONYMIZED, `user ${userId} is already anonymized; there is nothing left to erase`);
    }
    await this.orm.em.fork().transactional((em) => this.outbox.add(em, 'user.anonymize.requested', { userId, requestedBy }, { tenantId }));
    this.relay.kick();
    return { userId, status: 'anonymization-requested' };
  }
}
