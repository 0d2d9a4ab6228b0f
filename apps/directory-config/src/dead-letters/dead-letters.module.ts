import { DynamicModule, Module } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION } from '@roster/platform';
import { ADMIN_API_KEY, ApiKeyGuard } from '../http/api-key.guard';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { DeadLetterQueue } from './dead-letter-queue';
import { DeadLettersController, TenantDeadLettersController } from './dead-letters.controller';
import { DEAD_LETTER_QUEUE, DeadLettersUseCase } from './dead-letters.usecase';

/** R-OPS-02 dead-letter operations in the admin API, over ROSTER_DLQ. */
@Module({})
export class DeadLettersModule {
  static register(settings: { apiKey: string }): DynamicModule {
    return {
      module: DeadLettersModule,
      controllers: [DeadLettersController, TenantDeadLettersController],
      providers: [
        { provide: ADMIN_API_KEY, useValue: settings.apiKey },
        { provide: DEAD_LETTER_QUEUE, useFactory: (nc: NatsConnection) => new DeadLetterQueue(nc), inject: [NATS_CONNECTION] },
        ApiKeyGuard,
        TenantsUseCase,
        DeadLettersUseCase,
      ],
    };
  }
}
