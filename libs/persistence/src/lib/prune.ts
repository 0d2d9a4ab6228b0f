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
