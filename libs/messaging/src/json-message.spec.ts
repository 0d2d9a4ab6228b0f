import fc from 'fast-check';
import { Events, parseEvent, type PayloadOf } from '@roster/contracts';
import { buildJsonMessage, buildMessage, encodeEnvelope, withJsonField } from './index';

const TENANT = '00000000-0000-4000-8000-0000000000f1';
const RUN = '00000000-0000-4000-8000-0000000000f2';
const DIRECTORY = '00000000-0000-4000-8000-0000000000f3';

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 });
const employee = fc.record(
  {
    rowNumber: fc.integer({ min: 2, max: 1_000_000 }),
    email: fc.constantFrom('ann@acme.io', "bob.o'brien@acme.io", 'x+tag@sub.acme.io'),
    firstName: text,
    // Labels file-ingest can send: `__proto__` is refused at the header (RESERVED_LABELS, users-csv.header.ts), and a
    // parsed object could not hold it as a key anyway (drawn once by a fresh-clone CI's seed).
    customFields: fc.dictionary(text.filter((label) => label !== '__proto__'), text, { maxKeys: 3 }),
    teams: fc.array(text, { maxLength: 3 }),
  },
  { requiredKeys: ['rowNumber', 'email'] },
);

/**
 * The records of a file batch go out as the JSON the CSV reader made of them (issue 4: serialised once); the event
 * a consumer receives must be the one `publish` would have sent (R-EVT-01: versioned CloudEvents, one contract).
 */
describe('buildJsonMessage (R-EVT-01)', () => {
  it('puts the given JSON in as the data: the same envelope, subject and payload as buildMessage of the parsed data', () => {
    fc.assert(
      fc.property(fc.array(employee, { maxLength: 5 }), fc.array(fc.record({ code: fc.constant('INVALID_EMAIL'), message: text, rowNumber: fc.integer({ min: 2, max: 1_000_000 }) }), { maxLength: 2 }), (employees, problems) => {
        const head = { runId: RUN, directoryId: DIRECTORY, batchNo: 3, problems };
        const ctx = { tenantId: TENANT, runId: RUN, id: `${RUN}:batch:3` };
        const data = { ...head, employees } as PayloadOf<'records.batch'>;
        // The property is about payloads within the contract (what the reader yields, by its own property test).
        fc.pre(Events['records.batch'].schema.safeParse(data).success);
        const json = buildJsonMessage('roster/file-ingest', 'records.batch', withJsonField(head, 'employees', JSON.stringify(employees)), ctx);
        const usual = buildMessage('roster/file-ingest', 'records.batch', data, ctx);
        expect(json.subject).toBe(usual.subject);
        expect(json.id).toBe(usual.envelope.id);
        const received = JSON.parse(Buffer.from(json.payload).toString('utf8')) as Record<string, unknown>;
        const expected = JSON.parse(Buffer.from(encodeEnvelope(usual.envelope)).toString('utf8')) as Record<string, unknown>;
        expect({ ...received, time: undefined }).toEqual({ ...expected, time: undefined });
        // A consumer's parse (envelope and contract) takes it.
        const parsed = parseEvent(json.payload);
        expect(parsed.name).toBe('records.batch');
        expect(parsed.event.data).toEqual(Events['records.batch'].schema.parse(data));
      }),
      { numRuns: 1000 },
    );
  });

  it('withJsonField adds the field to an empty object and escapes its name', () => {
    expect(withJsonField({}, 'employees', '[]')).toBe('{"employees":[]}');
    expect(JSON.parse(withJsonField({ a: 1 }, 'we"ird', '{"b":[1,2]}'))).toEqual({ a: 1, 'we"ird': { b: [1, 2] } });
  });
});
