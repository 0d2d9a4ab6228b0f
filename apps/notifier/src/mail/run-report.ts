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
