import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { JetStreamContext, RethrowRpcFilter } from '@roster/messaging';
import { ActivateUserUseCase } from '../users/activate-user.usecase';
import { AnonymizeUserUseCase } from '../users/anonymize-user.usecase';
import { ApplyRunUseCase } from './apply-run.usecase';
import { DecideRunUseCase } from './decide-run.usecase';
import { StageBatchUseCase } from './stage-batch.usecase';

@Controller()
@UseFilters(RethrowRpcFilter)
export class RecordsHandler {
  constructor(
    private readonly stage: StageBatchUseCase,
    private readonly applyRun: ApplyRunUseCase,
    private readonly decideRun: DecideRunUseCase,
    private readonly anonymizeUser: AnonymizeUserUseCase,
    private readonly activateUser: ActivateUserUseCase,
  ) {}

  @EventPattern('records.batch')
  onBatch(@Payload() event: CloudEvent<PayloadOf<'records.batch'>>): Promise<void> {
    return this.stage.execute(event);
  }

  /** A run's failure for good ends it `failed` before the transport dead-letters the completion (`failForGood`). */
  @EventPattern('records.complete')
  onComplete(@Payload() event: CloudEvent<PayloadOf<'records.complete'>>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.applyRun.execute(event, { last: ctx.lastDelivery, count: ctx.deliveryCount });
  }

  /** R-SAFE-01: approve or reject a held run (on the records stream, after the run's batches). */
  @EventPattern('run.decided')
  onDecided(@Payload() event: CloudEvent<PayloadOf<'run.decided'>>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.decideRun.execute(event, { last: ctx.lastDelivery, count: ctx.deliveryCount });
  }

  /** R-API-07: erase a user's personal data (on the records stream: never in the middle of a run's apply). */
  @EventPattern('user.anonymize.requested')
  onAnonymize(@Payload() event: CloudEvent<PayloadOf<'user.anonymize.requested'>>): Promise<void> {
    return this.anonymizeUser.execute(event);
  }

  /** R-API-05: an admin activates an inactive user (on the records stream: never in the middle of a run's apply). */
  @EventPattern('user.activate.requested')
  async onActivate(@Payload() event: CloudEvent<PayloadOf<'user.activate.requested'>>): Promise<void> {
    await this.activateUser.execute(event);
  }
}
