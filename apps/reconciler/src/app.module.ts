import { Module } from '@nestjs/common';
import { ApplyRunUseCase } from './runs/apply-run.usecase';
import { RecordsHandler } from './runs/records.handler';
import { StageBatchUseCase } from './runs/stage-batch.usecase';

@Module({ controllers: [RecordsHandler], providers: [StageBatchUseCase, ApplyRunUseCase] })
export class ReconcilerModule {}
