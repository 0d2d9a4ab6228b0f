import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { RethrowRpcFilter } from '@roster/messaging';
import { SyncHrisUseCase } from './sync-hris.usecase';

@Controller()
@UseFilters(RethrowRpcFilter)
export class SyncRequestedHandler {
  constructor(private readonly sync: SyncHrisUseCase) {}

  @EventPattern('sync.requested')
  handle(@Payload() event: CloudEvent<PayloadOf<'sync.requested'>>): Promise<void> {
    return this.sync.execute(event);
  }

  /** R-API-02: an applied run moves its directory's fetch watermark. */
  @EventPattern('run.finished')
  finished(@Payload() event: CloudEvent<PayloadOf<'run.finished'>>): Promise<void> {
    return this.sync.runFinished(event);
  }
}
