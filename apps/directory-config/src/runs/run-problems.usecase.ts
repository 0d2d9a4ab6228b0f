import { Inject, Injectable } from '@nestjs/common';
import { ASKER, type Asker } from '../rpc/rpc.client';
import { RunsUseCase } from './runs.usecase';

/**
 * Reads of a run that the reconciler keeps. A page of a run's record-level problems (R-DIR-03). The run keeps its first problems; the full list is
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

  /**
   * R-SAFE-01: a page of every user a held run would deactivate or delete (the run carries the first 100), by
   * email, from the reconciler's `held_removals`. A run that holds nobody has none (total 0).
   */
  async heldRemovals(tenantId: string, runId: string, offset: number, limit: number) {
    await this.runs.get(tenantId, runId);
    const { total, users } = await this.rpc.ask('run.held-removals', { tenantId, runId, offset, limit });
    return { runId, total, offset, limit, users };
  }
}
