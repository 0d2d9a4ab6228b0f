import { EntitySchema } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { CloudEvent, EventName, PayloadOf } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';
import { EventPublisher, OutgoingMessage, PublishContext, buildMessage } from './publisher';

export interface OutboxRow {
  seq: string;
  id: string;
  subject: string;
  envelope: CloudEvent;
  createdAt: Date;
}

/** Events waiting to be relayed, in the producing service's own schema, written in its transaction. */
export const OutboxMessageEntity = new EntitySchema<OutboxRow>({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    seq: { type: 'bigint', primary: true, autoincrement: true },
    // Text, not uuid: deterministic ids such as '<run>:finished' make re-publishing idempotent.
    id: { type: 'text', unique: true },
    subject: { type: 'text' },
    envelope: { type: 'json' },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

const INSERT_CHUNK = 500;

/** Writes events to the outbox through the caller's EntityManager, i.e. inside its transaction. */
export class Outbox {
  constructor(private readonly source: string) {}

  add<N extends EventName>(em: EntityManager, name: N, data: PayloadOf<N>, ctx: PublishContext): Promise<void> {
    return this.addMessages(em, [buildMessage(this.source, name, data, ctx)]);
  }

  message<N extends EventName>(name: N, data: PayloadOf<N>, ctx: PublishContext): OutgoingMessage {
    return buildMessage(this.source, name, data, ctx);
  }

  async addMessages(em: EntityManager, messages: OutgoingMessage[]): Promise<void> {
    const table = qualified(em, 'outbox');
    for (let i = 0; i < messages.length; i += INSERT_CHUNK) {
      const chunk = messages.slice(i, i + INSERT_CHUNK);
      const params: unknown[] = [];
      const rows = chunk.map((m) => {
        params.push(m.envelope.id, m.subject, JSON.stringify(m.envelope));
        return '(?, ?, ?::jsonb)';
      });
      await sql(em, `insert into ${table} (id, subject, envelope) values ${rows.join(', ')}`, params);
    }
  }
}

/** Events per relay transaction: a claim, one windowed publish, one delete. */
const DEFAULT_BATCH = 2000;

export interface OutboxRelayOptions {
  batchSize?: number;
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

  /** Relays one batch; returns how many events were published. */
  async relayOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH;
    return this.orm.em.fork().transactional(async (em) => {
      const table = qualified(em, 'outbox');
      // The envelope as PostgreSQL renders the stored jsonb (same JSON, its own spacing): published as text, never
      // parsed and re-serialised here.
      const rows = await sql<{ seq: string; subject: string; id: string; payload: string }>(em,
        `select seq, subject, id, envelope::text as payload from ${table} order by seq limit ${batchSize} for update skip locked`,
      );
      if (rows.length === 0) return 0;
      await this.publisher.publishEncoded(rows.map((r) => ({ subject: r.subject, id: r.id, payload: Buffer.from(r.payload, 'utf8') })), 512);
      await sql(em, `delete from ${table} where seq in (${rows.map(() => '?').join(', ')})`, rows.map((r) => r.seq));
      return rows.length;
    });
  }

  /**
   * Polls while there is work; when polls come back empty the pause doubles up to `maxIdleMs`. An empty poll is
   * not free while a long transaction is filling the outbox: the claim walks its uncommitted rows (a quarter of
   * the database's time during a 100k-row apply at 200 ms). The writer's `kick()` after its commit ends the pause.
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
      if (published >= (this.options.batchSize ?? DEFAULT_BATCH) || (this.kicked && !failures)) continue;
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
