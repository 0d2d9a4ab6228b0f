import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MasterKeyRing, SecretBox } from '@roster/security';
import { RunHistoryModule, runRetentionSettings } from '@roster/platform';
import { ActivationController } from './activation/activation.controller';
import { ActivateUserUseCase } from './activation/activate-user.usecase';
import { AnonymizationController } from './anonymization/anonymization.controller';
import { AnonymizeUserUseCase } from './anonymization/anonymize-user.usecase';
import { AuthModule } from './auth/auth.module';
import { TestConnectionUseCase } from './connection/test-connection.usecase';
import { ConsoleModule } from './console/console.module';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { DirectoriesUseCase, OUTBOUND_URL_POLICY, SECRET_BOX } from './directories/directories.usecase';
import { RecipientsValidator } from './directories/recipients.validator';
import { ExportStatusHandler } from './exports/export-status.handler';
import { ExportStatusUseCase } from './exports/export-status.usecase';
import { ExportsController } from './exports/exports.controller';
import { RequestExportUseCase } from './exports/request-export.usecase';
import { AdminController } from './http/admin.controller';
import { AdminApiExceptionFilter } from './http/directory-config.exception';
import { OpenApiController } from './http/openapi.controller';
import { ApplyInboundBatchUseCase } from './inbound/apply-inbound-batch.usecase';
import { InboundEventsHandler } from './inbound/inbound-events.handler';
import { InboxPruningModule } from './inbound/inbox-pruning.module';
import { PruneRunsUseCase } from './runs/prune-runs.usecase';
import { KeysController } from './keys/keys.controller';
import { RotateKeysUseCase } from './keys/rotate-keys.usecase';
import { TenantDataKeys } from './keys/tenant-data-keys';
import { ReplayModule } from './replay/replays.module';
import { RunLifecycleHandler } from './runs/run-lifecycle.handler';
import { RunStreamController } from './runs/run-stream.controller';
import { RunProblemsUseCase } from './runs/run-problems.usecase';
import { RunsUseCase } from './runs/runs.usecase';
import { ASKER, RpcClient } from './rpc/rpc.client';
import { SchedulerModule } from './scheduler/scheduler.module';
import { TenantsUseCase } from './tenants/tenants.usecase';
import { UsersModule } from './users/users.module';
import type { DirectoryConfigConfig } from './config';

@Module({})
export class DirectoryConfigModule {
  static register(config: DirectoryConfigConfig) {
    return {
      module: DirectoryConfigModule,
      imports: [
        AuthModule.forRoot({
          adminApiKey: config.ROSTER_API_KEY,
          rateLimit: { perSecond: config.ROSTER_API_RATE_PER_SECOND, burst: config.ROSTER_API_RATE_BURST },
        }),
        SchedulerModule.register({ intervalMs: config.ROSTER_SCHEDULER_INTERVAL_MS }),
        InboxPruningModule.register({ intervalMs: config.ROSTER_INBOX_PRUNE_INTERVAL_MS }),
        RunHistoryModule.register(PruneRunsUseCase, runRetentionSettings(config)),
        DeadLettersModule.register(),
        ReplayModule.register(),
        UsersModule.register(),
        // Issue 9: the admin console's static files at /console/.
        ConsoleModule.register(),
      ],
      controllers: [AdminController, OpenApiController, RunLifecycleHandler, ExportsController, ExportStatusHandler, InboundEventsHandler, KeysController, AnonymizationController, ActivationController, RunStreamController],
      providers: [
        { provide: SECRET_BOX, useValue: new SecretBox(new MasterKeyRing(config.ROSTER_SECRETS_KEY, config.ROSTER_SECRETS_PREVIOUS_KEYS)) },
        TenantDataKeys,
        RotateKeysUseCase,
        AnonymizeUserUseCase,
        ActivateUserUseCase,
        { provide: OUTBOUND_URL_POLICY, useValue: { allowLoopback: config.ROSTER_HRIS_ALLOW_LOOPBACK, allowedHosts: config.ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS } },
        // Every HTTP error in the admin API's shape, including a body that is not JSON (refused before any route).
        { provide: APP_FILTER, useClass: AdminApiExceptionFilter },
        TenantsUseCase,
        DirectoriesUseCase,
        RunsUseCase,
        RunProblemsUseCase,
        RecipientsValidator,
        TestConnectionUseCase,
        RequestExportUseCase,
        ExportStatusUseCase,
        { provide: ASKER, useClass: RpcClient },
        ApplyInboundBatchUseCase,
      ],
    };
  }
}
