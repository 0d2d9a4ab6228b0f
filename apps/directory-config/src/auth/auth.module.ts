import { DynamicModule, Global, Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysUseCase } from './api-keys.usecase';
import { MeController } from './me.controller';
import { WhoAmIUseCase } from './who-am-i.usecase';
import { API_RATE_LIMIT, ApiRateLimits } from './api-rate-limits';
import type { RateLimit } from './rate-limiter';
import { ADMIN_API_KEY, ApiKeyGuard } from '../http/api-key.guard';

/** R-SEC-02: issued API keys, who am I (`GET /v1/me`) and the rate limits, one per process (global: every controller's guard uses them). */
@Global()
@Module({})
export class AuthModule {
  static forRoot(o: { adminApiKey: string; rateLimit: RateLimit }): DynamicModule {
    return {
      module: AuthModule,
      controllers: [ApiKeysController, MeController],
      providers: [
        { provide: ADMIN_API_KEY, useValue: o.adminApiKey },
        { provide: API_RATE_LIMIT, useValue: o.rateLimit },
        ApiKeysUseCase,
        WhoAmIUseCase,
        ApiRateLimits,
        ApiKeyGuard,
      ],
      exports: [ApiKeysUseCase, ApiRateLimits],
    };
  }
}
