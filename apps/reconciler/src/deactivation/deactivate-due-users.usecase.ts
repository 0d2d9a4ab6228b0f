import { Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Outbox, OutboxRelay } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { contentOfStored, userContentHash } from '@roster/reconciliation';
import { UserDbRow, toDirectoryUser, toStored } from '../users/users.repository';

const CLAIM = 500;

/**
 * R-CSV-10: deactivates the active users whose `deactivate_at` has passed. The schedule is the column itself,
 * so it survives restarts; rows are claimed `FOR UPDATE SKIP LOCKED`, so replicas running this at the same
 * time each take different users and a user is deactivated (and announced) once. The status change, the new
 * content hash and the `user.updated` event commit together (outbox). The manager link is left as it is
 * (R-CSV-13: a deactivated manager stays the manager of their reports).
 */
@Injectable()
export class DeactivateDueUsersUseCase {
  private readonly logger = new Logger(DeactivateDueUsersUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
  ) {}

  /** Deactivates every user due at `now`, in claims of 500; returns how many. */
  async execute(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await this.claimAndDeactivate(now);
      total += done;
      if (done < CLAIM) break;
    }
    if (total > 0) {
      this.relay.kick();
      this.logger.log({ deactivated: total }, 'scheduled deactivations applied');
    }
    return total;
  }

  private claimAndDeactivate(now: Date): Promise<number> {
    return this.orm.em.fork().transactional(async (em) => {
      const users = qualified(em, 'users');
      const due = await sql<(UserDbRow & { tenant_id: string })>(em,
        `select u.*, m.email as manager_email from ${users} u left join ${users} m on m.id = u.manager_id
          where u.status = 'active' and u.deactivate_at <= ?
          order by u.deactivate_at limit ? for update of u skip locked`,
        [now.toISOString(), CLAIM],
      );
      if (due.length === 0) return 0;
      const next = due.map((row) => {
        const before = toStored(row);
        const content = { ...contentOfStored(before), status: 'inactive' as const };
        return { tenantId: row.tenant_id, user: { ...before, ...content, contentHash: userContentHash(content) } };
      });
      await sql(em,
        `update ${users} u set status = 'inactive', content_hash = v.hash, updated_at = now()
           from (values ${next.map(() => '(?::uuid, ?)').join(', ')}) as v(id, hash) where u.id = v.id`,
        next.flatMap(({ user }) => [user.id, user.contentHash]),
      );
      await this.outbox.addMessages(
        em,
        next.map(({ tenantId, user }) =>
          this.outbox.message(
            'user.updated',
            { runId: null, user: toDirectoryUser(user, user.managerId), changes: { status: { from: 'active', to: 'inactive' } } },
            { tenantId },
          ),
        ),
      );
      return due.length;
    });
  }
}
