import { randomUUID } from 'node:crypto';
import { MsgHdrs, NatsConnection, PubAck } from 'nats';
import { CloudEvent, EventName, Events, PayloadOf, createEnvelope, subjectOf } from '@roster/contracts';
import { PubAckPipeline } from './pub-ack-pipeline';

export interface PublishContext {
  tenantId: string;
  /** Extra subject tokens the event's template needs besides `tenant` (e.g. `directoryType`). */
  tokens?: Record<string, string>;
  runId?: string;
  /** Stable id for idempotent re-publishing; defaults to a fresh UUID. */
  id?: string;
  subject?: string;
}

export interface OutgoingMessage {
  subject: string;
  envelope: CloudEvent;
}

/** Builds the CloudEvent and the NATS subject of a typed event: a wrong payload does not compile. */
export function buildMessage<N extends EventName>(
  source: string,
  name: N,
  data: PayloadOf<N>,
  ctx: PublishContext,
): OutgoingMessage {
  const contract = Events[name];
  const envelope = createEnvelope({
    type: contract.type,
    source,
    tenantId: ctx.tenantId,
    data: contract.schema.parse(data),
    id: ctx.id,
    runId: ctx.runId,
    subject: ctx.subject,
  });
  return { subject: subjectOf(name, { tenant: ctx.tenantId, ...ctx.tokens }), envelope };
}

/**
 * An event whose `data` the producer has as JSON text already: the envelope is built around the text, which is put
 * in as it is — neither parsed, validated nor serialised again. For bulk payloads that were serialised anyway and
 * whose every part is held to the contract where it is made (file-ingest's record batches: the CSV reader
 * serialises each record to count a batch's bytes exactly, and its property test holds every record to
 * `CanonicalEmployee`). Consumers parse and validate it as any other event.
 */
export function buildJsonMessage<N extends EventName>(source: string, name: N, dataJson: string, ctx: PublishContext): EncodedMessage {
  const { subject, id, json } = buildJsonEnvelope(source, name, dataJson, ctx);
  return { subject, id, payload: Buffer.from(json, 'utf8') };
}

/** An event as its envelope's JSON text, for the outbox (`Outbox.jsonMessage`, `Outbox.addMessages`). */
export interface OutgoingJson {
  subject: string;
  id: string;
  type: string;
  json: string;
}

/** `buildJsonMessage`'s envelope as text: the data JSON put in as it is, neither parsed, validated nor serialised. */
export function buildJsonEnvelope<N extends EventName>(source: string, name: N, dataJson: string, ctx: PublishContext): OutgoingJson {
  const frame = envelopeFrame(source, name, ctx);
  const id = ctx.id ?? randomUUID();
  return { subject: frame.subject, id, type: Events[name].type, json: `${frame.beforeId}${id}${frame.beforeData}${dataJson}}` };
}

/**
 * The envelope of one kind of event as JSON text around its two varying parts: an event with id `id` and data
 * (as JSON text) `data` is `${beforeId}${id}${beforeData}${data}}` — what `JSON.stringify(createEnvelope(…))`
 * writes, with the time fixed when the frame is made. For producers that build many events' data elsewhere
 * (`buildJsonMessage`; PostgreSQL, in `Outbox.addBuilt`).
 */
export interface EnvelopeFrame {
  subject: string;
  beforeId: string;
  beforeData: string;
}

const FRAME_ID = '00000000-0000-4000-8000-00000000f1a3';

export function envelopeFrame<N extends EventName>(source: string, name: N, ctx: Omit<PublishContext, 'id'>): EnvelopeFrame {
  const envelope = createEnvelope({ type: Events[name].type, source, tenantId: ctx.tenantId, data: null, id: FRAME_ID, runId: ctx.runId, subject: ctx.subject });
  const text = JSON.stringify(envelope);
  const idAt = text.indexOf(`"id":"${FRAME_ID}"`) + '"id":"'.length;
  const tail = '"data":null}';
  if (idAt < '"id":"'.length || !text.endsWith(tail) || text.indexOf(FRAME_ID, idAt + 1) !== -1) {
    throw new Error(`envelopeFrame: the envelope of ${name} is not <…"id":"<id>"…"data":<data>}>`);
  }
  return {
    subject: subjectOf(name, { tenant: ctx.tenantId, ...ctx.tokens }),
    beforeId: text.slice(0, idAt),
    beforeData: text.slice(idAt + FRAME_ID.length, -'null}'.length),
  };
}

/** `JSON.stringify(value)` with one more property, `key`, whose value is the JSON text `json` (put in as it is). */
export function withJsonField(value: Record<string, unknown>, key: string, json: string): string {
  const text = JSON.stringify(value);
  return `${text.slice(0, -1)}${text === '{}' ? '' : ','}${JSON.stringify(key)}:${json}}`;
}

export function encodeEnvelope(envelope: CloudEvent): Uint8Array {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

/**
 * Publishes to JetStream and waits for the PubAck. `Nats-Msg-Id` = event id, so a resend inside the stream's
 * duplicate window is stored once. Every publish goes through one `PubAckPipeline` per connection.
 */
export class EventPublisher {
  private readonly pipeline: PubAckPipeline;

  constructor(
    nc: NatsConnection,
    private readonly source: string,
    options: { ackTimeoutMs?: number } = {},
  ) {
    this.pipeline = new PubAckPipeline(nc, options.ackTimeoutMs);
  }

  publish<N extends EventName>(name: N, data: PayloadOf<N>, ctx: PublishContext): Promise<PubAck> {
    return this.publishMessage(buildMessage(this.source, name, data, ctx));
  }

  /** `publish` for data the caller has as JSON text (`buildJsonMessage`: not validated nor serialised again here). */
  publishJson<N extends EventName>(name: N, dataJson: string, ctx: PublishContext): Promise<PubAck> {
    return this.publishEncodedMessage(buildJsonMessage(this.source, name, dataJson, ctx));
  }

  publishMessage(message: OutgoingMessage, extraHeaders?: MsgHdrs): Promise<PubAck> {
    return this.publishEncodedMessage(encoded(message), extraHeaders);
  }

  /** Publishes many messages with up to `window` PubAcks in flight (not one awaited ack per event). */
  publishAll(messages: OutgoingMessage[], window = 256): Promise<PubAck[]> {
    return this.publishEncoded(messages.map(encoded), window);
  }

  /**
   * `publishAll` for envelopes already encoded: the outbox relay reads them as the JSON text they were stored as
   * and puts those bytes on the bus, without parsing and re-serialising each one.
   */
  publishEncoded(messages: EncodedMessage[], window = 256): Promise<PubAck[]> {
    return this.pipeline.publish(messages, window);
  }

  /** Stops waiting for PubAcks (on shutdown, before the connection drains). */
  close(): void {
    this.pipeline.close();
  }

  private async publishEncodedMessage(message: EncodedMessage, extraHeaders?: MsgHdrs): Promise<PubAck> {
    const [ack] = await this.pipeline.publish([{ ...message, headers: extraHeaders }], 1);
    return ack;
  }
}

/** An event ready for the wire: its subject, its id (the `Nats-Msg-Id`) and the envelope's JSON bytes. */
export interface EncodedMessage {
  subject: string;
  id: string;
  payload: Uint8Array;
}

function encoded(message: OutgoingMessage): EncodedMessage {
  return { subject: message.subject, id: message.envelope.id, payload: encodeEnvelope(message.envelope) };
}
