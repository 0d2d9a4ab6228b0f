import type { EntityManager } from '@mikro-orm/postgresql';
import type { CanonicalEmployee, CanonicalTeam, RowProblem } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import { type CustomFieldType, type DateFormat, CustomFieldTypeInference } from '@roster/reconciliation';

/** One staged batch of a run: its records, its row problems, and a teams file's teams (null for a users batch). */
export async function readStagedBatch(em: EntityManager, runId: string, batchNo: number) {
  const [batch] = await sql<{ employees: CanonicalEmployee[]; problems: RowProblem[]; teams: CanonicalTeam[] | null }>(em,
    `select employees, problems, teams from ${qualified(em, 'staged_batches')} where run_id = ? and batch_no = ?`,
    [runId, batchNo],
  );
  return batch;
}

/**
 * A first read of the staged batches, one at a time: the teams-file records (R-SFTP-03: applied before any
 * user), and for each label with no definition yet (R-CSV-04) a custom field whose type is inferred from every
 * value the run has for it (so one early row cannot decide alone), without holding the values.
 */
export async function scanRun(em: EntityManager, runId: string, batchCount: number, defined: ReadonlyMap<string, unknown>, dateFormat: DateFormat) {
  const teams: CanonicalTeam[] = [];
  const inferences = new Map<string, CustomFieldTypeInference>();
  for (let batchNo = 0; batchNo < batchCount; batchNo++) {
    const [row] = await sql<{ teams: CanonicalTeam[] | null; custom: Record<string, string>[] }>(em,
      `select teams, (select coalesce(jsonb_agg(e->'customFields'), '[]'::jsonb) from jsonb_array_elements(employees) e where e->'customFields' is not null) as custom
         from ${qualified(em, 'staged_batches')} where run_id = ? and batch_no = ?`,
      [runId, batchNo],
    );
    if (row.teams) teams.push(...row.teams);
    for (const record of row.custom) {
      for (const [label, value] of Object.entries(record)) {
        if (defined.has(label)) continue;
        let inference = inferences.get(label);
        if (!inference) inferences.set(label, (inference = new CustomFieldTypeInference(dateFormat)));
        inference.observe(value);
      }
    }
  }
  const customFields: { label: string; type: CustomFieldType }[] = [];
  for (const [label, inference] of inferences) {
    if (inference.type !== undefined) customFields.push({ label, type: inference.type });
  }
  return { teams, customFields };
}
