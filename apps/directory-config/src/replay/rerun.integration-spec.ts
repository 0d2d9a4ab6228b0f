import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { NatsConnection, connect } from 'nats';
import { CloudEvent, PayloadOf, createEnvelope, Events, parseEvent, recordsBatchId, recordsCompleteId } from '@roster/contracts';
import { EventPublisher, ensureStreams } from '@roster/messaging';
import { openDatabase } from '@roster/persistence';
import { NatsServerFixture, TestDatabase, createTestDatabase, startNatsServer } from '@roster/testing';
import { databaseOptions } from '../database';
import { RunEntity } from '../entities/run.entity';
import { CopyRunRecordsUseCase } from './copy-run-records.usecase';
import { RetainedRuns, retainedSources } from './retained-run';
import { scanHeaders } from './stream-scan';

const TENANT = '7e1a0000-0000-4000-8000-0000000000a1';
const DIRECTORY = '7e1a0000-0000-4000-8000-0000000000d1';

const employee = (i: number) => ({ email: `user${i}@rerun.test`, firstName: `User${i}`, lastName: 'Rerun' });

/**
 * R-OPS-01 re-runs against a real nats-server and Postgres: a source run's retained batches are found by their
 * ids and copied under the new run; the copy is idempotent (a redelivered command after a crash stores nothing
 * twice) and a batch that expired before the copy fails the new run instead of applying part of it.
 */
