import type { EntityManager } from '@mikro-orm/postgresql';
import type { CanonicalEmployee, CanonicalTeam, RowProblem } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import { type CustomFieldType, type DateFormat, CustomFieldTypeInference } from '@roster/reconciliation';

/**
 * One staged batch of a run: its records, its row problems, and a teams file's teams (null for a users batch). The
 * JSON comes as text and is parsed here, not in the driver: the driver parses a row as it arrives, before it sends
 * the next statement queued on the connection, so PostgreSQL waited for it; parsed here, it runs while PostgreSQL
 * executes that statement (`UserBatches` reads the next batch ahead of writing the current one).
 */
export async function readStagedBatch(em: EntityManager, runId: string, batchNo: number) {
  const [row] = await sql<{ employees: string; problems: string; teams: string | null }>(em,
    `select employees::text as employees, problems::text as problems, teams::text as teams
       from ${qualified(em, 'staged_batches')} where run_id = ? and batch_no = ?`,
    [runId, batchNo],
  );
  return {
    employees: JSON.parse(row.employees) as CanonicalEmployee[],
    problems: JSON.parse(row.problems) as RowProblem[],
    teams: row.teams === null ? null : (JSON.parse(row.teams) as CanonicalTeam[]),
  };
}

/**
 * The custom field labels of a batch's records, each once, in the order the run's label scan takes them (`scanRun`):
 * record by record, and within a record in jsonb's key order (shorter first, then by their UTF-8 bytes), the order
 * PostgreSQL keeps a staged record's keys in. Kept with the batch when it is staged, so the scan reads a short array
 * per batch rather than every record's JSON (~0.45 s of each 100k-row run's apply, every run: issue 4).
 */
export function stagedLabels(employees: readonly CanonicalEmployee[]): string[] {
  const labels = new Set<string>();
  for (const { customFields } of employees) {
    if (customFields === null || typeof customFields !== 'object' || Array.isArray(customFields)) continue;
    // Only a record's new labels need ordering (most records bring none): the others are placed already.
    let fresh: string[] | undefined;
    for (const key of Object.keys(customFields)) if (!labels.has(key)) (fresh ??= []).push(key);
    if (fresh) for (const key of fresh.length > 1 ? fresh.sort(jsonbKeyOrder) : fresh) labels.add(key);
  }
  return [...labels];
}

function jsonbKeyOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length - y.length || Buffer.compare(x, y);
}

/**
 * A first look at the staged batches: the teams-file records (R-SFTP-03: applied before any user), and for each
 * label with no definition yet (R-CSV-04) a custom field whose type is inferred from every value the run has for
 * it (so one early row cannot decide alone), without holding the values. The run's labels are found in the
 * database; values are read, batch by batch, only when a label is new — a re-sync of known labels reads no record
 * here (it pulled every record's custom fields to the service: a tenth of an unchanged 100k re-sync's apply).
 */
export async function scanRun(em: EntityManager, runId: string, batchCount: number, defined: ReadonlyMap<string, unknown>, dateFormat: DateFormat) {
  const staged = qualified(em, 'staged_batches');
  const teams: CanonicalTeam[] = [];
  const teamBatches = await sql<{ teams: CanonicalTeam[] }>(em, `select teams from ${staged} where run_id = ? and teams is not null order by batch_no`, [runId]);
  for (const row of teamBatches) teams.push(...row.teams);
  const labels = await sql<{ label: string }>(em,
    // In the order the run first has them (batch, record, key), as reading the records one by one found them: each
    // batch's labels as staged (`stagedLabels`), or, for a batch staged before they were, from its records.
    `select l.label from ${staged} b
       cross join lateral unnest(coalesce(b.custom_labels, array(
         select k.label from jsonb_array_elements(b.employees) with ordinality as e(record, n)
          cross join lateral jsonb_object_keys(case when jsonb_typeof(e.record->'customFields') = 'object' then e.record->'customFields' else '{}'::jsonb end)
            with ordinality as k(label, n)
          group by k.label order by min(array[e.n, k.n])))) with ordinality as l(label, n)
      where b.run_id = ?
      group by l.label order by min(array[b.batch_no::bigint, l.n])`,
    [runId],
  );
  const fresh = labels.map((r) => r.label).filter((label) => !defined.has(label));
  const inferences = new Map<string, CustomFieldTypeInference>(fresh.map((label) => [label, new CustomFieldTypeInference(dateFormat)]));
  const settled = () => [...inferences.values()].every((i) => i.settled);
  for (let batchNo = 0; fresh.length > 0 && batchNo < batchCount && !settled(); batchNo++) {
    const [row] = await sql<{ custom: Record<string, string>[] }>(em,
      `select (select coalesce(jsonb_agg(e->'customFields'), '[]'::jsonb) from jsonb_array_elements(employees) e
                where jsonb_typeof(e->'customFields') = 'object' and jsonb_exists_any(e->'customFields', ?::text[])) as custom
         from ${staged} where run_id = ? and batch_no = ?`,
      [fresh, runId, batchNo],
    );
    for (const record of row?.custom ?? []) {
      for (const [label, value] of Object.entries(record)) inferences.get(label)?.observe(value);
    }
  }
  const customFields: { label: string; type: CustomFieldType }[] = [];
  for (const [label, inference] of inferences) {
    if (inference.type !== undefined) customFields.push({ label, type: inference.type });
  }
  return { teams, customFields };
}
