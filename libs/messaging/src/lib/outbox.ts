import { EntitySchema } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { EventName, Events, PayloadOf } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import { PermanentError } from './errors';
import { EncodedMessage, EventPublisher, OutgoingJson, OutgoingMessage, PublishContext, buildJsonEnvelope, buildMessage, envelopeFrame } from './publisher';

export interface OutboxRow {
  seq: string;
  subjects: string[];
  ids: string[];
  payload: string;
  events: number;
  createdAt: Date;
}

/**
 * Events waiting to be relayed, in the producing service's own schema, written in its transaction. A row is a
 * page of events (up to `PAGE_EVENTS`, in order): their subjects, their ids (the `Nats-Msg-Id`s: deterministic ids
 * such as '<run>:finished' make re-publishing idempotent) and their envelopes as JSON text, one per line
 * (`JSON.stringify` never writes a raw line break). A page is one heap tuple that PostgreSQL compresses (TOAST), not
 * a row and an index entry per event: a 100k-user first sync writes ~430 rows instead of 213k, and ~13 MB of WAL
 * for them instead of ~270 MB (measured; see docs/architecture.md, "Outbox").
 */
export const OutboxMessageEntity = new EntitySchema<OutboxRow>({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    seq: { type: 'bigint', primary: true, autoincrement: true },
    subjects: { type: 'text[]' },
    ids: { type: 'text[]' },
    payload: { type: 'text' },
    events: { type: 'integer' },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

/** Events per outbox row. */
export const PAGE_EVENTS = 1000;

/**
 * The largest envelope the outbox takes: NATS's default max_payload (1 MiB) less room for the headers the relay
 * publishes with. A bigger one could never be published, and the relay would stop at its page for good, holding
 * back every event written after it; so it is refused where it is written, in the producer's transaction.
 */
export const MAX_ENVELOPE_BYTES = 1024 * 1024 - 4 * 1024;

/**
 * The outbox's events one per row, with `envelope` as jsonb, for reading what a transaction wrote (tests, support
 * queries): `select … from ${outboxEvents(table)} where envelope->>'type' = …`.
 */
export function outboxEvents(table: string): string {
  return `(select o.seq, e.n, e.line::jsonb as envelope from ${table} o cross join lateral unnest(string_to_array(o.payload, E'\\n')) with ordinality as e(line, n)) as outbox_events`;
}

/** What `Outbox.addMessages` takes: an event built (`Outbox.message`) or already JSON text (`Outbox.jsonMessage`). */
export type OutboxMessage = OutgoingMessage | OutgoingJson;

/** Writes events to the outbox through the caller's EntityManager, i.e. inside its transaction. */
export class Outbox {
  constructor(private readonly source: string) {}

  add<N extends EventName>(em: EntityManager, name: N, data: PayloadOf<N>, ctx: PublishContext): Promise<void> {
    return this.addMessages(em, [buildMessage(this.source, name, data, ctx)]);
  }

  message<N extends EventName>(name: N, data: PayloadOf<N>, ctx: PublishContext): OutgoingMessage {
    return buildMessage(this.source, name, data, ctx);
  }

  /**
   * A message whose data the caller has as JSON text: put in the envelope as it is, neither parsed, validated nor
   * serialised again (`buildJsonEnvelope`). For bulk payloads made of parts each already held to the contract (an
   * inbound run's record batches: every record comes from a validated event). Consumers validate it as any event.
   */
  jsonMessage<N extends EventName>(name: N, dataJson: string, ctx: PublishContext): OutgoingJson {
    return buildJsonEnvelope(this.source, name, dataJson, ctx);
  }

  /**
   * Events of one kind whose data PostgreSQL builds from stored rows, written as one outbox page without the rows
   * leaving the database: `rows` is a query (with its `params`) of `(n, data)` — the event's place in the page and
   * its data as JSON text (`jsonObjectSql`) — at most `PAGE_EVENTS` of them. Each event gets a fresh id
   * (`gen_random_uuid()`) and the envelope of `name` (`envelopeFrame`: one time for the page). The data is not
   * checked against the event's schema here, as `add` does: the test of each caller holds its data to the schema.
   * Its size is: an envelope over `MAX_ENVELOPE_BYTES` is refused (`MESSAGE_TOO_LARGE`), as in `addMessages`.
   * Returns how many events were written.
   */
  async addBuilt<N extends EventName>(em: EntityManager, name: N, ctx: Omit<PublishContext, 'id'>, rows: string, params: readonly unknown[]): Promise<number> {
    const page = this.pageSql(em, name, ctx, rows);
    const [written] = await sql<{ events: number; seq: string; bytes: number }>(em, page.sql, [...page.params, ...params]);
    // As `addMessages` does: an envelope the bus cannot take is refused in the writer's transaction. A page no larger
    // than the bound cannot hold one (most pages of user.created are under it); a larger one is looked into.
    if (written && written.bytes > MAX_ENVELOPE_BYTES) await this.refuseLargeEnvelope(em, written.seq, Events[name].type);
    return written?.events ?? 0;
  }

  private async refuseLargeEnvelope(em: EntityManager, seq: string, type: string): Promise<void> {
    const [large] = await sql<{ id: string; bytes: number }>(em,
      `select o.ids[e.n] as id, octet_length(e.line) as bytes
         from ${qualified(em, 'outbox')} o cross join lateral unnest(string_to_array(o.payload, E'\\n')) with ordinality as e(line, n)
        where o.seq = ? and octet_length(e.line) > ? order by e.n limit 1`,
      [seq, MAX_ENVELOPE_BYTES],
    );
    if (large) {
      throw new PermanentError(
        `${type} ${large.id} is ${large.bytes} bytes; the bus takes ${MAX_ENVELOPE_BYTES} at most, so it was not written`,
        'MESSAGE_TOO_LARGE',
      );
    }
  }

  /**
   * `addBuilt`'s statement, for a caller whose own statement makes the rows (a data-modifying `with`: the page is
   * one of its queries, `<name> as (${sql})`). `params` are the page's own, before those of `rows`. Writes nothing
   * (and returns no row) when `rows` is empty.
   */
  pageSql<N extends EventName>(em: EntityManager, name: N, ctx: Omit<PublishContext, 'id'>, rows: string): { sql: string; params: unknown[] } {
    const frame = envelopeFrame(this.source, name, ctx);
    return {
      sql: `insert into ${qualified(em, 'outbox')} (subjects, ids, payload, events)
       select array_fill(?::text, array[count(*)::int]), array_agg(e.id order by e.n),
              string_agg(?::text || e.id || ?::text || e.data || '}', E'\\n' order by e.n), count(*)
         from (select r.n, r.data, gen_random_uuid()::text as id from (${rows}) as r(n, data)) as e
       having count(*) > 0
       returning events, seq, octet_length(payload) as bytes`,
      params: [frame.subject, frame.beforeId, frame.beforeData],
    };
  }

  /** The messages in order, as pages of up to `PAGE_EVENTS`: one row and one parameter set per page. */
  async addMessages(em: EntityManager, messages: readonly OutboxMessage[]): Promise<void> {
    const table = qualified(em, 'outbox');
    for (let i = 0; i < messages.length; i += PAGE_EVENTS) {
      const page = messages.slice(i, i + PAGE_EVENTS).map(asJson);
      for (const m of page) {
        // A UTF-16 length under a third of the bound cannot be over it in UTF-8: most envelopes skip the count.
        const bytes = m.json.length * 3 > MAX_ENVELOPE_BYTES ? Buffer.byteLength(m.json) : 0;
        if (bytes > MAX_ENVELOPE_BYTES) {
          throw new PermanentError(
            `${m.type} ${m.id} is ${bytes} bytes; the bus takes ${MAX_ENVELOPE_BYTES} at most, so it was not written`,
            'MESSAGE_TOO_LARGE',
          );
        }
      }
      await sql(em, `insert into ${table} (subjects, ids, payload, events) values (?::text[], ?::text[], ?, ?)`, [
        page.map((m) => m.subject),
        page.map((m) => m.id),
        page.map((m) => m.json).join('\n'),
        page.length,
      ]);
    }
  }
}

/** A page keeps one envelope per line: text made elsewhere must be one line (as `JSON.stringify` writes it). */
function asJson(m: OutboxMessage): OutgoingJson {
  if (!('json' in m)) return { subject: m.subject, id: m.envelope.id, type: m.envelope.type, json: JSON.stringify(m.envelope) };
  if (m.json.includes('\n')) throw new Error(`${m.type} ${m.id}: the envelope's JSON text has a line break; write it as JSON.stringify does`);
  return m;
}

/**
 * Events per relay transaction (at least one page): a claim, one windowed publish, one delete. Each transaction
 * ends with its window drained and a commit, so fewer, larger ones publish faster: 213k `user.created` in 4.9 s
 * at 10 000 a transaction against 6.0 s at 2000 (same machine, `/tmp` experiment; the window size made no
 * difference, 512–8192).
 */
const DEFAULT_BATCH = 10_000;
/**
 * Bytes of envelopes per relay transaction (at least one page): what the relay holds at once stays bounded
 * whatever the events weigh. A page of 1000 `user.created` is ~0.9 MB; a page of an inbound run's `records.batch`
 * events (500 employees each) is ~1.2 MB for 6 events, so an event count alone let one pass take up to
 * `CLAIM_PAGES` such pages — hundreds of MB — into a service run with a 192 MiB heap.
 */
const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;
/** Pages looked at per claim (only those within the batch are locked and taken). */
const CLAIM_PAGES = 256;

export interface OutboxRelayOptions {
  /** Events per relay transaction (whole pages, at least one): default 10 000. */
  batchSize?: number;
  /** Envelope bytes per relay transaction (whole pages, at least one): default 8 MiB. */
  batchBytes?: number;
  /** The pause after the first empty poll (default 200 ms); it doubles while polls stay empty. */
  idleMs?: number;
  /** The longest pause between empty polls (default 5 s). A commit that wrote outbox rows kicks the relay. */
  maxIdleMs?: number;
  onError?: (error: unknown) => void;
  onPublished?: (count: number) => void;
  /** Called before each pause with its length (a test can tell the relay is asleep). */
  onIdle?: (pauseMs: number) => void;
}

/**
 * Moves outbox rows to JetStream: claims a batch `FOR UPDATE SKIP LOCKED` (replicas share the work), publishes
 * with `Nats-Msg-Id` = event id, deletes the rows, commits. A crash after the PubAck and before the commit
 * re-sends the batch; the stream's duplicate window stores each event once.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private kicked = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly publisher: EventPublisher,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ask for an immediate pass (after a commit that wrote outbox rows); never lost while a pass is running. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  /** Relays one batch of whole pages; returns how many events were published. */
  async relayOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH;
    const batchBytes = this.options.batchBytes ?? DEFAULT_BATCH_BYTES;
    return this.orm.em.fork().transactional(async (em) => {
      const table = qualified(em, 'outbox');
      // Choose the pages first, then lock only those: pages locked and not taken would let another replica's
      // SKIP LOCKED jump hundreds of pages ahead (a consumer could meet a membership before its user.created).
      // A page's size is read from its TOAST header, not by decompressing it.
      const waiting = await sql<{ seq: string; events: number; bytes: number }>(em,
        `select seq, events, octet_length(payload) as bytes from ${table} order by seq limit ${CLAIM_PAGES}`,
      );
      const chosen: string[] = [];
      let events = 0;
      let bytes = 0;
      for (const page of waiting) {
        if (chosen.length > 0 && (events + page.events > batchSize || bytes + page.bytes > batchBytes)) break;
        chosen.push(page.seq);
        events += page.events;
        bytes += page.bytes;
      }
      if (chosen.length === 0) return 0;
      // Subjects and ids as lines (neither can hold a line break: subject tokens and the ids this service makes),
      // split in the service: parsing them as text[] cost as much as the rest of reading a page.
      const pages = await sql<{ seq: string; subjects: string; ids: string; payload: string }>(em,
        `select seq, array_to_string(subjects, E'\\n') as subjects, array_to_string(ids, E'\\n') as ids, payload
           from ${table} where seq = any(?::bigint[]) order by seq for update skip locked`,
        [chosen],
      );
      if (pages.length === 0) return 0;
      const taken = pages.map((p) => p.seq);
      // The envelopes are published as the text they were stored as, never parsed and re-serialised here: one
      // UTF-8 encoding per page, each envelope a view of its line.
      const messages: EncodedMessage[] = [];
      for (const page of pages) {
        const subjects = page.subjects.split('\n');
        const ids = page.ids.split('\n');
        const lines = linesOf(Buffer.from(page.payload, 'utf8'));
        if (lines.length !== ids.length || subjects.length !== ids.length) {
          throw new Error(`outbox page ${page.seq} is damaged: ${ids.length} ids, ${subjects.length} subjects, ${lines.length} envelopes`);
        }
        for (let i = 0; i < lines.length; i++) messages.push({ subject: subjects[i], id: ids[i], payload: lines[i] });
      }
      await this.publisher.publishEncoded(messages, 512);
      await sql(em, `delete from ${table} where seq = any(?::bigint[])`, [taken]);
      return messages.length;
    });
  }

  /**
   * Polls while there is work; when polls come back empty the pause doubles up to `maxIdleMs`. An empty poll is
   * not free while a long transaction is filling the outbox: the claim walks its uncommitted rows (a quarter of
   * the database's time during a 100k-row apply at 200 ms, when a row was an event; pages made them ~1000× fewer).
   * The writer's `kick()` after its commit ends the pause.
   */
  private async run(): Promise<void> {
    let failures = 0;
    let emptyPolls = 0;
    while (this.running) {
      this.kicked = false;
      let published = 0;
      try {
        published = await this.relayOnce();
        failures = 0;
        if (published > 0) this.options.onPublished?.(published);
      } catch (e) {
        failures++;
        this.options.onError?.(e);
      }
      emptyPolls = published > 0 ? 0 : emptyPolls + 1;
      // A pass that published something goes again at once: a batch of whole pages can end short of the batch size
      // with more pages waiting (one empty poll then ends the drain).
      if (published > 0 || (this.kicked && !failures)) continue;
      const idle = Math.min(this.options.maxIdleMs ?? 5000, (this.options.idleMs ?? 200) * 2 ** Math.max(0, emptyPolls - 1));
      const pause = failures ? Math.min(30_000, 250 * 2 ** failures) : idle;
      this.options.onIdle?.(pause);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          // A kick ends an idle pause, not the backoff after a failure (NATS or the database down); stop ends both.
          if (failures && this.running) return;
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

/** The lines of a page's envelopes (UTF-8, `\n` between them: a byte that occurs in no multi-byte character), as views. */
function linesOf(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(0x0a, start); end !== -1; end = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, end));
    start = end + 1;
  }
  lines.push(bytes.subarray(start));
  return lines;
}