describe('re-running a run from its retained records (R-OPS-01)', () => {
  let nats: NatsServerFixture;
  let nc: NatsConnection;
  let db: TestDatabase;
  let orm: MikroORM;
  let publisher: EventPublisher;
  let retained: RetainedRuns;
  let copy: CopyRunRecordsUseCase;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('directory_config_rerun')]);
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
    publisher = new EventPublisher(nc, 'test/source');
    retained = new RetainedRuns(nc);
    copy = new CopyRunRecordsUseCase(orm, new EventPublisher(nc, 'roster/directory-config'), retained);
  }, 60_000);

  afterAll(async () => {
    await nc?.drain();
    await orm?.close(true);
    await Promise.all([nats?.stop(), db?.drop()]);
  });

  /** A source run as file-ingest publishes it: 3 batches of 2 employees, then the completion. */
  async function sourceRun(): Promise<{ runId: string; createdAt: Date }> {
    const runId = randomUUID();
    const createdAt = new Date();
    const ctx = { tenantId: TENANT, runId };
    for (let batchNo = 0; batchNo < 3; batchNo++) {
      await publisher.publish(
        'records.batch',
        { runId, directoryId: DIRECTORY, batchNo, employees: [employee(batchNo * 2), employee(batchNo * 2 + 1)], problems: [] },
        { ...ctx, id: `${runId}:batch:${batchNo}` },
      );
    }
    await publisher.publish(
      'records.complete',
      {
        runId,
        directoryId: DIRECTORY,
        directoryType: 'sftp-csv',
        trigger: 'manual',
        outcome: 'complete',
        batchCount: 3,
        totals: { rows: 6, records: 6, problems: 0 },
        fileName: 'users.csv',
        notify: { directoryName: 'HR drop', recipients: [] },
      },
      { ...ctx, id: `${runId}:complete` },
    );
    return { runId, createdAt };
  }

  /** The new run (queued) and its `rerun.requested`, as RerunRunUseCase writes them. */
  async function rerunOf(source: { runId: string; createdAt: Date }): Promise<CloudEvent<PayloadOf<'rerun.requested'>>> {
    const found = retainedSources(await retained.locate(TENANT, source.runId, source.createdAt));
    if (!found) throw new Error('source run not found');
    const runId = randomUUID();
    const em = orm.em.fork();
    em.create(RunEntity, {
      id: runId,
      tenantId: TENANT,
      directoryId: DIRECTORY,
      trigger: 'replay',
      status: 'queued',
      // Not the active slot: these tests are about the copy, and one directory id serves them all.
      active: null,
      counts: null,
      problems: [],
      problemCount: 0,
      failure: null,
      fileName: 'users.csv',
      pendingRemovals: null,
      decision: null,
      rerunOf: source.runId,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
    });
    await em.flush();
    const complete = (await retained.locate(TENANT, source.runId, source.createdAt)).complete?.data;
    if (!complete) throw new Error('no completion');
    const data = { runId, sourceRunId: source.runId, directoryId: DIRECTORY, sources: found.sources, complete: { ...complete, runId, trigger: 'replay' as const } };
    return createEnvelope({ type: Events['rerun.requested'].type, source: 'test', tenantId: TENANT, data, id: `${runId}:rerun`, runId });
  }

  /** The messages of a run in ROSTER_RECORDS, by Nats-Msg-Id, with their payloads. */
  async function messagesOf(runId: string): Promise<Map<string, PayloadOf<'records.batch'> | PayloadOf<'records.complete'>>> {
    const ids: { id: string; seq: number }[] = [];
    await scanHeaders(nc, 'ROSTER_RECORDS', `roster.records.${TENANT}.>`, { sequence: 1 }, (m) => {
      const id = m.headers?.get('Nats-Msg-Id') ?? '';
      if (id.startsWith(`${runId}:`)) ids.push({ id, seq: m.seq });
    });
    const jsm = await nc.jetstreamManager();
    const byId = new Map<string, PayloadOf<'records.batch'> | PayloadOf<'records.complete'>>();
    for (const { id, seq } of ids) {
      if (byId.has(id)) throw new Error(`${id} is stored twice`);
      byId.set(id, parseEvent((await jsm.streams.getMessage('ROSTER_RECORDS', { seq })).data).event.data as PayloadOf<'records.batch'>);
    }
    return byId;
  }

  it('R-OPS-01 copies every retained batch under the new run, then the completion; a redelivery stores nothing twice', async () => {
    const source = await sourceRun();
    const event = await rerunOf(source);
    const { runId } = event.data;
    await copy.execute(event);
    // A crash after the copy and before the ack: the command comes again while the run is still fetching.
    await copy.execute(event);

    const copied = await messagesOf(runId);
    expect([...copied.keys()].sort()).toEqual([`${runId}:batch:0`, `${runId}:batch:1`, `${runId}:batch:2`, `${runId}:complete`]);
    const original = await messagesOf(source.runId);
    for (let batchNo = 0; batchNo < 3; batchNo++) {
      expect(copied.get(`${runId}:batch:${batchNo}`)).toEqual({ ...original.get(`${source.runId}:batch:${batchNo}`), runId });
    }
    expect(copied.get(`${runId}:complete`)).toMatchObject({ runId, trigger: 'replay', outcome: 'complete', batchCount: 3, totals: { rows: 6, records: 6, problems: 0 } });
    const run = await orm.em.fork().findOneOrFail(RunEntity, { id: runId });
    expect(run.status).toBe('fetching');
    expect(run.startedAt).not.toBeNull();
  }, 30_000);

  it('R-OPS-01 R-API-02 a run fetched twice (an HR-API request redelivered after a crash) is re-run from the fetch its completion names', async () => {
    const runId = randomUUID();
    const createdAt = new Date();
    const ctx = { tenantId: TENANT, runId };
    // The first fetch got two batches out before the crash; the second fetched the whole run and completed it.
    const fetches = [
      { fetchId: 'fetch-a', batches: 2, offset: 100 },
      { fetchId: 'fetch-b', batches: 3, offset: 200 },
    ];
    for (const { fetchId, batches, offset } of fetches) {
      for (let batchNo = 0; batchNo < batches; batchNo++) {
        await publisher.publish(
          'records.batch',
          { runId, directoryId: DIRECTORY, batchNo, fetchId, employees: [employee(offset + batchNo)], problems: [] },
          { ...ctx, id: recordsBatchId(runId, batchNo, fetchId) },
        );
      }
    }
    await publisher.publish(
      'records.complete',
      {
        runId,
        directoryId: DIRECTORY,
        directoryType: 'hris-api',
        trigger: 'manual',
        outcome: 'complete',
        batchCount: 3,
        totals: { rows: 3, records: 3, problems: 0 },
        notify: { directoryName: 'Bridge HR', recipients: [] },
        fetchId: 'fetch-b',
      },
      { ...ctx, id: recordsCompleteId(runId) },
    );
    const located = await retained.locate(TENANT, runId, createdAt);
    expect([...located.batches.keys()].sort()).toEqual([0, 1, 2]);

    const event = await rerunOf({ runId, createdAt });
    await copy.execute(event);
    const copied = await messagesOf(event.data.runId);
    const newRun = event.data.runId;
    expect([...copied.keys()].sort()).toEqual([...[0, 1, 2].map((n) => recordsBatchId(newRun, n, 'fetch-b')), recordsCompleteId(newRun)].sort());
    for (let batchNo = 0; batchNo < 3; batchNo++) {
      expect(copied.get(recordsBatchId(newRun, batchNo, 'fetch-b'))).toMatchObject({ runId: newRun, batchNo, fetchId: 'fetch-b', employees: [employee(200 + batchNo)] });
    }
    expect(copied.get(recordsCompleteId(newRun))).toMatchObject({ runId: newRun, outcome: 'complete', batchCount: 3, fetchId: 'fetch-b' });
  }, 30_000);

  it('R-OPS-01 a run already past fetching is not copied again', async () => {
    const source = await sourceRun();
    const event = await rerunOf(source);
    await orm.em.fork().nativeUpdate(RunEntity, { id: event.data.runId }, { status: 'succeeded', active: null });
    const before = (await (await nc.jetstreamManager()).streams.info('ROSTER_RECORDS')).state.last_seq;
    await copy.execute(event);
    expect((await (await nc.jetstreamManager()).streams.info('ROSTER_RECORDS')).state.last_seq).toBe(before);
  }, 30_000);

  it('R-OPS-01 a batch that expired before the copy fails the new run with the reason, nothing applied', async () => {
    const source = await sourceRun();
    const event = await rerunOf(source);
    // Expiry (max age) simulated: batch 1 is gone between the request and the copy.
    await (await nc.jetstreamManager()).streams.deleteMessage('ROSTER_RECORDS', event.data.sources.batches[1].sequence);
    await copy.execute(event);
    const copied = await messagesOf(event.data.runId);
    expect(copied.get(`${event.data.runId}:complete`)).toMatchObject({
      outcome: 'failed',
      failure: { code: 'RUN_RECORDS_NOT_RETAINED', message: expect.stringMatching(new RegExp(`batch 1 of run ${source.runId} expired`)) },
    });
    expect(copied.has(`${event.data.runId}:batch:1`)).toBe(false);
  }, 30_000);
});
