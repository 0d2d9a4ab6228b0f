import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { RethrowRpcFilter } from '@roster/messaging';
import { ExportUsersUseCase } from './export-users.usecase';

@Controller()
@UseFilters(RethrowRpcFilter)
export class ExportRequestedHandler {
  constructor(private readonly exportUsers: ExportUsersUseCase) {}

  @EventPattern('export.requested')
  handle(@Payload() event: CloudEvent<PayloadOf<'export.requested'>>): Promise<void> {
    return this.exportUsers.execute(event);
  }
}
