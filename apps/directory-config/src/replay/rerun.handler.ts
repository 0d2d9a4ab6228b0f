import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { RethrowRpcFilter } from '@roster/messaging';
import { CopyRunRecordsUseCase } from './copy-run-records.usecase';

/** R-OPS-01: copies a re-run's source records (durable `directory-config-rerun`, its own consumer so a long copy never delays run statuses). */
@Controller()
@UseFilters(RethrowRpcFilter)
export class RerunHandler {
  constructor(private readonly copy: CopyRunRecordsUseCase) {}

  @EventPattern('rerun.requested')
  async onRerunRequested(@Payload() event: CloudEvent<PayloadOf<'rerun.requested'>>) {
    await this.copy.execute(event);
  }
}
