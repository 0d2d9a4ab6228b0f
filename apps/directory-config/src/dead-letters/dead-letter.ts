import type { StoredMsg } from 'nats';
import { tenantOfSubject } from '@roster/contracts';
import { DLQ_HEADERS } from '@roster/messaging';

/** Where JetStreamServer puts dead letters: `roster.dlq.<service>.<consumer>` on ROSTER_DLQ. */
export const DLQ_STREAM = 'ROSTER_DLQ';
export const DLQ_SUBJECT_PREFIX = 'roster.dlq';
/** Set on a redriven message: the dead letter (ROSTER_DLQ sequence) it came from. */
export const REDRIVE_HEADER = 'Roster-Redrive-Of';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type DecodedPayload =
  | { encoding: 'json'; json: unknown }
  | { encoding: 'text'; text: string }
  | { encoding: 'base64'; base64: string };

/** A ROSTER_DLQ message read back: what failed, where it came from, why, and the bytes as they were. */
export interface DeadLetter {
  /** ROSTER_DLQ stream sequence: the dead letter's id. */
  sequence: number;
  dlqSubject: string;
  /** The service whose consumer gave up (second token of the DLQ subject). */
  service: string;
  /** The durable consumer, `<service>-<name>`. */
  consumer: string;
  code: string;
  reason: string;
  deliveries: number;
  failedAt: string | null;
  deadLetteredAt: string;
  original: { subject: string; stream: string; sequence: number; msgId: string | null };
  /**
   * The tenant the message belongs to: the tenant token of the original subject (every Roster subject carries
   * it third), or the envelope's `tenantid` when the subject has none; null when they disagree or neither is known.
   */
  tenantId: string | null;
  /** The CloudEvent's id and type when the payload has an envelope (a malformed one may not). */
  eventId: string | null;
  eventType: string | null;
  /** The original's headers (server `Nats-*` ones excepted), without the DLQ's own. */
  headers: Record<string, string[]>;
  payload: DecodedPayload;
  size: number;
  data: Uint8Array;
}

const DLQ_OWN = new Set(Object.values(DLQ_HEADERS).map((h) => h.toLowerCase()));

export function decodePayload(data: Uint8Array): DecodedPayload {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return { encoding: 'base64', base64: Buffer.from(data).toString('base64') };
  }
  try {
    return { encoding: 'json', json: JSON.parse(text) };
  } catch {
    return { encoding: 'text', text };
  }
}

function tenantOf(originalSubject: string, envelopeTenant: string | null): string | null {
  const token = tenantOfSubject(originalSubject);
  const subjectTenant = token && UUID.test(token) ? token.toLowerCase() : null;
  if (subjectTenant && envelopeTenant && subjectTenant !== envelopeTenant.toLowerCase()) return null;
  return subjectTenant ?? envelopeTenant;
}

/** Reads a ROSTER_DLQ message into a DeadLetter (headers written by JetStreamServer.deadLetter). */
export function readDeadLetter(m: StoredMsg): DeadLetter {
  const header = (name: string) => (m.header?.has(name) ? m.header.get(name) : '');
  const [, , service = '', ...rest] = m.subject.split('.');
  const payload = decodePayload(m.data);
  // Read loosely: the envelope of a dead letter is often the very thing that was malformed.
  const e = payload.encoding === 'json' && payload.json && typeof payload.json === 'object' ? (payload.json as Record<string, unknown>) : {};
  const originalSubject = header(DLQ_HEADERS.subject);
  const headers: Record<string, string[]> = {};
  for (const [key, values] of m.header ?? []) {
    if (!DLQ_OWN.has(key.toLowerCase()) && !/^nats-/i.test(key)) headers[key] = values;
  }
  return {
    sequence: m.seq,
    dlqSubject: m.subject,
    service,
    consumer: header(DLQ_HEADERS.consumer) || rest.join('.'),
    code: header(DLQ_HEADERS.code),
    reason: header(DLQ_HEADERS.reason),
    deliveries: Number(header(DLQ_HEADERS.deliveries)) || 0,
    failedAt: header(DLQ_HEADERS.failedAt) || null,
    deadLetteredAt: m.time.toISOString(),
    original: {
      subject: originalSubject,
      stream: header(DLQ_HEADERS.stream),
      sequence: Number(header(DLQ_HEADERS.sequence)) || 0,
      msgId: header(DLQ_HEADERS.msgId) || null,
    },
    tenantId: tenantOf(originalSubject, typeof e.tenantid === 'string' ? e.tenantid : null),
    eventId: typeof e.id === 'string' ? e.id : null,
    eventType: typeof e.type === 'string' ? e.type : null,
    headers,
    payload,
    size: m.data.length,
    data: m.data,
  };
}

/** NATS subject matching: `*` is one token, a final `>` one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return i === p.length - 1 && s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

export interface DeadLetterFilter {
  service?: string;
  consumer?: string;
  /** The original subject, NATS wildcards allowed. */
  subject?: string;
  tenantId?: string;
  code?: string;
}

/** The ROSTER_DLQ subject filter for a service and/or consumer (the server narrows the scan by it). */
export function dlqSubjectFilter(f: DeadLetterFilter): string {
  return `${DLQ_SUBJECT_PREFIX}.${f.service ?? '*'}.${f.consumer ?? '*'}`;
}

export function matchesFilter(d: DeadLetter, f: DeadLetterFilter): boolean {
  return (
    (f.service === undefined || d.service === f.service) &&
    (f.consumer === undefined || d.consumer === f.consumer) &&
    (f.subject === undefined || subjectMatches(f.subject, d.original.subject)) &&
    (f.tenantId === undefined || d.tenantId === f.tenantId.toLowerCase()) &&
    (f.code === undefined || d.code === f.code)
  );
}
