import { Inject, Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Counter } from 'prom-client';
import { pruneInboxBatch, streamMaxAgeMs } from '@roster/messaging';
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
 * Kept past ROSTER_INBOUND's retention: the stream drops a message `max_age` after its publication (NATS's clock),
 * the inbox row is stamped when its batch committed (PostgreSQL's clock, later); a day covers skew between the two.
 */
export const INBOX_RETENTION_MARGIN_MS = 24 * 60 * 60 * 1000;

/** Inbound inbox rows handled before this can go: their events are no longer in ROSTER_INBOUND, so none comes back. */
export function inboundInboxCutoff(now: Date): Date {
  return new Date(now.getTime() - streamMaxAgeMs('ROSTER_INBOUND') - INBOX_RETENTION_MARGIN_MS);
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
 * R-EVT-02: the inbound consumer's inbox rows (`<tenant>:<event id>`, one per event applied) are only needed while
 * their events can be delivered again, i.e. while ROSTER_INBOUND retains them; this deletes the older ones, in
 * batches of `batchSize` (each its own short statement) until a batch comes back short. Only the inbound consumer's
 * rows: the table also holds the run-lifecycle, export and dead-letter consumers' ids, whose streams keep messages
 * for other spans. Replicas may prune at the same time: a batch skips the rows another one is deleting.
 */
@Injectable()
export class PruneInboundInboxUseCase {
  private readonly logger = new Logger(PruneInboundInboxUseCase.name);
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

  async execute(now: Date): Promise<InboxPrune> {
    const consumer = INBOUND_DURABLE;
    const before = inboundInboxCutoff(now);
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
