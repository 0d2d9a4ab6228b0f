import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysUseCase } from './api-keys.usecase';
import { MeController } from './me.controller';
import { WhoAmIUseCase } from './who-am-i.usecase';
import { API_RATE_LIMIT, ApiRateLimits } from './api-rate-limits';
import type { RateLimit } from './rate-limiter';
import { ADMIN_API_KEY, ApiKeyGuard } from '../http/api-key.guard';

/** R-SEC-02: the admin API's authentication (a global guard), issued API keys, who am I (`GET /v1/me`) and the rate limits, one per process. */
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
        // R-SEC-02 by construction: every HTTP route needs a key unless it is marked @Public().
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
      exports: [ApiKeysUseCase, ApiRateLimits],
    };
  }
}
