// `--source event`: the employee events an internal service publishes for an `event` directory (R-EVT-02), built
// from the bench generator's people (a five-wide manager tree, teams, custom fields, a few managers outside the
// set), and the publisher that sends them the way a real service does: in order, one at a time, each retried with
// the same Nats-Msg-Id until the stream acknowledges it — through a nats-server restart too.
import type { NatsConnection } from 'nats';
import { type EmployeeTerminatedV1, type EmployeeUpsertedV1, Events, createEnvelope, subjectOf } from '@roster/contracts';
import { employeeEmail } from '@roster/testing';
import { employeeCells, HEADERS } from '../bench/generate';

/** Events between a person's upsert and their later update or termination (so they usually fall in other runs). */
const LAG = 300;
const PAST = '2024-06-30';
const FUTURE = '2099-12-31';

export type InboundEvent =
  | { id: string; kind: 'upserted'; data: Omit<EmployeeUpsertedV1, 'directoryId'> }
  | { id: string; kind: 'terminated'; data: Omit<EmployeeTerminatedV1, 'directoryId'> };

/**
 * Employee i of the bench generator as the canonical employee an upsert carries: the bench's bad cells (an invalid
 * or missing email, a bad date or boolean) come out valid, since a service publishes only what its schema allows.
 */
export function inboundEmployee(i: number, changed = false): EmployeeUpsertedV1['employee'] {
  const cells = employeeCells(i, changed);
  const row = Object.fromEntries(HEADERS.map((h, k) => [h, cells[k] ?? '']));
  const cell = (h: string) => row[h] || undefined;
  const valid = (s: string | undefined) => (s && s.includes('@') && !s.startsWith('not-an-email') ? s : undefined);
  return {
    externalId: row['Employee ID'] ? `EMP-${row['Employee ID']}` : `EMP-${i}`,
    email: valid(cell('User Email')) ?? employeeEmail(i),
    firstName: cell('First Name'),
    lastName: cell('Last Name'),
    managerEmail: valid(cell('Manager Email')),
    teams: (row['Teams'] ?? '').split(',').map((t) => t.trim()).filter(Boolean),
    isOrgAdmin: row['Is Org Admin'] === 'Yes',
    jobTitle: cell('Job Title'),
    department: cell('Department'),
    location: cell('Location'),
    employeeId: cell('Employee ID'),
    startDate: /^\d{4}-\d{2}-\d{2}$/.test(row['Start Date'] ?? '') && row['Start Date'] !== '2021-02-30' ? row['Start Date'] : undefined,
    customFields: { 'Cost Center': row['Cost Center'] ?? '', Level: row['Level'] ?? '', Office: row['Office'] ?? '' },
  };
}

/**
 * `count` events in publishing order: every person's upsert (managers before their reports), and LAG events after a
 * person's upsert, for one in ten an update (a new title and level), for one in ten a termination (two in three
 * dated in the past: deactivated at once; one in three in the future: scheduled).
 */
export function inboundEvents(count: number): InboundEvent[] {
  const events: InboundEvent[] = [];
  for (let i = 0; events.length < count; i++) {
    events.push({ id: `chaos-up-${i}`, kind: 'upserted', data: { employee: inboundEmployee(i) } });
    const j = i - LAG;
    if (j < 0 || events.length >= count) continue;
    if (j % 10 === 7) {
      events.push({ id: `chaos-change-${j}`, kind: 'upserted', data: { employee: inboundEmployee(j, true) } });
    } else if (j % 10 === 4) {
      const e = inboundEmployee(j);
      events.push({ id: `chaos-term-${j}`, kind: 'terminated', data: { email: e.email, externalId: e.externalId, terminationDate: j % 30 === 4 ? FUTURE : PAST } });
    }
  }
  return events;
}

export interface PublishProgress {
  /** Events the stream has acknowledged (in order: the first `acked` of the list). */
  acked: number;
  /** Publish attempts that failed and were retried (nats-server down, a timeout). */
  retries: number;
  /** Acks that said `duplicate`: a retry of a publish the stream had stored. */
  duplicates: number;
  /** ms after the start of the first publish and of the last ack. */
  firstAtMs?: number;
  lastAckMs?: number;
}

/**
 * Publishes the events at `ratePerSecond`, in order, each retried (250 ms apart) with the same Nats-Msg-Id
 * (`<tenant>:<id>`) until acknowledged. Resolves when all are acked, or when `signal` aborts.
 */
export async function publishInbound(
  nc: NatsConnection,
  o: { tenantId: string; directoryId: string; events: InboundEvent[]; ratePerSecond: number; since: () => number; progress: PublishProgress; signal?: AbortSignal },
): Promise<void> {
  const js = nc.jetstream();
  const started = performance.now();
  for (const [n, e] of o.events.entries()) {
    const due = started + (n * 1000) / o.ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const name = e.kind === 'upserted' ? 'inbound.employee.upserted' : 'inbound.employee.terminated';
    const envelope = createEnvelope({ type: Events[name].type, source: 'chaos-publisher', tenantId: o.tenantId, id: e.id, data: { directoryId: o.directoryId, ...e.data } });
    const body = JSON.stringify(envelope);
    o.progress.firstAtMs ??= o.since();
    for (;;) {
      if (o.signal?.aborted) return;
      try {
        const ack = await js.publish(subjectOf(name, { tenant: o.tenantId }), body, { msgID: `${o.tenantId}:${e.id}`, timeout: 2000 });
        if (ack.duplicate) o.progress.duplicates++;
        break;
      } catch {
        o.progress.retries++;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    o.progress.acked++;
    o.progress.lastAckMs = o.since();
  }
}
