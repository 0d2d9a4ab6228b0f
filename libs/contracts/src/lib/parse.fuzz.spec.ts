import fc from 'fast-check';
import { Events, type EventName } from './contracts';
import { createEnvelope } from './envelope';
import { ContractViolation, parseEvent } from './parse';

const NAMES = Object.keys(Events) as EventName[];
const RUNS = { numRuns: 1000 };

/** parseEvent either answers or throws a ContractViolation with a code and a message: nothing else, ever. */
function outcomeOf(input: Uint8Array | string): 'ok' | ContractViolation['code'] {
  try {
    parseEvent(input);
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(ContractViolation);
    expect((e as ContractViolation).message.length).toBeGreaterThan(0);
    return (e as ContractViolation).code;
  }
}

/** Hostile input at the bus's edge (issue 8, R-SAFE-02): what a publisher can put in a message. */
describe('parseEvent against hostile messages (R-SAFE-02)', () => {
  it('R-SAFE-02 arbitrary bytes are refused as not JSON or not an envelope, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(outcomeOf(bytes)).not.toBe('ok');
      }),
      RUNS,
    );
  });

  it('R-SAFE-02 any JSON value as the message, or as the data of a known event type, is refused with the reason', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...NAMES), (value, name) => {
        expect(['NOT_JSON', 'BAD_ENVELOPE', 'UNKNOWN_TYPE', 'BAD_PAYLOAD', 'ok']).toContain(outcomeOf(JSON.stringify(value)));
        const envelope = createEnvelope({ type: Events[name].type, source: 'fuzz', tenantId: 'tenant-1', data: value });
        const code = outcomeOf(JSON.stringify(envelope));
        // Only a value that really is a valid payload passes (the schema decides, not luck).
        expect(code).toBe(Events[name].schema.safeParse(value).success ? 'ok' : 'BAD_PAYLOAD');
      }),
      RUNS,
    );
  });

  it('R-SAFE-02 an envelope with any field replaced by any value is refused or parsed to the same schema, never half-read', () => {
    const base = createEnvelope({ type: Events['run.progress'].type, source: 'fuzz', tenantId: 'tenant-1', data: { runId: '00000000-0000-4000-8000-000000000001', directoryId: '00000000-0000-4000-8000-000000000002', status: 'fetching' } });
    expect(outcomeOf(JSON.stringify(base))).toBe('ok');
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(base), 'data.runId', 'data.status', 'extra'), fc.jsonValue(), (field, value) => {
        const copy = JSON.parse(JSON.stringify(base)) as Record<string, Record<string, unknown>>;
        if (field.startsWith('data.')) (copy['data'] as Record<string, unknown>)[field.slice(5)] = value;
        else (copy as Record<string, unknown>)[field] = value;
        const code = outcomeOf(JSON.stringify(copy));
        if (code === 'ok') {
          const { event } = parseEvent(JSON.stringify(copy));
          expect(Events['run.progress'].schema.safeParse(event.data).success).toBe(true);
        }
      }),
      RUNS,
    );
  });
});
