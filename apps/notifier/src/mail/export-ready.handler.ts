import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { JetStreamContext, RethrowRpcFilter } from '@roster/messaging';
import { NotifyExportReadyUseCase } from './notify-export-ready.usecase';

@Controller()
@UseFilters(RethrowRpcFilter)
export class ExportReadyHandler {
  constructor(private readonly notify: NotifyExportReadyUseCase) {}

  @EventPattern('export.ready')
  handle(@Payload() event: CloudEvent<PayloadOf<'export.ready'>>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.notify.execute(event, ctx.lastDelivery);
  }
}
