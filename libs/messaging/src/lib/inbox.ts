import { EntitySchema } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { qualified, sql } from '@roster/persistence';

export interface InboxRow {
  consumer: string;
  eventId: string;
  handledAt: Date;
}

const inboxProperties = () => ({
  consumer: { type: 'text', primary: true },
  eventId: { type: 'text', primary: true },
  handledAt: { type: 'datetime', defaultRaw: 'now()' },
}) as const;

/** Event ids a consumer has handled, written in the same transaction as the handler's effect. */
export const InboxMessageEntity = new EntitySchema<InboxRow>({
  name: 'InboxMessage',
  tableName: 'inbox',
  properties: inboxProperties(),
});

/**
 * The same table in a service that prunes a consumer's rows by age (`pruneInboxBatch`; directory-config, for its
 * inbound consumer): `(consumer, handled_at)` is indexed, so each batch reads only old rows of that consumer instead of
 * scanning the table. Its own entity name, so a process may load both variants; the services that never prune keep
 * `InboxMessageEntity` and no index to maintain.
 */
export const PrunedInboxMessageEntity = new EntitySchema<InboxRow>({
  name: 'PrunedInboxMessage',
  tableName: 'inbox',
  properties: inboxProperties(),
  indexes: [{ properties: ['consumer', 'handledAt'] }],
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

/**
 * Deletes up to `limit` inbox rows of `consumer` handled before `before`, oldest first, and returns how many went:
 * one short statement (its own transaction unless the caller's), so a prune of millions of rows never holds locks
 * long. Rows another pruner is deleting at the time are skipped (`skip locked`), not waited for; concurrent
 * pruners share the work, and a batch that comes back short means nothing unclaimed is left. The rows are found
 * through the `PrunedInboxMessageEntity` index and deleted by `ctid` (a TID scan: inbox rows are never updated, and
 * these are locked by the same statement); a join on the key made PostgreSQL hash the whole table per batch.
 */
export async function pruneInboxBatch(em: EntityManager, consumer: string, before: Date, limit: number): Promise<number> {
  const inbox = qualified(em, 'inbox');
  const rows = await sql<{ n: number }>(em,
    `with gone as (
       delete from ${inbox} where ctid = any(array(
         select ctid from ${inbox} where consumer = ? and handled_at < ? order by handled_at limit ? for update skip locked
       )) returning 1
     )
     select count(*)::int as n from gone`,
    [consumer, before.toISOString(), limit],
  );
  return rows[0]?.n ?? 0;
}
