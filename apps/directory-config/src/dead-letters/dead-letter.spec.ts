import { headers as natsHeaders, type StoredMsg } from 'nats';
import { DLQ_HEADERS } from '@roster/messaging';
import { decodePayload, dlqSubjectFilter, matchesFilter, readDeadLetter, subjectMatches } from './dead-letter';

const TENANT = '0a1b2c3d-0000-4000-8000-000000000001';
const OTHER = '0a1b2c3d-0000-4000-8000-000000000002';

function stored(subject: string, data: string | Uint8Array, headers: Record<string, string>): StoredMsg {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return { subject, seq: 7, header: h, data: bytes, time: new Date('2026-11-26T10:00:00Z'), timestamp: '' } as unknown as StoredMsg;
}

const dlqHeaders = (originalSubject: string) => ({
  [DLQ_HEADERS.reason]: 'invalid payload',
  [DLQ_HEADERS.code]: 'BAD_PAYLOAD',
  [DLQ_HEADERS.consumer]: 'reconciler-records',
  [DLQ_HEADERS.subject]: originalSubject,
  [DLQ_HEADERS.stream]: 'ROSTER_RECORDS',
  [DLQ_HEADERS.sequence]: '42',
  [DLQ_HEADERS.deliveries]: '1',
  [DLQ_HEADERS.failedAt]: '2026-11-26T09:59:59.000Z',
  [DLQ_HEADERS.msgId]: 'evt-1',
  'Trace-Id': 'abc',
});

describe('reading dead letters (R-OPS-02)', () => {
  it('R-OPS-02 reads the reason, code, deliveries, origin and tenant of a dead letter, and keeps only the original headers', () => {
    const d = readDeadLetter(
      stored('roster.dlq.reconciler.reconciler-records', JSON.stringify({ id: 'evt-1', type: 'io.roster.records.batch.v1', tenantid: TENANT }), dlqHeaders(`roster.records.${TENANT}.batch.v1`)),
    );
    expect(d).toMatchObject({
      sequence: 7,
      service: 'reconciler',
      consumer: 'reconciler-records',
      code: 'BAD_PAYLOAD',
      reason: 'invalid payload',
      deliveries: 1,
      original: { subject: `roster.records.${TENANT}.batch.v1`, stream: 'ROSTER_RECORDS', sequence: 42, msgId: 'evt-1' },
      tenantId: TENANT,
      eventId: 'evt-1',
      eventType: 'io.roster.records.batch.v1',
      headers: { 'Trace-Id': ['abc'] },
      payload: { encoding: 'json' },
    });
  });

  it('R-TEN-01 a dead letter whose envelope names another tenant than its subject belongs to neither', () => {
    const d = readDeadLetter(stored('roster.dlq.reconciler.reconciler-records', JSON.stringify({ tenantid: OTHER }), dlqHeaders(`roster.records.${TENANT}.batch.v1`)));
    expect(d.tenantId).toBeNull();
    const bare = readDeadLetter(stored('roster.dlq.reconciler.reconciler-records', 'garbage', dlqHeaders(`roster.records.${TENANT}.batch.v1`)));
    expect(bare.tenantId).toBe(TENANT);
  });

  it('R-OPS-02 decodes JSON, text and binary payloads', () => {
    expect(decodePayload(Buffer.from('{"a":1}'))).toEqual({ encoding: 'json', json: { a: 1 } });
    expect(decodePayload(Buffer.from('not json'))).toEqual({ encoding: 'text', text: 'not json' });
    expect(decodePayload(Uint8Array.from([0xff, 0xfe, 0x00]))).toEqual({ encoding: 'base64', base64: '//4A' });
  });

  it('matches NATS subjects with * and a final >', () => {
    expect(subjectMatches('roster.records.*.batch.v1', `roster.records.${TENANT}.batch.v1`)).toBe(true);
    expect(subjectMatches('roster.records.>', `roster.records.${TENANT}.batch.v1`)).toBe(true);
    expect(subjectMatches('roster.records.>', 'roster.records')).toBe(false);
    expect(subjectMatches('roster.runs.*', `roster.runs.${TENANT}.run.finished.v1`)).toBe(false);
    expect(subjectMatches('roster.runs.*.run.finished.v1', `roster.runs.${TENANT}.run.finished.v1`)).toBe(true);
  });

  it('R-OPS-02 filters by service, consumer, subject, tenant and code', () => {
    const d = readDeadLetter(stored('roster.dlq.reconciler.reconciler-records', '{}', dlqHeaders(`roster.records.${TENANT}.batch.v1`)));
    expect(matchesFilter(d, { service: 'reconciler', consumer: 'reconciler-records', subject: 'roster.records.>', tenantId: TENANT, code: 'BAD_PAYLOAD' })).toBe(true);
    expect(matchesFilter(d, { code: 'NOT_JSON' })).toBe(false);
    expect(matchesFilter(d, { tenantId: OTHER })).toBe(false);
    expect(matchesFilter(d, { service: 'notifier' })).toBe(false);
    expect(dlqSubjectFilter({ service: 'reconciler' })).toBe('roster.dlq.reconciler.*');
    expect(dlqSubjectFilter({ consumer: 'notifier-run-finished' })).toBe('roster.dlq.*.notifier-run-finished');
  });
});
