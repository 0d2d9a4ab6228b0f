import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { ConsumerMessages, JsMsg, NatsConnection, headers as natsHeaders } from 'nats';
import { CloudEvent, ContractViolation, EventName, Events, StreamName, parseEvent } from '@roster/contracts';
import { type LogContext, withLogContext } from '@roster/observability';
import { PermanentError, RetryLaterError } from './errors';
import { MicroBatcher } from './micro-batcher';
import { connectNats } from './nats';
import { ensureConsumer, ensureStreams } from './streams';

export interface ConsumerDefinition {
  /** Durable name suffix: the durable is `<service>-<name>`, shared by every replica of the service. */
  name: string;
  stream: StreamName;
  filterSubject: string;
  /** Messages handled at once by this replica (ordered processing when 1). */
  concurrency?: number;
  /**
   * How a handled message is acknowledged: `confirmed` (the default) waits for the server to record the ack
   * (`ackAck`); `sent` publishes it and goes on (`ack`). Only for a consumer whose handler drops a redelivery itself
   * (the event id claimed in its inbox in the transaction that applies it), where a lost ack costs a redelivery after
   * the ack wait and nothing else: confirming costs a request per message (a timer, an error object, a reply), the
   * largest part of acknowledging thousands of inbound events a second.
   */
  ack?: 'confirmed' | 'sent';
  /**
   * Hand the messages to one handler in micro-batches instead of one by one (R-EVT-02: thousands of events a
   * second, where a handler call, a heartbeat timer, a log context and a promise chain per message cost more than
   * the work). `concurrency` then counts the messages held: in open groups and in batches being handled.
   */
  batch?: BatchDefinition;
  /**
   * Ordered lanes instead of one line: messages of one lane (`keyOf` their subject, e.g. the tenant) are handled one
   * at a time in stream order, up to `concurrency` lanes at once, so one lane's long message (a tenant's 1M-row apply)
   * does not hold back the others'. `concurrency` (the definition's) then counts the messages held: waiting in their
   * lane, kept alive, or being handled.
   */
  lanes?: LanesDefinition;
}

export interface LanesDefinition {
  /** The lane of a message, from its subject (no parse: a lane is chosen before the message is). */
  keyOf: (subject: string) => string;
  /** Lanes handled at once. */
  concurrency: number;
}

export interface BatchDefinition {
  /** The `@EventPattern` of the handler that takes each batch (`BatchDelivery[]`, context `JetStreamBatchContext`). */
  pattern: string;
  /** Events of one key share a batch, and one key's batches are handled one after the other, in arrival order. */
  keyOf: (event: CloudEvent) => string;
  /** A batch is handed over once it holds this many events… */
  maxItems: number;
  /** …or this long after its first event arrived. */
  windowMs: number;
}

/** One message of a batch, parsed and checked against its event's contract. */
export interface BatchDelivery<T = unknown> {
  name: EventName;
  event: CloudEvent<T>;
  subject: string;
  streamSequence: number;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** The message's payload bytes (the envelope's JSON). */
  bytes: number;
}

/**
 * What a batch handler returns: the deliveries it refuses one by one (by index, with the error: a `PermanentError`
 * is dead-lettered, another retried with backoff). Every other delivery is acked. A handler that throws fails
 * every delivery of the batch with that error.
 */
export interface BatchOutcome {
  refused?: ReadonlyMap<number, unknown>;
}

/** What a batch handler receives beside the deliveries. */
export class JetStreamBatchContext {
  constructor(
    /** The durable: the inbox consumer the batch's event ids are claimed for. */
    readonly consumer: string,
    /** The batch's key (`BatchDefinition.keyOf`). */
    readonly key: string,
  ) {}
}

/** The durable of a service's consumer, `<service>-<name>`: also the `consumer` its inbox rows are claimed for. */
export function durableName(service: string, consumer: string): string {
  return `${service}-${consumer}`;
}

