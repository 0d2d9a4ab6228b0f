import { emptyRunCounts, type RowProblem, type RunCounts } from '@roster/contracts';
import { refKey } from './rows';
import type { UserOperation } from './types';

/**
 * Run counts for a plan (R-DIR-03). An update that changes the status counts as deactivated, deleted or restored
 * (back from deleted, or to active).
 * A record with problems counts once: `failed` when the rest of it was applied (it has an operation),
 * `skipped` when nothing of it was. Problems are matched to operations by
 * row number, else external id; a problem with neither counts as one skipped record.
 */
export function summarize(operations: readonly UserOperation[], problems: readonly RowProblem[]): RunCounts {
  const counts = emptyRunCounts();
  const applied = new Set<string>();
  for (const op of operations) {
    const key = refKey(op.ref);
    if (key !== undefined) applied.add(key);
    if (op.kind === 'create') counts.created += 1;
    if (op.kind === 'unchanged') counts.unchanged += 1;
    if (op.kind === 'update') {
      const status = op.changes.status;
      if (status === undefined) counts.updated += 1;
      else if (status.to === 'deleted') counts.deleted += 1;
      else if (status.from === 'deleted' || status.to === 'active') counts.restored += 1;
      else if (status.to === 'inactive') counts.deactivated += 1;
      else counts.updated += 1;
    }
  }
  const appliedByRecord = new Map<string, boolean>();
  problems.forEach((problem, index) => {
    const key = refKey(problem) ?? `problem:${index}`;
    appliedByRecord.set(key, applied.has(key));
  });
  for (const wasApplied of appliedByRecord.values()) {
    if (wasApplied) counts.failed += 1;
    else counts.skipped += 1;
  }
  return counts;
}

/** Adds the counts of two chunks or phases of one run. */
export function addRunCounts(a: RunCounts, b: RunCounts): RunCounts {
  const sum = emptyRunCounts();
  for (const key of Object.keys(sum) as (keyof RunCounts)[]) sum[key] = a[key] + b[key];
  return sum;
}
