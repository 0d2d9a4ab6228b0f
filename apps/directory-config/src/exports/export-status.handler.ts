import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { MikroORM } from '@mikro-orm/postgresql';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { DLQ_HEADERS, JetStreamContext, RethrowRpcFilter, handleOnce } from '@roster/messaging';
import type { ExportFailure } from './export.entity';
import type { ExportChange } from './export-status';
import { ExportStatusUseCase } from './export-status.usecase';

/**
 * Where the export consumers of directory-config read (main.ts): the export events, and the dead letters of the
 * two consumers that act on them (`roster.dlq.<service>.<durable>`), which carry the original event.
 */
export const EXPORT_EVENTS_FILTER = 'roster.exports.>';
export const EXPORT_BUILD_DEAD_LETTERS = 'roster.dlq.reconciler.reconciler-exports';
export const EXPORT_MAIL_DEAD_LETTERS = 'roster.dlq.notifier.notifier-export-ready';

/** A dead letter's failure, from the headers JetStreamServer set on it; undefined for a message that is not one. */
function deadLetterOf(ctx: JetStreamContext, stage: ExportFailure['stage']): { failure: ExportFailure; at: Date; key: string } | undefined {
  if (!ctx.message.subject.startsWith('roster.dlq.')) return undefined;
  const h = ctx.message.headers;
  const failedAt = h?.get(DLQ_HEADERS.failedAt);
  return {
    failure: { stage, code: h?.get(DLQ_HEADERS.code) || 'DEAD_LETTERED', message: h?.get(DLQ_HEADERS.reason) || 'dead-lettered' },
    at: failedAt ? new Date(failedAt) : new Date(ctx.message.info.timestampNanos / 1e6),
    // Each dead letter once (a redriven event that fails again is a new one, with the same event id).
    key: `dlq:${ctx.message.info.streamSequence}`,
  };
}

/** R-EXP-01: an export's status follows its events and the dead letters of its steps, each applied once. */
@Controller()
@UseFilters(RethrowRpcFilter)
export class ExportStatusHandler {
  constructor(
    private readonly orm: MikroORM,
    private readonly exports: ExportStatusUseCase,
  ) {}

  @EventPattern('export.requested')
  async onRequested(@Payload() event: CloudEvent<PayloadOf<'export.requested'>>, @Ctx() ctx: JetStreamContext) {
    const { exportId, email, requestedAt } = event.data;
    const origin = { email, requestedAt: new Date(requestedAt) };
    const dead = deadLetterOf(ctx, 'build');
    if (!dead) return this.once(ctx, event.id, (em) => this.exports.requested(em, event.tenantid, exportId, origin));
    return this.once(ctx, dead.key, (em) => this.exports.apply(em, event.tenantid, exportId, { kind: 'failed', at: dead.at, failure: dead.failure }, origin));
  }

  @EventPattern('export.building')
  onBuilding(@Payload() event: CloudEvent<PayloadOf<'export.building'>>, @Ctx() ctx: JetStreamContext) {
    return this.change(ctx, event.id, event.tenantid, event.data.exportId, { kind: 'building', at: new Date(event.data.startedAt) });
  }

  @EventPattern('export.ready')
  onReady(@Payload() event: CloudEvent<PayloadOf<'export.ready'>>, @Ctx() ctx: JetStreamContext) {
    const { exportId, rowCount, size, fileName, createdAt } = event.data;
    const dead = deadLetterOf(ctx, 'mail');
    if (dead) return this.change(ctx, dead.key, event.tenantid, exportId, { kind: 'failed', at: dead.at, failure: dead.failure });
    return this.change(ctx, event.id, event.tenantid, exportId, { kind: 'ready', at: new Date(createdAt), rowCount, size, fileName });
  }

  @EventPattern('export.mailed')
  onMailed(@Payload() event: CloudEvent<PayloadOf<'export.mailed'>>, @Ctx() ctx: JetStreamContext) {
    const { exportId, rowCount, mailedAt } = event.data;
    return this.change(ctx, event.id, event.tenantid, exportId, { kind: 'mailed', at: new Date(mailedAt), rowCount });
  }

  private change(ctx: JetStreamContext, key: string, tenantId: string, exportId: string, change: ExportChange) {
    return this.once(ctx, key, (em) => this.exports.apply(em, tenantId, exportId, change));
  }

  private async once(ctx: JetStreamContext, key: string, work: Parameters<typeof handleOnce>[3]): Promise<void> {
    await handleOnce(this.orm, ctx.consumer, key, work);
  }
}