export interface JetStreamServerOptions {
  servers: string | string[];
  service: string;
  consumers: ConsumerDefinition[];
  /** Deliveries before a failing message is dead-lettered (default 5). */
  maxDeliver?: number;
  /** Delay before redelivery after the n-th failure (last value repeats). */
  backoffMs?: number[];
  ackWaitMs?: number;
  /** Use an existing connection (shared with the publisher) instead of opening one. */
  connection?: NatsConnection;
  onDeadLetter?: (info: DeadLetterInfo) => void;
  /** Every delivery after the first of a message (a failed or timed-out earlier attempt), for metrics. */
  onRedelivery?: (consumer: string) => void;
  onError?: (error: unknown, message?: string) => void;
}

export interface DeadLetterInfo {
  consumer: string;
  subject: string;
  streamSequence: number;
  deliveries: number;
  code: string;
  reason: string;
}

/** What a handler receives beside the payload: the envelope, delivery facts and the raw message. */
export class JetStreamContext {
  constructor(
    readonly event: CloudEvent,
    readonly message: JsMsg,
    readonly consumer: string,
    /** The transport's deliveries of a message before it dead-letters it. */
    readonly maxDeliver = Number.POSITIVE_INFINITY,
  ) {}

  get deliveryCount(): number {
    return this.message.info.redeliveryCount;
  }

  /**
   * Whether a failure now is final: the transport dead-letters the message instead of delivering it again (as it
   * does for a `PermanentError` on any delivery). A handler that keeps its own record of the work (a mail's log row)
   * can mark it failed before the dead letter is written.
   */
  get lastDelivery(): boolean {
    return this.deliveryCount >= this.maxDeliver;
  }
}

export const DLQ_HEADERS = {
  reason: 'Roster-Dlq-Reason',
  code: 'Roster-Dlq-Code',
  consumer: 'Roster-Dlq-Consumer',
  subject: 'Roster-Original-Subject',
  stream: 'Roster-Original-Stream',
  sequence: 'Roster-Original-Sequence',
  deliveries: 'Roster-Deliveries',
  failedAt: 'Roster-Failed-At',
  /** The original `Nats-Msg-Id` (the event id); the original's other headers are copied as they were. */
  msgId: 'Roster-Original-Msg-Id',
} as const;

const DEFAULT_BACKOFF_MS = [1000, 5000, 15000, 30000];
/** How long a fetch waits for messages before the loop asks again (and notices a close). */
const FETCH_EXPIRES_MS = 5000;

/**
 * A Nest transport for `@EventPattern(<event name>)` handlers on JetStream durable pull consumers.
 * Ack after the handler resolves (it commits its own transaction first); a throw naks with backoff; the
 * last allowed delivery, or an invalid message, is copied to ROSTER_DLQ with its reason and acked.
 */
export class JetStreamServer extends Server implements CustomTransportStrategy {
  private nc?: NatsConnection;
  private ownsConnection = false;
  /** The fetches waiting for messages now (stopped on close). */
  private readonly fetching = new Set<ConsumerMessages>();
  private readonly loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Handlers by pattern: Nest's lookup normalises the pattern on every call (~30 µs a message). */
  private readonly handlers = new Map<string, MessageHandler | null>();
  /** The batch consumers' open groups: drained on close, after the fetches stop and before the loops end. */
  private readonly batchers: { drain(): Promise<void> }[] = [];
  private closing = false;

  constructor(private readonly options: JetStreamServerOptions) {
    super();
  }

