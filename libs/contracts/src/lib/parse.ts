import { z } from 'zod';
import { CloudEvent, CloudEventEnvelope } from './envelope';
import { EventName, Events, PayloadOf, eventNameOfType } from './contracts';

export class ContractViolation extends Error {
  constructor(
    readonly code: 'NOT_JSON' | 'BAD_ENVELOPE' | 'UNKNOWN_TYPE' | 'BAD_PAYLOAD',
    message: string,
  ) {
    super(message);
    this.name = 'ContractViolation';
  }
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Parses bytes from the bus into a typed event; throws ContractViolation with a precise reason. */
export function parseEvent(bytes: Uint8Array | string): { name: EventName; event: CloudEvent } {
  let json: unknown;
  try {
    // A view of the message's bytes, not a copy (Buffer.from(uint8Array) copies them all before decoding).
    json = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw new ContractViolation('NOT_JSON', `message is not JSON: ${(e as Error).message}`);
  }
  const envelope = CloudEventEnvelope.safeParse(json);
  if (!envelope.success) {
    throw new ContractViolation('BAD_ENVELOPE', `not a CloudEvents 1.0 envelope: ${describe(envelope.error)}`);
  }
  const name = eventNameOfType(envelope.data.type);
  if (!name) throw new ContractViolation('UNKNOWN_TYPE', `unknown event type ${envelope.data.type}`);
  const data = Events[name].schema.safeParse(envelope.data.data);
  if (!data.success) {
    throw new ContractViolation('BAD_PAYLOAD', `invalid ${envelope.data.type} payload: ${describe(data.error)}`);
  }
  return { name, event: { ...(envelope.data as CloudEvent), data: data.data } };
}

/** Narrows a parsed event to a known name (for handlers registered on one event). */
export function isEvent<N extends EventName>(
  name: N,
  parsed: { name: EventName; event: CloudEvent },
): parsed is { name: N; event: CloudEvent<PayloadOf<N>> } {
  return parsed.name === name;
}
