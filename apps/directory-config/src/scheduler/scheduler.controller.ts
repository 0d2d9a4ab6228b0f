import { Body, Controller, HttpCode, Post, UseFilters } from '@nestjs/common';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { SchedulerTickBody } from './scheduler.schemas';
import { SchedulerTick, StartDueRunsUseCase } from './start-due-runs.usecase';

/** Operators: run one scheduler tick now, at the server's time (R-DIR-04). */
@Controller('v1/scheduler')
@UseFilters(AdminApiExceptionFilter)
export class SchedulerController {
  constructor(private readonly startDueRuns: StartDueRunsUseCase) {}

  @Post('tick')
  @HttpCode(200)
  async tick(@Body() body: unknown): Promise<SchedulerTick> {
    SchedulerTickBody.parse(body ?? {});
    return this.startDueRuns.execute(new Date());
  }
}
