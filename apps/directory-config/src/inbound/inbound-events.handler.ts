import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type CloudEvent, type EmployeeTerminatedV1, type EmployeeUpsertedV1, type EventName, Events, MAX_RECORD_BYTES, subjectOf } from '@roster/contracts';
import { type BatchDelivery, type BatchOutcome, JetStreamBatchContext, PermanentError, RethrowRpcFilter, durableName } from '@roster/messaging';
import { ApplyInboundBatchUseCase } from './apply-inbound-batch.usecase';
import type { InboundEvent } from './inbound-employees';
import { InboundException, InboundExceptionCode } from './inbound.exception';

/** The inbound consumer (main.ts). Its durable, `directory-config-inbound`, is the inbox consumer its event ids are claimed for. */
export const INBOUND_CONSUMER = 'inbound';
export const INBOUND_DURABLE = durableName('directory-config', INBOUND_CONSUMER);
/** The pattern of the batch handler the transport hands each micro-batch of the inbound consumer to. */
export const INBOUND_BATCH = 'inbound.batch';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INBOUND_EVENTS: readonly EventName[] = ['inbound.employee.upserted', 'inbound.employee.terminated'];

/**
 * The micro-batch key (R-EVT-02): a batch is one (tenant, directory), so a bad directory never takes good events
 * with it, and one directory's batches become runs in the order their events arrived.
 */
export function inboundBatchKey(event: CloudEvent): string {
  const directoryId = (event.data as { directoryId?: unknown } | null)?.directoryId;
  return `${event.tenantid}/${typeof directoryId === 'string' ? directoryId : ''}`;
}

/**
 * R-EVT-02: employee events from internal services, a micro-batch at a time (the transport groups them by
 * `inboundBatchKey` for ROSTER_INBOUND_WINDOW_MS or up to ROSTER_INBOUND_BATCH_MAX, and has already parsed each
 * with its zod schema: a malformed event is dead-lettered before it gets here). This edge refuses, one by one, an
 * event of another type and one whose subject is not its type's subject of its tenant; the rest of the batch becomes
 * one run (ApplyInboundBatchUseCase). The transport acks the batch's messages once the run is committed, and fails
 * them all (retry, or dead letters when permanent) when it is refused.
 */
@Controller()
@UseFilters(RethrowRpcFilter)
export class InboundEventsHandler {
  constructor(private readonly applyBatch: ApplyInboundBatchUseCase) {}

  @EventPattern(INBOUND_BATCH)
  async onBatch(@Payload() deliveries: BatchDelivery[], @Ctx() ctx: JetStreamBatchContext): Promise<BatchOutcome> {
    const refused = new Map<number, unknown>();
    const events: InboundEvent[] = [];
    deliveries.forEach((delivery, index) => {
      try {
        events.push(inboundEventOf(delivery));
      } catch (error) {
        refused.set(index, error);
      }
    });
    // Every event of the batch has this tenant and directory (the batch's key).
    const [tenantId, directoryId] = ctx.key.split('/') as [string, string];
    if (events.length > 0) {
      await this.applyBatch.execute({ tenantId, directoryId, consumer: ctx.consumer, events });
    }
    return { refused };
  }
}

function inboundEventOf(delivery: BatchDelivery): InboundEvent {
  const { name, event, subject, streamSequence: sequence } = delivery;
  if (!INBOUND_EVENTS.includes(name)) {
    throw new PermanentError(
      `${Events[name].type} is not an inbound event; ${INBOUND_DURABLE} takes ${INBOUND_EVENTS.map((n) => Events[n].type).join(' and ')}`,
      'NO_HANDLER',
    );
  }
  checkSubject(name, event, subject);
  if (name === 'inbound.employee.upserted' && delivery.bytes > MAX_RECORD_BYTES) checkRecordSize(event as CloudEvent<EmployeeUpsertedV1>);
  return name === 'inbound.employee.upserted'
    ? { id: event.id, kind: 'upserted', data: event.data as EmployeeUpsertedV1, sequence }
    : { id: event.id, kind: 'terminated', data: event.data as EmployeeTerminatedV1, sequence };
}

/**
 * R-SAFE-02: an employee over `MAX_RECORD_BYTES` is refused on its own (dead-lettered with the reason), before it joins
 * a micro-batch: its `user.updated` could not be published, and the run would fail with every other event of the batch
 * in it. Only a message over the bound is measured: the record is part of it.
 */
function checkRecordSize(event: CloudEvent<EmployeeUpsertedV1>): void {
  const bytes = Buffer.byteLength(JSON.stringify(event.data.employee));
  if (bytes <= MAX_RECORD_BYTES) return;
  throw new InboundException(
    InboundExceptionCode.RECORD_TOO_LARGE,
    `employee ${event.data.employee.externalId ?? '(no id)'} (${event.data.employee.email}) is ${bytes} bytes of JSON, over the ${MAX_RECORD_BYTES} a record may have ` +
      '(the events announcing the person must fit on the bus); the event was not applied',
  );
}

/** R-TEN-01: the tenant of the envelope is the tenant of the subject, and the subject is the type's. */
function checkSubject(name: EventName, event: CloudEvent, subject: string): void {
  if (!UUID.test(event.tenantid)) {
    throw new InboundException(InboundExceptionCode.UNKNOWN_TENANT, `tenantid '${event.tenantid}' is not a tenant id (a uuid); the event was not applied`);
  }
  const expected = subjectOf(name, { tenant: event.tenantid });
  if (subject !== expected) {
    throw new InboundException(
      InboundExceptionCode.SUBJECT_MISMATCH,
      `${event.type} of tenant ${event.tenantid} was published on ${subject}; publish it on ${expected}`,
    );
  }
}
