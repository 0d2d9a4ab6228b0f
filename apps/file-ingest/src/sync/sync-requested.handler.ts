import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { JetStreamContext, RethrowRpcFilter, isFinalFailure } from '@roster/messaging';
import { SyncSftpUseCase } from './sync-sftp.usecase';

@Controller()
@UseFilters(RethrowRpcFilter)
export class SyncRequestedHandler {
  constructor(private readonly sync: SyncSftpUseCase) {}

  /** A request it gives up on (a permanent error, or the last delivery) fails its run first (`failForGood`). */
  @EventPattern('sync.requested')
  async handle(@Payload() event: CloudEvent<PayloadOf<'sync.requested'>>, @Ctx() ctx: JetStreamContext): Promise<void> {
    try {
      await this.sync.execute(event);
    } catch (error) {
      if (isFinalFailure(error, ctx.lastDelivery)) await this.sync.failForGood(event, error, ctx.deliveryCount);
      throw error;
    }
  }
}
