import { Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { type CloudEvent, type PayloadOf, RecordsCompleteV1, emptyRunCounts } from '@roster/contracts';
import { OutboxRelay, isFinalFailure } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { ApplyRunUseCase } from './apply-run.usecase';
import { RunMetrics } from './run-metrics';

/**
 * R-SAFE-01: an admin's decision on a held run. Approve applies the held run exactly as a normal apply would (one
 * transaction, the run's state row locked), limited to the removals the admin reviewed; reject discards the
 * staged batches and fails the run with nothing changed. A decision on a run that is not held (already decided,
 * a redelivery) does nothing.
 */
@Injectable()
export class DecideRunUseCase {
  private readonly logger = new Logger(DecideRunUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly applyRun: ApplyRunUseCase,
    private readonly relay: OutboxRelay,
    private readonly metrics: RunMetrics,
  ) {}

  /** An approval that fails for good ends the held run `failed` before the dead letter (`ApplyRunUseCase.failForGood`). */
  async execute(event: CloudEvent<PayloadOf<'run.decided'>>, delivery: { last: boolean; count: number } = { last: false, count: 1 }): Promise<void> {
    const { data, tenantid: tenantId } = event;
    let held: RecordsCompleteV1 | undefined;
    const outcome = await this.orm.em.fork().transactional(async (em) => {
      const [state] = await sql<{ status: string; completion: unknown }>(em,
        `select status, completion from ${qualified(em, 'run_states')} where run_id = ? and tenant_id = ? for update`,
        [data.runId, tenantId],
      );
      if (state?.status !== 'held') return undefined;
      const completion = RecordsCompleteV1.parse(state.completion);
      held = completion;
      if (data.decision === 'approve') return this.applyRun.applyAndFinish(em, tenantId, completion, true);
      const rejected = { counts: emptyRunCounts(), problemCount: 0, problems: [] };
      await this.applyRun.finish(em, tenantId, completion, 'failed', rejected, {
        code: 'SAFEGUARD_REJECTED',
        message: 'an admin rejected the run held by the safeguard (R-SAFE-01); nothing of it was applied',
      });
      return { status: 'failed' as const, ...rejected };
    }).catch(async (error: unknown) => {
      if (held && isFinalFailure(error, delivery.last)) await this.applyRun.failForGood(tenantId, held, 'held', error, delivery.count);
      throw error;
    });
    this.relay.kick();
    if (outcome) this.metrics.finished(outcome.status, outcome.counts);
    this.logger.log({ tenantId, runId: data.runId, decision: data.decision, status: outcome?.status ?? 'not held' }, 'run decision');
  }
}
