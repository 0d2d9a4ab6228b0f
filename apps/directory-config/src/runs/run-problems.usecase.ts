import { Inject, Injectable } from '@nestjs/common';
import { ASKER, type Asker } from '../rpc/rpc.client';
import { RunsUseCase } from './runs.usecase';

/**
 * A page of a run's record-level problems (R-DIR-03). The run keeps its first problems; the full list is
 * the reconciler's (`run_problems`), asked for over request/reply once the run is known in this tenant.
 */
@Injectable()
export class RunProblemsUseCase {
  constructor(
    private readonly runs: RunsUseCase,
    @Inject(ASKER) private readonly rpc: Asker,
  ) {}

  async page(tenantId: string, runId: string, offset: number, limit: number) {
    await this.runs.get(tenantId, runId);
    const { total, problems } = await this.rpc.ask('run.problems', { tenantId, runId, offset, limit });
    return { runId, total, offset, limit, problems };
  }
}
