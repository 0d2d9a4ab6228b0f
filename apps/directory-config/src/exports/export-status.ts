import type { ExportStatus } from '@roster/contracts';
import type { Export, ExportFailure } from './export.entity';

/** One fact about an export, from an export event or a dead letter of one. */
export type ExportChange =
  | { kind: 'building'; at: Date }
  | { kind: 'ready'; at: Date; rowCount: number; size: number; fileName: string }
  | { kind: 'mailed'; at: Date; rowCount: number }
  | { kind: 'failed'; at: Date; failure: ExportFailure };

const RANK: Record<Exclude<ExportStatus, 'failed'>, number> = { requested: 0, building: 1, ready: 2, mailed: 3 };

export type ExportState = Pick<
  Export,
  'status' | 'rowCount' | 'size' | 'fileName' | 'failure' | 'startedAt' | 'readyAt' | 'mailedAt' | 'failedAt'
>;

/**
 * The export after a change. Events come at least once and from three consumers (the export events, and the dead
 * letters of the reconciler's and the notifier's), so the rules do not depend on order or count:
 * - the status only moves forward (requested → building → ready → mailed); `mailed` is the end, nothing moves it;
 * - a dead letter fails the export unless it was mailed;
 * - a failed export moves on only with a fact newer than its failure (an operator redrove the dead letter, R-OPS-02).
 * Facts (rows, bytes, file name, times) are recorded whatever the status, so a late fact is never lost.
 */
export function applyExportChange(current: ExportState, change: ExportChange): ExportState {
  const next: ExportState = { ...current };
  if (change.kind === 'failed') {
    if (current.status === 'mailed') return next;
    if (current.status === 'failed' && current.failedAt && current.failedAt >= change.at) return next;
    return { ...next, status: 'failed', failure: change.failure, failedAt: change.at };
  }
  if (change.kind === 'building') next.startedAt = current.startedAt && current.startedAt > change.at ? current.startedAt : change.at;
  if (change.kind === 'ready') Object.assign(next, { readyAt: change.at, rowCount: change.rowCount, size: change.size, fileName: change.fileName });
  if (change.kind === 'mailed') Object.assign(next, { mailedAt: change.at, rowCount: change.rowCount });
  const moves =
    current.status === 'failed'
      ? current.failedAt === null || change.at > current.failedAt
      : current.status !== 'mailed' && RANK[change.kind] > RANK[current.status];
  return moves ? { ...next, status: change.kind, failure: null } : next;
}

/** Whether an export has ended: mailed, or failed (until a redrive moves it on). */
export const isFinalExportStatus = (status: ExportStatus): boolean => status === 'mailed' || status === 'failed';
