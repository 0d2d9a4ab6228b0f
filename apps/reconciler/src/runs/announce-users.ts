import type { EntityManager } from '@mikro-orm/postgresql';
import type { Outbox, OutgoingMessage } from '@roster/messaging';
import type { ManagerChange } from '@roster/reconciliation';
import { UsersRepository, toDirectoryUser } from '../users/users.repository';

/** Users read, written and announced at a time in phase 2 (bounded memory however large the run). */
const ANNOUNCE_CHUNK = 1000;

/**
 * user.created for every user this run created, from the stored rows (manager included), chunk by chunk, in the
 * order given (creation order), not the order PostgreSQL returns the rows in.
 */
export async function announceCreated(em: EntityManager, outbox: Outbox, users: UsersRepository, ids: readonly string[], runId: string, tenantId: string) {
  for (let i = 0; i < ids.length; i += ANNOUNCE_CHUNK) {
    const chunk = ids.slice(i, i + ANNOUNCE_CHUNK);
    const byId = new Map([...(await users.findByIds(chunk)).values()].map((user) => [user.id, user]));
    const events: OutgoingMessage[] = [];
    for (const id of chunk) {
      const user = byId.get(id);
      if (user) events.push(outbox.message('user.created', { runId, user: toDirectoryUser(user, user.managerId) }, { tenantId, runId }));
    }
    await outbox.addMessages(em, events);
  }
}

/** user.updated for each manager link that changed on a user who existed before this run. */
export async function announceManagerChanges(
  outbox: Outbox,
  em: EntityManager,
  users: UsersRepository,
  changes: readonly ManagerChange[],
  runId: string,
  tenantId: string,
) {
  for (let i = 0; i < changes.length; i += ANNOUNCE_CHUNK) {
    const chunk = changes.slice(i, i + ANNOUNCE_CHUNK);
    const rows = await users.findByEmails(chunk.map((c) => c.email));
    const events: OutgoingMessage[] = [];
    for (const change of chunk) {
      const user = rows.get(change.email);
      if (!user) continue;
      events.push(
        outbox.message(
          'user.updated',
          {
            runId,
            user: toDirectoryUser(user, user.managerId),
            changes: { managerEmail: { from: change.previousManagerEmail, to: change.managerEmail } },
          },
          { tenantId, runId },
        ),
      );
    }
    await outbox.addMessages(em, events);
  }
}
