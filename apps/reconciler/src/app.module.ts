import { Module } from '@nestjs/common';
import { QUERY_PROVIDERS } from './queries';
import { ApplyRunUseCase } from './runs/apply-run.usecase';
import { RecordsHandler } from './runs/records.handler';
import { StageBatchUseCase } from './runs/stage-batch.usecase';

@Module({ controllers: [RecordsHandler], providers: [StageBatchUseCase, ApplyRunUseCase, ...QUERY_PROVIDERS] })
export class ReconcilerModule {}
