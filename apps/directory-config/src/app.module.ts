import { Module } from '@nestjs/common';
import { SecretBox } from '@roster/security';
import { TestConnectionUseCase } from './connection/test-connection.usecase';
import { DirectoriesUseCase, SECRET_BOX } from './directories/directories.usecase';
import { RecipientsValidator } from './directories/recipients.validator';
import { AdminController } from './http/admin.controller';
import { ADMIN_API_KEY, ApiKeyGuard } from './http/api-key.guard';
import { OpenApiController } from './http/openapi.controller';
import { RunLifecycleHandler } from './runs/run-lifecycle.handler';
import { RunProblemsUseCase } from './runs/run-problems.usecase';
import { RunsUseCase } from './runs/runs.usecase';
import { ASKER, RpcClient } from './rpc/rpc.client';
import { TenantsUseCase } from './tenants/tenants.usecase';
import type { DirectoryConfigConfig } from './config';

@Module({})
export class DirectoryConfigModule {
  static register(config: DirectoryConfigConfig) {
    return {
      module: DirectoryConfigModule,
      controllers: [AdminController, OpenApiController, RunLifecycleHandler],
      providers: [
        { provide: SECRET_BOX, useValue: new SecretBox(config.ROSTER_SECRETS_KEY) },
        { provide: ADMIN_API_KEY, useValue: config.ROSTER_API_KEY },
        ApiKeyGuard,
        TenantsUseCase,
        DirectoriesUseCase,
        RunsUseCase,
        RunProblemsUseCase,
        RecipientsValidator,
        TestConnectionUseCase,
        { provide: ASKER, useClass: RpcClient },
      ],
    };
  }
}
