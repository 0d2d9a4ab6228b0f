import { DynamicModule, Module } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION } from '@roster/platform';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { DeadLetterQueue } from './dead-letter-queue';
import { DeadLettersController, TenantDeadLettersController } from './dead-letters.controller';
import { DEAD_LETTER_QUEUE, DeadLettersUseCase } from './dead-letters.usecase';

/** R-OPS-02 dead-letter operations in the admin API, over ROSTER_DLQ. */
@Module({})
export class DeadLettersModule {
  static register(): DynamicModule {
    return {
      module: DeadLettersModule,
      controllers: [DeadLettersController, TenantDeadLettersController],
      providers: [
        { provide: DEAD_LETTER_QUEUE, useFactory: (nc: NatsConnection) => new DeadLetterQueue(nc), inject: [NATS_CONNECTION] },
        TenantsUseCase,
        DeadLettersUseCase,
      ],
    };
  }
}
