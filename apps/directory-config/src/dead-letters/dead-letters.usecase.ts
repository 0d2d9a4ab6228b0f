import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Metrics } from '@roster/observability';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { DeadLetter, DeadLetterFilter } from './dead-letter';
import { DeadLetterPage, DeadLetterQueue } from './dead-letter-queue';
import type { DiscardView, RedriveAllView, RedriveView } from './dead-letters.schemas';

export const DEAD_LETTER_QUEUE = Symbol('DEAD_LETTER_QUEUE');

/**
 * R-OPS-02: operators list, inspect, redrive and discard dead letters. `tenantId` scopes every call: a dead
 * letter of another tenant (or of none known) is "not found" to a tenant-scoped caller (R-TEN-01).
 */
@Injectable()
export class DeadLettersUseCase implements OnModuleInit {
  private readonly logger = new Logger('DeadLetters');
  private readonly resolved;

  constructor(
    @Inject(DEAD_LETTER_QUEUE) private readonly queue: DeadLetterQueue,
    private readonly metrics: Metrics,
  ) {
    this.resolved = metrics.counter({
      name: 'roster_dead_letters_resolved_total',
      help: 'Dead letters redriven (outcome redriven or duplicate) or discarded by an operator',
      labelNames: ['consumer', 'action'],
    });
  }

  onModuleInit(): void {
    const queue = this.queue;
    const logger = this.logger;
    // Read from ROSTER_DLQ at each scrape: the size is the stream's, whichever replica or operator changed it.
    this.metrics.gauge({
      name: 'roster_dead_letters_stored',
      help: 'Dead letters in ROSTER_DLQ, by the consumer that gave up',
      labelNames: ['consumer'],
      async collect() {
        try {
          const counts = await queue.countsBySubject();
          this.reset();
          for (const [subject, n] of Object.entries(counts)) this.set({ consumer: subject.split('.').slice(3).join('.') }, n);
        } catch (e) {
          logger.warn({ error: String((e as Error)?.message ?? e) }, 'cannot read ROSTER_DLQ for metrics');
        }
      },
    });
  }

  async list(filter: DeadLetterFilter, page: { afterSequence: number; limit: number }): Promise<Omit<DeadLetterPage, 'untilSequence'>> {
    const { untilSequence: _until, ...rest } = await this.queue.scan(filter, page);
    return rest;
  }

  async get(sequence: number, tenantId?: string): Promise<DeadLetter> {
    const d = await this.queue.get(sequence);
    if (!d || (tenantId !== undefined && d.tenantId !== tenantId.toLowerCase())) {
      throw new DirectoryConfigException(
        DirectoryConfigExceptionCode.DEAD_LETTER_NOT_FOUND,
        `dead letter ${sequence} does not exist${tenantId ? ` for tenant ${tenantId}` : ''} (or was already redriven or discarded)`,
      );
    }
    return d;
  }

  async redrive(sequence: number, tenantId?: string): Promise<RedriveView> {
    return this.redriveOne(await this.get(sequence, tenantId));
  }

  /**
   * Redrives up to `limit` dead letters matching the filter, oldest first, after `afterSequence` and up to
   * `untilSequence` (default: ROSTER_DLQ's last sequence now); one failure does not stop the rest. A client goes
   * through every dead letter there was when it started by passing the first answer's `untilSequence` and each
   * answer's `nextAfterSequence`: one that fails again comes back after the bound, one that cannot be redriven stays
   * behind `nextAfterSequence`, so neither is met twice.
   */
  async redriveAll(filter: DeadLetterFilter, page: { limit: number; afterSequence?: number; untilSequence?: number }): Promise<RedriveAllView> {
    const scanned = await this.queue.scan(filter, page);
    const result: RedriveAllView = {
      redriven: [],
      failed: [],
      more: scanned.nextAfterSequence !== null,
      nextAfterSequence: scanned.nextAfterSequence,
      untilSequence: scanned.untilSequence,
    };
    for (const d of scanned.items) {
      try {
        result.redriven.push(await this.redriveOne(d));
      } catch (e) {
        const code = e instanceof DirectoryConfigException ? e.code : 'REDRIVE_FAILED';
        result.failed.push({ sequence: d.sequence, code, message: String((e as Error)?.message ?? e) });
      }
    }
    return result;
  }

  async discard(sequence: number, reason: string, tenantId?: string): Promise<DiscardView> {
    const d = await this.get(sequence, tenantId);
    if (!(await this.queue.remove(d.sequence))) throw this.gone(d);
    this.resolved.inc({ consumer: d.consumer, action: 'discarded' });
    this.logger.log({ ...this.logFields(d), reason }, 'dead letter discarded');
    return { sequence: d.sequence, consumer: d.consumer, code: d.code, originalSubject: d.original.subject, reason, discarded: true };
  }

  private async redriveOne(d: DeadLetter): Promise<RedriveView> {
    if (!d.original.subject || !d.original.stream) {
      throw new DirectoryConfigException(
        DirectoryConfigExceptionCode.DEAD_LETTER_NOT_REDRIVABLE,
        `dead letter ${d.sequence} has no original subject or stream to re-publish to`,
      );
    }
    // Publish first, then remove: a crash between the two leaves the dead letter, and its next redrive is a
    // duplicate of the same Nats-Msg-Id (inside the stream's duplicate window), not a second copy.
    const republished = await this.queue.republish(d);
    await this.queue.remove(d.sequence);
    const outcome = republished.duplicate ? 'duplicate' : 'redriven';
    this.resolved.inc({ consumer: d.consumer, action: outcome });
    this.logger.log({ ...this.logFields(d), outcome, republishedSequence: republished.sequence }, 'dead letter redriven');
    return {
      sequence: d.sequence,
      consumer: d.consumer,
      outcome,
      republished: { subject: d.original.subject, stream: republished.stream, sequence: republished.sequence },
    };
  }

  private gone(d: DeadLetter): DirectoryConfigException {
    return new DirectoryConfigException(
      DirectoryConfigExceptionCode.DEAD_LETTER_NOT_FOUND,
      `dead letter ${d.sequence} was redriven or discarded meanwhile`,
    );
  }

  private logFields(d: DeadLetter) {
    return {
      sequence: d.sequence,
      consumer: d.consumer,
      code: d.code,
      tenantId: d.tenantId,
      originalSubject: d.original.subject,
      originalSequence: d.original.sequence,
      eventId: d.eventId,
    };
  }
}

/** The API's view of a dead letter: everything but the raw bytes (the payload is decoded). */
export function deadLetterView(d: DeadLetter) {
  const { data: _data, ...view } = d;
  return view;
}

export function deadLetterSummaryView(d: DeadLetter) {
  const { data: _data, headers: _headers, payload: _payload, dlqSubject: _subject, ...summary } = d;
  return summary;
}
