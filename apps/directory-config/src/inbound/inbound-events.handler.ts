import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type CloudEvent, type EmployeeTerminatedV1, type EmployeeUpsertedV1, type EventName, subjectOf } from '@roster/contracts';
import { JetStreamContext, RethrowRpcFilter, durableName } from '@roster/messaging';
import { InboundEventsUseCase } from './inbound-events.usecase';
import { InboundException, InboundExceptionCode } from './inbound.exception';

/** The inbound consumer (main.ts). Its durable, `directory-config-inbound`, is the inbox consumer its event ids are claimed for. */
export const INBOUND_CONSUMER = 'inbound';
export const INBOUND_DURABLE = durableName('directory-config', INBOUND_CONSUMER);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * R-EVT-02: employee events from internal services. The transport has already parsed each one with its zod schema
 * (a malformed event is dead-lettered before it gets here); this edge checks the subject against the type and
 * tenant, then hands the event to the micro-batcher. Each message is acked once its batch's run is committed.
 */
@Controller()
@UseFilters(RethrowRpcFilter)
export class InboundEventsHandler {
  constructor(private readonly inbound: InboundEventsUseCase) {}

  @EventPattern('inbound.employee.upserted')
  onUpserted(@Payload() event: CloudEvent<EmployeeUpsertedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    checkSubject('inbound.employee.upserted', event, ctx);
    return this.inbound.accept({ id: event.id, kind: 'upserted', data: event.data, sequence: ctx.message.info.streamSequence }, event.tenantid, ctx.consumer);
  }

  @EventPattern('inbound.employee.terminated')
  onTerminated(@Payload() event: CloudEvent<EmployeeTerminatedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    checkSubject('inbound.employee.terminated', event, ctx);
    return this.inbound.accept({ id: event.id, kind: 'terminated', data: event.data, sequence: ctx.message.info.streamSequence }, event.tenantid, ctx.consumer);
  }
}

/** R-TEN-01: the tenant of the envelope is the tenant of the subject, and the subject is the type's. */
function checkSubject(name: EventName, event: CloudEvent, ctx: JetStreamContext): void {
  if (!UUID.test(event.tenantid)) {
    throw new InboundException(InboundExceptionCode.UNKNOWN_TENANT, `tenantid '${event.tenantid}' is not a tenant id (a uuid); the event was not applied`);
  }
  const expected = subjectOf(name, { tenant: event.tenantid });
  if (ctx.message.subject !== expected) {
    throw new InboundException(
      InboundExceptionCode.SUBJECT_MISMATCH,
      `${event.type} of tenant ${event.tenantid} was published on ${ctx.message.subject}; publish it on ${expected}`,
    );
  }
}
