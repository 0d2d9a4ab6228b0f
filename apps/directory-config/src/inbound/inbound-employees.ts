import type { CanonicalEmployee, EmployeeTerminatedV1, EmployeeUpsertedV1 } from '@roster/contracts';

/**
 * One accepted inbound event (R-EVT-02), as the micro-batcher holds it, with its ROSTER_INBOUND stream sequence:
 * the order the events were published in, which a crash and redelivery can break on the way here.
 */
export type InboundEvent =
  | { id: string; kind: 'upserted'; data: EmployeeUpsertedV1; sequence: number }
  | { id: string; kind: 'terminated'; data: EmployeeTerminatedV1; sequence: number };

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function recordOf(event: InboundEvent): CanonicalEmployee {
  // The stream's sequence, never the publisher's own value: it is what orders the events (stale ones are skipped).
  if (event.kind === 'upserted') return { ...event.data.employee, sourceSequence: event.sequence };
  const { email, externalId, terminationDate } = event.data;
  // A termination is the record a file would carry: the person and a deactivation date (R-CSV-10 rules, no grace).
  return { email, ...(externalId === undefined ? {} : { externalId }), deactivationDate: terminationDate, sourceSequence: event.sequence };
}

/**
 * A micro-batch's events, in stream order (not arrival order: a redelivered event arrives after newer ones), as
 * one canonical record per employee: the planner takes each person once per run (a second record would be a
 * DUPLICATE problem), so later events of the same person (same external id, else same email) are laid over the
 * earlier ones — what each says wins, what it leaves out is kept — and the record carries the latest sequence. That
 * is what applying them one by one would store, since a blank never erases (R-CSV-07).
 */
/** The sequence of each field of a (merged) record: its own list, else the record's sequence for every field. */
function fieldSequencesOf(record: CanonicalEmployee): Record<string, number> {
  if (record.fieldSequences) return record.fieldSequences;
  const sequence = record.sourceSequence as number;
  const out: Record<string, number> = {};
  for (const [field, value] of Object.entries(defined(record))) {
    if (field === 'sourceSequence' || field === 'fieldSequences' || field === 'email') continue;
    if (field === 'customFields') for (const label of Object.keys(value as Record<string, string>)) out[`customFields.${label}`] = sequence;
    else out[field] = sequence;
  }
  out['email'] = sequence;
  return out;
}

export function employeesOf(events: readonly InboundEvent[]): CanonicalEmployee[] {
  const records: CanonicalEmployee[] = [];
  const byKey = new Map<string, number>();
  for (const event of [...events].sort((a, b) => a.sequence - b.sequence)) {
    const record = recordOf(event);
    const idKey = record.externalId ? `x:${record.externalId}` : undefined;
    const emailKey = `e:${record.email.trim().toLowerCase()}`;
    const at = (idKey === undefined ? undefined : byKey.get(idKey)) ?? byKey.get(emailKey);
    if (at === undefined) {
      byKey.set(emailKey, records.length);
      if (idKey) byKey.set(idKey, records.length);
      records.push(record);
      continue;
    }
    // Each field keeps the sequence of the event it came from: a late event merged here with a newer one must still
    // lose, field by field, to what the user already has from events between them.
    const merged = records[at] as CanonicalEmployee;
    const sequences: Record<string, number> = { ...fieldSequencesOf(merged) };
    for (const [field, value] of Object.entries(defined(record))) {
      if (field === 'sourceSequence' || field === 'fieldSequences') continue;
      if (field === 'customFields') for (const label of Object.keys(value as Record<string, string>)) sequences[`customFields.${label}`] = event.sequence;
      else sequences[field] = event.sequence;
    }
    const customFields = merged.customFields || record.customFields ? { ...merged.customFields, ...record.customFields } : undefined;
    records[at] = { ...merged, ...defined(record), ...(customFields ? { customFields } : {}), fieldSequences: sequences } as CanonicalEmployee;
    byKey.set(emailKey, at);
    if (idKey) byKey.set(idKey, at);
  }
  return records;
}
