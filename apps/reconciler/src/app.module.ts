import { Module } from '@nestjs/common';
import { ExportRequestedHandler } from './exports/export-requested.handler';
import { ExportUsersUseCase } from './exports/export-users.usecase';
import { QUERY_PROVIDERS } from './queries';
import { ApplyRunUseCase } from './runs/apply-run.usecase';
import { DecideRunUseCase } from './runs/decide-run.usecase';
import { RunMetrics } from './runs/run-metrics';
import { RecordsHandler } from './runs/records.handler';
import { StageBatchUseCase } from './runs/stage-batch.usecase';
import { ActivateUserUseCase } from './users/activate-user.usecase';
import { AnonymizeUserUseCase } from './users/anonymize-user.usecase';

@Module({
  controllers: [RecordsHandler, ExportRequestedHandler],
  providers: [StageBatchUseCase, ApplyRunUseCase, DecideRunUseCase, AnonymizeUserUseCase, ActivateUserUseCase, RunMetrics, ...QUERY_PROVIDERS, ExportUsersUseCase],
})
export class ReconcilerModule {}
