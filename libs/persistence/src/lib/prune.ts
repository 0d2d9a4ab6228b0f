import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from './database';

/** What a prune deleted: rows, and the delete statements it ran (the last one short). */
export interface PruneTotals {
  pruned: number;
  batches: number;
}

/**
 * Runs `batch` — one short delete of at most `limit` rows, returning how many it deleted — until a batch comes back
 * short: nothing unclaimed is left (batches lock their rows `for update skip locked`, so replicas pruning at once
 * share the work). `counted` hears each batch as it commits: what a prune deleted before a later batch failed is
 * gone all the same.
 */
export async function pruneInBatches(batch: () => Promise<number>, limit: number, counted: (deleted: number) => void = () => undefined): Promise<PruneTotals> {
  let pruned = 0;
  let batches = 0;
  for (;;) {
    const deleted = await batch();
    batches++;
    pruned += deleted;
    counted(deleted);
    if (deleted < limit) return { pruned, batches };
  }
}

/** Which rows of a table are old: ordered by `time`, keyed by `key`, and only those `where` holds (SQL on the table). */
export interface OldRows {
  /** The table, qualified (`qualified(em, 'runs')`). */
  table: string;
  key: string;
  time: string;
  where?: string;
}

/**
 * One prune batch: deletes at most `limit` rows of `rows.table` whose `time` is before `before` (and `where` holds),
 * oldest first, those another pruner holds skipped (`for update skip locked`). Returns how many went. The rows are found
 * through an index on `time`, locked and deleted by key in one statement: no lock outlives it.
 */
export async function deleteOldest(em: EntityManager, rows: OldRows, before: Date, limit: number): Promise<number> {
  const { table, key, time, where } = rows;
  const [row] = await sql<{ n: number }>(em,
    `with gone as (
       delete from ${table} where ${key} = any(array(
         select ${key} from ${table} where ${time} < ?${where ? ` and (${where})` : ''} order by ${time} limit ? for update skip locked
       )) returning 1
     )
     select count(*)::int as n from gone`,
    [before.toISOString(), limit],
  );
  return row?.n ?? 0;
}
