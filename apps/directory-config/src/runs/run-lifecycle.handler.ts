import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { MikroORM } from '@mikro-orm/postgresql';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { JetStreamContext, RethrowRpcFilter, handleOnce } from '@roster/messaging';
import { RunsUseCase } from './runs.usecase';

/** Run status follows the lifecycle events (R-DIR-03), each applied once. */
@Controller()
@UseFilters(RethrowRpcFilter)
export class RunLifecycleHandler {
  constructor(
    private readonly orm: MikroORM,
    private readonly runs: RunsUseCase,
  ) {}

  @EventPattern('run.progress')
  async onProgress(@Payload() event: CloudEvent<PayloadOf<'run.progress'>>, @Ctx() ctx: JetStreamContext) {
    await handleOnce(this.orm, ctx.consumer, event.id, (em) =>
      this.runs.onProgress(em, event.tenantid, event.data, new Date(event.time)),
    );
  }

  @EventPattern('run.finished')
  async onFinished(@Payload() event: CloudEvent<PayloadOf<'run.finished'>>, @Ctx() ctx: JetStreamContext) {
    await handleOnce(this.orm, ctx.consumer, event.id, (em) => this.runs.onFinished(em, event.tenantid, event.data));
  }
}
