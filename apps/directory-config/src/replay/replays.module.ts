import { DynamicModule, Module } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION } from '@roster/platform';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { CopyRunRecordsUseCase } from './copy-run-records.usecase';
import { RerunHandler } from './rerun.handler';
import { RerunRunUseCase } from './rerun-run.usecase';
import { RETAINED_RUNS, RetainedRuns } from './retained-run';
import { RerunController, ReplaysController, TenantReplaysController } from './replays.controller';
import { ReplaysUseCase } from './replays.usecase';

/** R-OPS-01 replay: replay consumers on the retained streams, and re-runs of past runs from their retained records. */
@Module({})
export class ReplayModule {
  static register(): DynamicModule {
    return {
      module: ReplayModule,
      controllers: [ReplaysController, TenantReplaysController, RerunController, RerunHandler],
      providers: [
        { provide: RETAINED_RUNS, useFactory: (nc: NatsConnection) => new RetainedRuns(nc), inject: [NATS_CONNECTION] },
        TenantsUseCase,
        ReplaysUseCase,
        RerunRunUseCase,
        CopyRunRecordsUseCase,
      ],
    };
  }
}
