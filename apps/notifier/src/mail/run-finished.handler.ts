import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { JetStreamContext, RethrowRpcFilter } from '@roster/messaging';
import { NotifyRunFinishedUseCase } from './notify-run-finished.usecase';

@Controller()
@UseFilters(RethrowRpcFilter)
export class RunFinishedHandler {
  constructor(private readonly notify: NotifyRunFinishedUseCase) {}

  @EventPattern('run.finished')
  handle(@Payload() event: CloudEvent<PayloadOf<'run.finished'>>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.notify.execute(event, ctx.lastDelivery);
  }

  @EventPattern('run.progress')
  progress(@Payload() event: CloudEvent<PayloadOf<'run.progress'>>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.notify.held(event, ctx.lastDelivery);
  }
}
