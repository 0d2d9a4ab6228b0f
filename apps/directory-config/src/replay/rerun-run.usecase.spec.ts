import type { MikroORM } from '@mikro-orm/postgresql';
import type { PayloadOf } from '@roster/contracts';
import type { Outbox, OutboxRelay } from '@roster/messaging';
import { DirectoryConfigException } from '../http/directory-config.exception';
import type { Run } from '../entities/run.entity';
import type { RetainedRuns } from './retained-run';
import { RerunRunUseCase } from './rerun-run.usecase';

const TENANT = '7e1a0000-0000-4000-8000-0000000000a1';
const DIRECTORY = '7e1a0000-0000-4000-8000-0000000000d1';
const RUN = '7e1a0000-0000-4000-8000-0000000000e1';

/** The use case over a finished run whose retained completion is `complete`; nothing is queued in these tests. */
function rerunOf(complete: Partial<PayloadOf<'records.complete'>>): RerunRunUseCase {
  const source = { id: RUN, tenantId: TENANT, directoryId: DIRECTORY, status: 'failed', createdAt: new Date('2026-11-25T10:00:00Z'), failure: complete.failure ?? null };
  const orm = { em: { fork: () => ({ findOne: async () => source as unknown as Run }) } } as unknown as MikroORM;
  const data: PayloadOf<'records.complete'> = {
    runId: RUN,
    directoryId: DIRECTORY,
    directoryType: 'sftp-csv',
    trigger: 'manual',
    outcome: 'complete',
    batchCount: 0,
    totals: { rows: 0, records: 0, problems: 0 },
    notify: { directoryName: 'HR drop', recipients: [] },
    ...complete,
  };
  const retained = { locate: async () => ({ batches: new Map<number, number>(), complete: { sequence: 7, data }, oldestRetained: new Date(0) }) } as unknown as RetainedRuns;
  return new RerunRunUseCase(orm, {} as Outbox, { kick: () => undefined } as unknown as OutboxRelay, retained);
}

async function refusal(useCase: RerunRunUseCase): Promise<DirectoryConfigException> {
  const error = await useCase.execute(TENANT, RUN).catch((e: unknown) => e);
  if (!(error instanceof DirectoryConfigException)) throw new Error(`expected a DirectoryConfigException, got ${String(error)}`);
  return error;
}

describe('RerunRunUseCase refusals (R-OPS-01)', () => {
  it('R-OPS-01 a run whose fetch failed is refused with a sentence that reads: "fetch failed (CODE: reason)"', async () => {
    const refused = await refusal(rerunOf({ outcome: 'failed', failure: { code: 'NO_FILE', message: 'no file matches users.csv in /upload' } }));
    expect(refused.code).toBe('RUN_NOT_RERUNNABLE');
    expect(refused.message).toBe(
      `run ${RUN}'s fetch failed (NO_FILE: no file matches users.csv in /upload); nothing of it was applied, so there is nothing to re-run: start a new sync`,
    );
  });

  it('R-OPS-01 a run whose fetch stopped early is refused: "fetch was incomplete"', async () => {
    const refused = await refusal(rerunOf({ outcome: 'incomplete' }));
    expect(refused.code).toBe('RUN_NOT_RERUNNABLE');
    expect(refused.message).toBe(`run ${RUN}'s fetch was incomplete; nothing of it was applied, so there is nothing to re-run: start a new sync`);
  });
});