  private get maxDeliver(): number {
    return this.options.maxDeliver ?? 5;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.nc = this.options.connection ?? (await connectNats({ servers: this.options.servers, name: this.options.service }));
      this.ownsConnection = !this.options.connection;
      const jsm = await this.nc.jetstreamManager();
      await ensureStreams(jsm);
      for (const def of this.options.consumers) {
        const durable = durableName(this.options.service, def.name);
        await ensureConsumer(jsm, {
          stream: def.stream,
          durable,
          filterSubject: def.filterSubject,
          // Our code dead-letters at maxDeliver; the server ceiling only guards against a crash loop.
          maxDeliver: this.maxDeliver + 1,
          ackWaitMs: this.options.ackWaitMs ?? 30_000,
          maxAckPending: Math.max(def.concurrency ?? 1, 1) * 4,
        });
        const loop = def.batch ? this.batchLoop(def, def.batch, durable) : def.lanes ? this.lanesLoop(def, def.lanes, durable) : this.consumeLoop(def, durable);
        this.loops.push(loop);
      }
      callback();
    } catch (e) {
      callback(e);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    // stop(), not close(): close() waits for the pull request to expire (up to FETCH_EXPIRES_MS per consumer).
    for (const fetch of this.fetching) fetch.stop();
    await Promise.allSettled(this.batchers.map((b) => b.drain()));
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled(this.loops);
    if (this.ownsConnection && this.nc && !this.nc.isClosed()) await this.nc.drain();
  }

  on(): never {
    throw new Error('JetStreamServer does not emit transport events');
  }

  unwrap<T>(): T {
    return this.connection() as T;
  }

  private connection(): NatsConnection {
    if (!this.nc) throw new Error('JetStreamServer is not listening');
    return this.nc;
  }

  /**
   * Pulls only as many messages as can start now (`fetch` sized to the free slots), never a buffer ahead of them:
   * a message waiting in a client-side buffer gets no heartbeat, so behind a handler longer than the ack wait (a
   * 100k-row apply takes ~45 s, a 1M-row one ~10 min; the ack wait is 30 s) it was redelivered every ack wait and,
   * past the server's max_deliver, no more — with `consume()` prefetching twice the concurrency, that happened to
   * every message queued behind a long run (another tenant's run, say). A fetch ends when it has its messages or
   * after `FETCH_EXPIRES_MS`; each message is handed to its handler (and its heartbeat) as it arrives.
   */
  private async consumeLoop(def: ConsumerDefinition, durable: string): Promise<void> {
    const concurrency = Math.max(def.concurrency ?? 1, 1);
    const running = new Set<Promise<void>>();
    await this.pull(
      def,
      durable,
      async () => {
        while (running.size >= concurrency) await Promise.race(running);
        return concurrency - running.size;
      },
      (msg) => {
        const task: Promise<void> = this.process(msg, durable, def.ack ?? 'confirmed').finally(() => running.delete(task));
        running.add(task);
        this.track(task);
      },
    );
  }

  /**
   * The loop of a batch consumer: fetches as many messages as it may hold, parses each (an invalid one is
   * dead-lettered at once), and adds it to its key's open group; a group goes to the batch handler when full or when
   * its window ends. One timer keeps every held message alive (`working()`) meanwhile, instead of one per message.
   */
  private async batchLoop(def: ConsumerDefinition, batch: BatchDefinition, durable: string): Promise<void> {
    await this.holdingLoop(def, durable, Math.max(def.concurrency ?? batch.maxItems, 1), (held, release) => {
      const batcher = new MicroBatcher<HeldMessage>(
        { maxItems: batch.maxItems, windowMs: batch.windowMs },
        (key, items) => this.handleBatch(def, durable, key, items).finally(() => release(items.map((i) => i.msg))),
        (error) => this.options.onError?.(error, `${durable}: a batch could not be settled`),
      );
      return {
        batcher,
        take: (msg) => {
          if (msg.info.redelivered) this.options.onRedelivery?.(durable);
          let parsed: { name: EventName; event: CloudEvent };
          try {
            parsed = parseEvent(msg.data);
          } catch (e) {
            const violation = e as ContractViolation;
            this.track(this.deadLetter(msg, durable, violation.code ?? 'INVALID', violation.message));
            return;
          }
          held.add(msg);
          batcher.add(batch.keyOf(parsed.event), { msg, ...parsed });
        },
      };
    });
  }

