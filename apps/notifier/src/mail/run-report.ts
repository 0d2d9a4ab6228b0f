import type { PayloadOf, RowProblem } from '@roster/contracts';

const SHOWN_PROBLEMS = 20;

function describeProblem(p: RowProblem): string {
  const where = p.rowNumber ? `row ${p.rowNumber}` : p.externalId ? `record ${p.externalId}` : undefined;
  // Sources usually say where in the message already ("users.csv row 7, User Email: …").
  const located = !where || p.message.includes(where) ? p.message : `${where}${p.field ? `, ${p.field}` : ''}: ${p.message}`;
  return `- ${located} [${p.code}]`;
}

/** The mail after a run (R-NOT-01): file name, counts, the first problems with row numbers, or the failure. */
export function runReport(run: PayloadOf<'run.finished'>): { subject: string; text: string } {
  const file = run.fileName ? ` (${run.fileName})` : '';
  const subject = `Roster: ${run.notify.directoryName} sync ${run.status}${file}`;
  const c = run.counts;
  const lines = [
    `Directory: ${run.notify.directoryName}`,
    `Run: ${run.runId}`,
    `File: ${run.fileName ?? '-'}`,
    `Status: ${run.status}`,
    '',
  ];
  if (run.failure) lines.push(`The run failed: ${run.failure.message} [${run.failure.code}]`, 'Nothing was changed.', '');
  lines.push(
    `Created: ${c.created}`,
    `Updated: ${c.updated}`,
    `Unchanged: ${c.unchanged}`,
    `Deactivated: ${c.deactivated}`,
    `Deleted: ${c.deleted}`,
    `Restored: ${c.restored}`,
    `Skipped: ${c.skipped}`,
    `Failed rows: ${c.failed}`,
  );
  if (run.problemCount > 0) {
    const shown = run.problems.slice(0, SHOWN_PROBLEMS);
    lines.push('', `Problems: ${run.problemCount}${run.problemCount > shown.length ? ` (first ${shown.length} shown)` : ''}`, ...shown.map(describeProblem));
  }
  return { subject, text: `${lines.join('\n')}\n` };
}

const SHOWN_REMOVALS = 20;

/** R-SAFE-01: the mail about a run held in awaiting-approval — what it would remove, the threshold, what to do. */
export function heldReport(
  run: PayloadOf<'run.progress'> & Required<Pick<PayloadOf<'run.progress'>, 'pendingRemovals' | 'notify'>>,
  tenantId: string,
): { subject: string; text: string } {
  const p = run.pendingRemovals;
  const removals = p.deactivate + p.delete;
  // Orphans deleted and terminations deactivated in one run: both, and each user's action in the list.
  const mixed = p.deactivate > 0 && p.delete > 0;
  const action = mixed ? 'deactivate or delete' : p.delete > 0 ? 'delete' : 'deactivate';
  const percent = p.directoryUsers > 0 ? ((removals / p.directoryUsers) * 100).toFixed(1) : '100';
  const shown = p.users.slice(0, SHOWN_REMOVALS);
  const lines = [
    `Directory: ${run.notify.directoryName}`,
    `Run: ${run.runId}`,
    `Status: awaiting-approval`,
    '',
    `The run would ${mixed ? `deactivate ${p.deactivate} and delete ${p.delete}, ${removals}` : `${action} ${removals}`} of the directory's ${p.directoryUsers} active users (${percent}%), over the safeguard's threshold of ${p.threshold.count} users or ${p.threshold.percent}%.`,
    'Nothing of the run has been applied. It waits for an admin:',
    `- approve: POST /v1/tenants/${tenantId}/runs/${run.runId}/approve  (roster runs approve ${run.runId})`,
    `- reject:  POST /v1/tenants/${tenantId}/runs/${run.runId}/reject  (roster runs reject ${run.runId})`,
    '',
    `Users it would ${action}${removals > shown.length ? ` (first ${shown.length} of ${removals})` : ''}:`,
    ...shown.map((u) => `- ${u.email}${mixed ? ` (${u.action})` : ''}`),
  ];
  return { subject: `Roster: ${run.notify.directoryName} sync awaiting approval (${removals} users to ${action})`, text: `${lines.join('\n')}\n` };
}
