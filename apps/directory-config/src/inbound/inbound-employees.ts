import type { CanonicalEmployee, EmployeeTerminatedV1, EmployeeUpsertedV1 } from '@roster/contracts';

/** One accepted inbound event (R-EVT-02), as the micro-batcher holds it. */
export type InboundEvent =
  | { id: string; kind: 'upserted'; data: EmployeeUpsertedV1 }
  | { id: string; kind: 'terminated'; data: EmployeeTerminatedV1 };

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function recordOf(event: InboundEvent): CanonicalEmployee {
  if (event.kind === 'upserted') return { ...event.data.employee };
  const { email, externalId, terminationDate } = event.data;
  // A termination is the record a file would carry: the person and a deactivation date (R-CSV-10 rules, no grace).
  return { email, ...(externalId === undefined ? {} : { externalId }), deactivationDate: terminationDate };
}

/**
 * A micro-batch's events, in arrival order, as one canonical record per employee: the planner takes each person
 * once per run (a second record would be a DUPLICATE problem), so later events of the same person (same external
 * id, else same email) are laid over the earlier ones — what each says wins, what it leaves out is kept. That is
 * what applying them one by one would store, since a blank never erases (R-CSV-07).
 */
export function employeesOf(events: readonly InboundEvent[]): CanonicalEmployee[] {
  const records: CanonicalEmployee[] = [];
  const byKey = new Map<string, number>();
  for (const event of events) {
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
    records[at] = { ...records[at], ...defined(record) } as CanonicalEmployee;
    byKey.set(emailKey, at);
    if (idKey) byKey.set(idKey, at);
  }
  return records;
}