  /**
   * The loop of a consumer that holds messages before handling them (batches, lanes): it fetches while fewer than
   * `capacity` are held, one timer keeps every held message alive (`working()` every ack wait / 3, not a timer per
   * message), and when the transport closes it drains what `setup`'s batcher queued. `setup` gets the held set
   * (`take` adds to it) and `release`, which a handled message must go through.
   */
  private async holdingLoop<T>(
    def: ConsumerDefinition,
    durable: string,
    capacity: number,
    setup: (held: Set<JsMsg>, release: (msgs: readonly JsMsg[]) => void) => { batcher: MicroBatcher<T>; take: (msg: JsMsg) => void },
  ): Promise<void> {
    const held = new Set<JsMsg>();
    let wake: (() => void) | undefined;
    const release = (msgs: readonly JsMsg[]) => {
      for (const msg of msgs) held.delete(msg);
      wake?.();
      wake = undefined;
    };
    const { batcher, take } = setup(held, release);
    this.batchers.push(batcher);
    const ackWait = this.options.ackWaitMs ?? 30_000;
    const heartbeat = setInterval(() => {
      for (const msg of held) msg.working();
    }, Math.max(ackWait / 3, 100));
    try {
      await this.pull(
        def,
        durable,
        async () => {
          while (held.size >= capacity && !this.closing) await new Promise<void>((resolve) => (wake = resolve));
          return capacity - held.size;
        },
        take,
      );
    } finally {
      await batcher.drain();
      clearInterval(heartbeat);
    }
  }

  /**
   * The loop of a consumer with lanes: fetches as many messages as it may hold and queues each in its lane (a
   * `MicroBatcher` of one item per batch: one key's flushes run one after the other, in order); a lane's message is
   * handled as any other (`process`) once a lane slot is free. One timer keeps every held message alive meanwhile.
   */
  private async lanesLoop(def: ConsumerDefinition, lanes: LanesDefinition, durable: string): Promise<void> {
    const slots = new Slots(Math.max(lanes.concurrency, 1));
    await this.holdingLoop(def, durable, Math.max(def.concurrency ?? 4 * lanes.concurrency, 1), (held, release) => {
      const batcher = new MicroBatcher<JsMsg>(
        { maxItems: 1, windowMs: 0 },
        async (_lane, [msg]) => {
          await slots.acquire();
          try {
            // Closing: what has not started is handed back at once (redelivered to a replica still running), not
            // handled in turn while the shutdown waits.
            if (msg && this.closing) msg.nak();
            else if (msg) await this.process(msg, durable, def.ack ?? 'confirmed');
          } finally {
            slots.release();
            release(msg ? [msg] : []);
          }
        },
        (error) => this.options.onError?.(error, `${durable}: a message could not be settled`),
      );
      return {
        batcher,
        take: (msg) => {
          held.add(msg);
          batcher.add(lanes.keyOf(msg.subject), msg);
        },
      };
    });
  }

