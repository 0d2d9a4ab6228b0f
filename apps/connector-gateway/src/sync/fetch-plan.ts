import type { FetchMode, PayloadOf } from '@roster/contracts';

/**
 * How far back an incremental fetch reaches before the previous fetch's start: a record modified while that
 * fetch was paging (and missed by it) or stamped by a clock a little behind ours is fetched again, not lost.
 */
export const WATERMARK_OVERLAP_MS = 5 * 60_000;

export interface FetchPlan {
  fetch: FetchMode;
  modifiedAfter?: Date;
}

/** A directory's watermark (`fetch_watermarks`): when its last applied complete fetch, and its last full one, began. */
export interface FetchWatermark {
  fetchedFrom: Date;
  lastFullAt: Date | null;
}

/**
 * R-API-02: what a run fetches. A run asks `full` (a manual run's default), `incremental` or `auto` (a scheduled
 * run's default). `incremental`, or `auto` with a full fetch younger than `fullFetchEveryMs`, fetches the records
 * modified since the last applied complete fetch began, less WATERMARK_OVERLAP_MS; with no watermark yet, or a
 * connector that cannot filter by modification time, the fetch is full.
 */
export function planFetch(
  request: Pick<PayloadOf<'sync.requested'>, 'fetch' | 'trigger'>,
  mark: FetchWatermark | null,
  o: { canIncrement: boolean; fullFetchEveryMs: number; now: Date },
): FetchPlan {
  const asked = request.fetch ?? (request.trigger === 'schedule' ? 'auto' : 'full');
  if (asked === 'full' || !o.canIncrement || mark === null) return { fetch: 'full' };
  if (asked === 'auto' && (mark.lastFullAt === null || o.now.getTime() - mark.lastFullAt.getTime() > o.fullFetchEveryMs)) return { fetch: 'full' };
  return { fetch: 'incremental', modifiedAfter: new Date(mark.fetchedFrom.getTime() - WATERMARK_OVERLAP_MS) };
}
