import { EntitySchema } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { qualified, sql } from '@roster/persistence';

export interface InboxRow {
  consumer: string;
  eventId: string;
  handledAt: Date;
}

/** Event ids a consumer has handled, written in the same transaction as the handler's effect. */
export const InboxMessageEntity = new EntitySchema<InboxRow>({
  name: 'InboxMessage',
  tableName: 'inbox',
  properties: {
    consumer: { type: 'text', primary: true },
    eventId: { type: 'text', primary: true },
    handledAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

/** Claims (consumer, event id) inside the caller's transaction; false means "already handled". */
export async function claimInbox(em: EntityManager, consumer: string, eventId: string): Promise<boolean> {
  const rows = await sql<{ event_id: string }>(em,
    `insert into ${qualified(em, 'inbox')} (consumer, event_id) values (?, ?) on conflict do nothing returning event_id`,
    [consumer, eventId],
  );
  return rows.length === 1;
}

/**
 * Runs `work` exactly once per (consumer, event id): inbox claim and effect commit together, so a redelivery
 * after a crash either finds the claim (and skips) or redoes the whole unit of work.
 */
export async function handleOnce<T>(
  orm: MikroORM,
  consumer: string,
  eventId: string,
  work: (em: EntityManager) => Promise<T>,
): Promise<{ duplicate: true } | { duplicate: false; result: T }> {
  return orm.em.fork().transactional(async (em) => {
    if (!(await claimInbox(em, consumer, eventId))) return { duplicate: true as const };
    return { duplicate: false as const, result: await work(em) };
  });
}