  /**
   * Fetches messages until the transport closes, never more than `free()` says may start now, and hands each to
   * `take` as it arrives. Missed heartbeats, a deleted consumer or a reconnect end a fetch: it fetches again.
   */
  private async pull(def: ConsumerDefinition, durable: string, free: () => Promise<number>, take: (msg: JsMsg) => void): Promise<void> {
    const js = this.connection().jetstream();
    while (!this.closing) {
      try {
        const consumer = await js.consumers.get(def.stream, durable);
        while (!this.closing) {
          const slots = await free();
          if (this.closing) break;
          const messages = await consumer.fetch({ max_messages: slots, expires: FETCH_EXPIRES_MS });
          this.fetching.add(messages);
          if (this.closing) messages.stop(); // closed while the fetch was being made
          try {
            for await (const msg of messages) take(msg);
          } finally {
            this.fetching.delete(messages);
          }
        }
      } catch (e) {
        if (this.closing) break;
        this.options.onError?.(e, `consumer ${durable} interrupted; fetching again`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Hands one batch to its handler, then acks each message or fails it (retry, dead letter) by the outcome. */
  private async handleBatch(def: ConsumerDefinition, consumer: string, key: string, items: HeldMessage[]): Promise<void> {
    const ack = def.ack ?? 'confirmed';
    const settle = (item: HeldMessage, error: unknown): Promise<void> => {
      if (error === undefined) return ack === 'confirmed' ? item.msg.ackAck().then(() => undefined) : (item.msg.ack(), Promise.resolve());
      return this.onFailure(item.msg, consumer, item.name, error);
    };
    const handler = this.handlerFor(def.batch?.pattern ?? '');
    if (!handler) {
      await Promise.all(items.map((i) => this.deadLetter(i.msg, consumer, 'NO_HANDLER', `${consumer} has no handler for ${def.batch?.pattern}`)));
      return;
    }
    const deliveries: BatchDelivery[] = items.map((i) => ({
      name: i.name,
      event: i.event,
      subject: i.msg.subject,
      streamSequence: i.msg.info.streamSequence,
      deliveryCount: i.msg.info.redeliveryCount,
      bytes: i.msg.data.length,
    }));
    let outcome: BatchOutcome | undefined;
    try {
      // R-OPS-03: the batch's lines carry the ids its events share (a key's events share tenant and directory).
      outcome = await withLogContext(sharedLogContext(items), async () => {
        const result: unknown = await handler(deliveries, new JetStreamBatchContext(consumer, key));
        return (isObservable(result) ? await lastValueFrom(result, { defaultValue: undefined }) : result) as BatchOutcome | undefined;
      });
    } catch (e) {
      await Promise.all(items.map((i) => settle(i, e)));
      return;
    }
    const refused = outcome?.refused;
    await Promise.all(items.map((i, index) => settle(i, refused?.has(index) ? (refused.get(index) ?? new Error('refused')) : undefined)));
  }

  private track(task: Promise<void>): void {
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async process(msg: JsMsg, consumer: string, ack: 'confirmed' | 'sent'): Promise<void> {
    if (msg.info.redelivered) this.options.onRedelivery?.(consumer);
    let parsed: { name: EventName; event: CloudEvent };
    try {
      parsed = parseEvent(msg.data);
    } catch (e) {
      const violation = e as ContractViolation;
      return this.deadLetter(msg, consumer, violation.code ?? 'INVALID', violation.message);
    }
    // R-OPS-03: every line logged while handling the event carries its tenant, directory, run and event ids.
    return withLogContext(logContextOf(parsed.event), () => this.handle(msg, consumer, parsed, ack));
  }

  private handlerFor(name: string): MessageHandler | null {
    let handler = this.handlers.get(name);
    if (handler === undefined) {
      handler = this.getHandlerByPattern(name) as MessageHandler | null;
      this.handlers.set(name, handler);
    }
    return handler;
  }

  private async handle(msg: JsMsg, consumer: string, parsed: { name: EventName; event: CloudEvent }, ack: 'confirmed' | 'sent'): Promise<void> {
    const handler = this.handlerFor(parsed.name);
    if (!handler) {
      return this.deadLetter(msg, consumer, 'NO_HANDLER', `${consumer} has no handler for ${parsed.name}`);
    }
    const ackWait = this.options.ackWaitMs ?? 30_000;
    const heartbeat = setInterval(() => msg.working(), Math.max(ackWait / 3, 100));
    try {
      const result = await handler(parsed.event, new JetStreamContext(parsed.event, msg, consumer, this.maxDeliver));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      clearInterval(heartbeat);
      if (ack === 'confirmed') await msg.ackAck();
      else msg.ack();
    } catch (e) {
      clearInterval(heartbeat);
      await this.onFailure(msg, consumer, parsed.name, e);
    }
  }

  private async onFailure(msg: JsMsg, consumer: string, name: EventName, error: unknown): Promise<void> {
    const deliveries = msg.info.redeliveryCount;
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof PermanentError) return this.deadLetter(msg, consumer, error.code, reason);
    if (error instanceof RetryLaterError && deliveries < this.maxDeliver) return void msg.nak(error.delayMs);
    if (deliveries >= this.maxDeliver) {
      return this.deadLetter(msg, consumer, 'MAX_DELIVERIES', `${Events[name].type} failed ${deliveries} times: ${reason}`);
    }
    this.options.onError?.(error, `${consumer} failed on ${msg.subject} (delivery ${deliveries}); retrying`);
    const backoff = this.options.backoffMs ?? DEFAULT_BACKOFF_MS;
    msg.nak(backoff[Math.min(deliveries - 1, backoff.length - 1)]);
  }

  private async deadLetter(msg: JsMsg, consumer: string, code: string, reason: string): Promise<void> {
    const h = natsHeaders();
    // Keep what the publisher sent, so a redrive re-publishes payload and headers (R-OPS-02); `Nats-*` headers
    // belong to the server (a copied Nats-Msg-Id would dedup against the original).
    for (const [key, values] of msg.headers ?? []) {
      if (/^nats-/i.test(key)) continue;
      for (const value of values) h.append(key, value);
    }
    const originalId = msg.headers?.get('Nats-Msg-Id');
    if (originalId) h.set(DLQ_HEADERS.msgId, originalId);
    // A header value cannot hold CR or LF (nats.js refuses the publish, and the message would never leave).
    h.set(DLQ_HEADERS.reason, reason.replace(/[\r\n]+/g, ' ').slice(0, 2000));
    h.set(DLQ_HEADERS.code, code);
    h.set(DLQ_HEADERS.consumer, consumer);
    h.set(DLQ_HEADERS.subject, msg.subject);
    h.set(DLQ_HEADERS.stream, msg.info.stream);
    h.set(DLQ_HEADERS.sequence, String(msg.info.streamSequence));
    h.set(DLQ_HEADERS.deliveries, String(msg.info.redeliveryCount));
    h.set(DLQ_HEADERS.failedAt, new Date().toISOString());
    const id = `dlq:${msg.info.stream}:${msg.info.streamSequence}:${consumer}`;
    await this.connection().jetstream().publish(`roster.dlq.${this.options.service}.${consumer}`, msg.data, { msgID: id, headers: h });
    await msg.ackAck();
    this.options.onDeadLetter?.({
      consumer,
      subject: msg.subject,
      streamSequence: msg.info.streamSequence,
      deliveries: msg.info.redeliveryCount,
      code,
      reason,
    });
  }
}

/** A counting semaphore: at most `size` holders at once, the others wait in order. */
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** The next waiter takes the freed slot as it is. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

interface HeldMessage {
  msg: JsMsg;
  name: EventName;
  event: CloudEvent;
}

/** The log context every event of a batch shares (tenant, directory, run), without event ids. */
function sharedLogContext(items: readonly HeldMessage[]): LogContext {
  const [first, ...rest] = items.map((i) => logContextOf(i.event));
  const shared: LogContext = { ...first, eventId: undefined };
  for (const key of ['tenantId', 'directoryId', 'runId'] as const) {
    if (rest.some((c) => c[key] !== shared[key])) shared[key] = undefined;
  }
  return shared;
}

/** The ids a handler's log lines carry: the envelope's tenant and run, the payload's directory (and run), the event. */
export function logContextOf(event: CloudEvent): LogContext {
  const data = (event.data ?? {}) as { directoryId?: unknown; runId?: unknown };
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { tenantId: event.tenantid, directoryId: text(data.directoryId), runId: event.runid ?? text(data.runId), eventId: event.id };
}
