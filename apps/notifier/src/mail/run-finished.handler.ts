import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { RethrowRpcFilter } from '@roster/messaging';
import { NotifyRunFinishedUseCase } from './notify-run-finished.usecase';

@Controller()
@UseFilters(RethrowRpcFilter)
export class RunFinishedHandler {
  constructor(private readonly notify: NotifyRunFinishedUseCase) {}

  @EventPattern('run.finished')
  handle(@Payload() event: CloudEvent<PayloadOf<'run.finished'>>): Promise<void> {
    return this.notify.execute(event);
  }

  @EventPattern('run.progress')
  progress(@Payload() event: CloudEvent<PayloadOf<'run.progress'>>): Promise<void> {
    return this.notify.held(event);
  }
}
