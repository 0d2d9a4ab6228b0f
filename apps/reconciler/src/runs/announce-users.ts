import type { EntityManager } from '@mikro-orm/postgresql';
import type { Outbox, OutgoingMessage } from '@roster/messaging';
import { qualified } from '@roster/persistence';
import type { ManagerChange } from '@roster/reconciliation';
import { UsersRepository, directoryUserJsonSql, toDirectoryUser } from '../users/users.repository';

/** Users read, written and announced at a time in phase 2 (bounded memory however large the run). */
const ANNOUNCE_CHUNK = 1000;

/**
 * user.created for every user this run created, from the stored rows (manager included), a page of 1000 at a time,
 * in the order given (creation order), not the order PostgreSQL returns the rows in. PostgreSQL writes each event's
 * data (`directoryUserJsonSql`) into the outbox page itself: the rows are not read into the service, mapped,
 * validated and serialised one by one.
 */
export async function announceCreated(em: EntityManager, outbox: Outbox, ids: readonly string[], runId: string, tenantId: string) {
  const payloadHead = `{"runId":${JSON.stringify(runId)},"user":`;
  for (let i = 0; i < ids.length; i += ANNOUNCE_CHUNK) {
    await outbox.addBuilt(em, 'user.created', { tenantId, runId },
      `select k.n, ?::text || ${directoryUserJsonSql('u')} || '}'
         from unnest(?::uuid[]) with ordinality as k(id, n)
         join ${qualified(em, 'users')} u on u.tenant_id = ? and u.id = k.id`,
      [payloadHead, ids.slice(i, i + ANNOUNCE_CHUNK), tenantId],
    );
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
