import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { type EventPublisher, Outbox, type OutboxRelay, RetryLaterError, outboxEvents } from '@roster/messaging';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { ApplyRunUseCase } from './apply-run.usecase';
import type { RunMetrics } from './run-metrics';
import { StageBatchUseCase } from './stage-batch.usecase';

type Complete = CloudEvent<PayloadOf<'records.complete'>>;

/**
 * R-OPS-02 with R-DIR-03/R-DIR-04: a run whose apply fails for good (the transport's last delivery, or a permanent
 * error) ends `failed` with the reason before its completion is dead-lettered, instead of staying `reconciling` and
 * holding its directory; a redelivery or a redrive afterwards finds it finished. Against real PostgreSQL.
 */
describe('a run the reconciler gives up on', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let apply: ApplyRunUseCase;
  const finished: string[] = [];
  const tenantId = randomUUID();
  const directoryId = randomUUID();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase('reconciler_fail_for_good');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
    const relay = { kick: () => undefined } as unknown as OutboxRelay;
    const publisher = { publish: async () => undefined } as unknown as EventPublisher;
    const metrics = { finished: (status: string) => finished.push(status), timed: () => undefined } as unknown as RunMetrics;
    apply = new ApplyRunUseCase(orm, new Outbox('reconciler'), relay, publisher, metrics);
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  /** A run of one staged batch of two people; `batchCount` says how many the completion announces. */
  async function stagedRun(batchCount: number): Promise<Complete> {
    const runId = randomUUID();
    const employees = [{ email: `a-${runId}@acme.test`, rowNumber: 2 }, { email: `b-${runId}@acme.test`, rowNumber: 3 }];
    await new StageBatchUseCase(orm).execute({ tenantid: tenantId, data: { runId, directoryId, batchNo: 0, employees, problems: [] } } as never);
    return {
      tenantid: tenantId,
      id: `${runId}:complete`,
      data: {
        runId,
        directoryId,
        directoryType: 'sftp-csv',
        trigger: 'file',
        outcome: 'complete',
        batchCount,
        totals: { rows: 2, records: 2, problems: 0 },
        fileName: 'users.csv',
        notify: { directoryName: 'HR', recipients: [] },
      },
    } as unknown as Complete;
  }

  async function state(runId: string) {
    const em = orm.em.fork();
    const [row] = await sql<{ status: string }>(em, `select status from ${qualified(em, 'run_states')} where run_id = ?`, [runId]);
    const [staged] = await sql<{ n: number }>(em, `select count(*)::int as n from ${qualified(em, 'staged_batches')} where run_id = ?`, [runId]);
    const ends = await sql<{ envelope: { data: { status: string; failure?: { code: string; message: string } } } }>(em,
      `select envelope from ${outboxEvents(qualified(em, 'outbox'))} where envelope->>'type' = 'io.roster.runs.run.finished.v1' and envelope->'data'->>'runId' = ?`,
      [runId],
    );
    const [users] = await sql<{ n: number }>(em, `select count(*)::int as n from ${qualified(em, 'users')} where tenant_id = ? and email like ?`, [tenantId, `%-${runId}@acme.test`]);
    return { status: row?.status, staged: staged?.n, finished: ends.map((e) => e.envelope.data), users: users?.n };
  }

  it('R-OPS-02 on the last delivery: a run whose batches never all came ends failed (RECORDS_INCOMPLETE), and a redelivery changes nothing', async () => {
    const complete = await stagedRun(2);
    const { runId } = complete.data;
    // Before the last delivery the transport retries: nothing ends.
    await expect(apply.execute(complete, { last: false, count: 4 })).rejects.toBeInstanceOf(RetryLaterError);
    expect(await state(runId)).toEqual({ status: 'staging', staged: 1, finished: [], users: 0 });

    await expect(apply.execute(complete, { last: true, count: 5 })).rejects.toBeInstanceOf(RetryLaterError);
    expect(await state(runId)).toEqual({
      status: 'failed',
      staged: 0,
      users: 0,
      finished: [
        expect.objectContaining({
          status: 'failed',
          failure: {
            code: 'RECORDS_INCOMPLETE',
            message: `the reconciler gave up on the run after 5 deliveries: run ${runId}: 1 of 2 batches staged. Nothing of it was applied; re-run it once the cause is fixed (roster runs rerun ${runId})`,
          },
        }),
      ],
    });
    expect(finished).toEqual(['failed']);

    // The dead letter redriven (or the completion delivered again): the run is finished, nothing happens.
    await apply.execute(complete, { last: false, count: 1 });
    expect((await state(runId)).finished).toHaveLength(1);
    expect(finished).toEqual(['failed']);
  });

  it('R-OPS-02 an apply that throws on its last delivery ends the run failed (APPLY_FAILED) with nothing of it applied', async () => {
    const complete = await stagedRun(1);
    const { runId } = complete.data;
    const spy = jest.spyOn(apply, 'applyAndFinish').mockRejectedValue(new Error('deadlock detected'));
    try {
      await expect(apply.execute(complete, { last: false, count: 1 })).rejects.toThrow('deadlock detected');
      expect(await state(runId)).toMatchObject({ status: 'staging', staged: 1, finished: [] });
      await expect(apply.execute(complete, { last: true, count: 5 })).rejects.toThrow('deadlock detected');
    } finally {
      spy.mockRestore();
    }
    expect(await state(runId)).toEqual({
      status: 'failed',
      staged: 0,
      users: 0,
      finished: [expect.objectContaining({ status: 'failed', failure: { code: 'APPLY_FAILED', message: expect.stringContaining('after 5 deliveries: deadlock detected.') } })],
    });
  });

  it('applies a run whose first deliveries failed once the cause is gone, before the last delivery', async () => {
    const complete = await stagedRun(1);
    const { runId } = complete.data;
    const spy = jest.spyOn(apply, 'applyAndFinish').mockRejectedValueOnce(new Error('connection reset'));
    try {
      await expect(apply.execute(complete, { last: false, count: 1 })).rejects.toThrow('connection reset');
      await apply.execute(complete, { last: false, count: 2 });
    } finally {
      spy.mockRestore();
    }
    expect(await state(runId)).toMatchObject({ status: 'applied', staged: 0, users: 2, finished: [expect.objectContaining({ status: 'succeeded' })] });
  });
});
