import { Inject, Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Counter } from 'prom-client';
import type { StreamName } from '@roster/contracts';
import { durableName, pruneInboxBatch, streamMaxAgeMs } from '@roster/messaging';
import { Metrics } from '@roster/observability';
import { pruneInBatches } from '@roster/persistence';
import { INBOUND_DURABLE } from './inbound-events.handler';

export const INBOX_PRUNING = Symbol('INBOX_PRUNING');
export interface InboxPruningSettings {
  /** Milliseconds between prunes in each replica; 0 disables the loop. */
  intervalMs: number;
  /** Rows deleted per statement at most; a run stops at the first batch that deletes fewer. */
  batchSize: number;
  /** Injectable clock, so tests move time instead of sleeping. */
  now: () => Date;
}

/** Rows per delete: a few milliseconds of row locks through the (consumer, handled_at) index. */
export const INBOX_PRUNE_BATCH = 5000;

/**
 * Kept past the stream's retention: it drops a message `max_age` after its publication (NATS's clock),
 * the inbox row is stamped when its batch committed (PostgreSQL's clock, later); a day covers skew between the two.
 */
export const INBOX_RETENTION_MARGIN_MS = 24 * 60 * 60 * 1000;

/** An inbox pruned by age: a consumer's rows, kept while its stream can still deliver their messages again. */
export interface PrunedInbox {
  consumer: string;
  stream: StreamName;
}

/** R-EVT-02: the inbound consumer — one row per applied employee event, by far the most. */
export const INBOUND_INBOX: PrunedInbox = { consumer: INBOUND_DURABLE, stream: 'ROSTER_INBOUND' };
/** The run lifecycle consumer: a row per `run.progress` and `run.finished`, so several per run. */
export const RUN_LIFECYCLE_INBOX: PrunedInbox = { consumer: durableName('directory-config', 'run-lifecycle'), stream: 'ROSTER_RUNS' };
/**
 * The inboxes pruned, in this order. directory-config's other consumers (reruns, exports, export dead letters) add a
 * row per operator action or export: few, and kept.
 */
export const PRUNED_INBOXES: readonly PrunedInbox[] = [INBOUND_INBOX, RUN_LIFECYCLE_INBOX];

/** Rows of `inbox` handled before this can go: their messages are no longer in its stream, so none comes back. */
export function inboxCutoff(now: Date, inbox: PrunedInbox = INBOUND_INBOX): Date {
  return new Date(now.getTime() - streamMaxAgeMs(inbox.stream) - INBOX_RETENTION_MARGIN_MS);
}

export interface InboxPrune {
  consumer: string;
  /** Rows handled before this time were deleted. */
  before: string;
  pruned: number;
  /** Delete statements run, the last one short. */
  batches: number;
}

/**
 * R-EVT-02: a consumer's inbox rows (the inbound consumer's `<tenant>:<event id>`, one per event applied; the run
 * lifecycle's event ids) are only needed while their messages can be delivered again, i.e. while the consumer's
 * stream retains them; this deletes the older ones, in batches of `batchSize` (each its own short statement) until a
 * batch comes back short. One consumer's rows at a time: the table holds every consumer's ids, whose streams keep
 * messages for different spans. Replicas may prune at the same time: a batch skips the rows another one is deleting.
 */
@Injectable()
export class PruneInboxUseCase {
  private readonly logger = new Logger(PruneInboxUseCase.name);
  private readonly pruned: Counter<'consumer'>;

  constructor(
    private readonly orm: MikroORM,
    @Inject(INBOX_PRUNING) private readonly settings: Pick<InboxPruningSettings, 'batchSize'>,
    metrics: Metrics,
  ) {
    this.pruned = metrics.counter({
      name: 'roster_inbox_pruned_total',
      help: 'Inbox rows deleted because their events are past the stream retention, by consumer',
      labelNames: ['consumer'],
    });
  }

  /** Prunes every inbox of PRUNED_INBOXES, one after the other. */
  async executeAll(now: Date): Promise<InboxPrune[]> {
    const done: InboxPrune[] = [];
    for (const inbox of PRUNED_INBOXES) done.push(await this.execute(now, inbox));
    return done;
  }

  async execute(now: Date, inbox: PrunedInbox = INBOUND_INBOX): Promise<InboxPrune> {
    const { consumer } = inbox;
    const before = inboxCutoff(now, inbox);
    const started = Date.now();
    const { pruned, batches } = await pruneInBatches(
      () => pruneInboxBatch(this.orm.em.fork(), consumer, before, this.settings.batchSize),
      this.settings.batchSize,
      (deleted) => this.pruned.inc({ consumer }, deleted),
    );
    this.logger.log({ consumer, before: before.toISOString(), pruned, batches, ms: Date.now() - started }, 'inbox pruned');
    return { consumer, before: before.toISOString(), pruned, batches };
  }
}
