import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { NatsConnection, PubAck, connect } from 'nats';
import { CloudEvent, EventName, PayloadOf, createEnvelope, Events } from '@roster/contracts';
import { EventPublisher, PublishContext, ensureStreams } from '@roster/messaging';
import { openDatabase } from '@roster/persistence';
import { SecretBox, directorySecretOwner } from '@roster/security';
import { NatsServerFixture, SftpFixture, TestDatabase, createTestDatabase, csv, startNatsServer, startSftpServer, usersCsv } from '@roster/testing';
import { databaseOptions } from '../database';
import { FileLedgerEntity } from '../ledger/file-ledger.entity';
import { HEAD_BYTES, ProcessedFileEntity } from '../ledger/processed-file.entity';
import { SftpSource } from '../sftp/sftp-source';
import { RunFilePlanEntity } from '../ledger/run-file-plan.entity';
import { SyncSftpUseCase } from './sync-sftp.usecase';

interface Sent {
  name: string;
  id: string;
  data: unknown;
}

/**
 * Stands in for a SIGKILL: after the message named by `crashAfter` is on the stream (its PubAck received), or just
 * before the one named by `crashBefore` is sent, the delivery ends with an error, as if the process had died
 * there; nothing after that point runs.
 */
class CrashingPublisher extends EventPublisher {
  sent: Sent[] = [];
  crashAfter?: string;
  crashBefore?: string;

  override publish<N extends EventName>(name: N, data: PayloadOf<N>, ctx: PublishContext): Promise<PubAck> {
    return this.crashing(name, data, ctx, () => super.publish(name, data, ctx));
  }

  /** Users batches go out as the reader's JSON text; recorded parsed, as what a consumer receives. */
  override publishJson<N extends EventName>(name: N, dataJson: string, ctx: PublishContext): Promise<PubAck> {
    return this.crashing(name, JSON.parse(dataJson) as unknown, ctx, () => super.publishJson(name, dataJson, ctx));
  }

  private async crashing(name: EventName, data: unknown, ctx: PublishContext, send: () => Promise<PubAck>): Promise<PubAck> {
    if (ctx.id !== undefined && ctx.id === this.crashBefore) {
      this.crashBefore = undefined;
      throw new Error(`simulated crash before ${ctx.id}`);
    }
    const ack = await send();
    this.sent.push({ name, id: ctx.id ?? '', data });
    if (ctx.id !== undefined && ctx.id === this.crashAfter) {
      this.crashAfter = undefined;
      throw new Error(`simulated crash after ${ctx.id}`);
    }
    return ack;
  }

  take(): Sent[] {
    return this.sent.splice(0);
  }
}

const TENANT = randomUUID();
const people = (n: number, tag = '') =>
  Array.from({ length: n }, (_, i) => ({ 'User Email': `p${i}${tag}@crash.test`, 'First Name': `P${i}`, 'Last Name': 'Crash', Teams: 'Ops' }));
const teamsFile = csv([{ 'Team Name': 'Ops', 'Team Owner': 'p0@crash.test' }], ['Team Name', 'Team Owner']);

/**
 * Issue 7, found by the chaos suite: file-ingest killed between archiving a run's files and committing its
 * ledger lost the run (its files gone from the folder: NO_FILE) or applied it short of its last batch. Now the
 * files of a run are decided once; the ledger commits (with the completion to send) before the files move and
 * the completion goes out; a redelivery (or, for a move, the directory's next run) finishes what a crash left.
 * Real sshd, NATS, Postgres.
 */
describe('SyncSftpUseCase crash safety: a run killed at any step is redelivered whole, its files moved once', () => {
  let sftp: SftpFixture;
  let nats: NatsServerFixture;
  let nc: NatsConnection;
  let db: TestDatabase;
  let orm: MikroORM;
  let publisher: CrashingPublisher;
  let useCase: SyncSftpUseCase;
  const secrets = new SecretBox(randomBytes(32));
  const dataKey = secrets.newDataKey(TENANT);

  beforeAll(async () => {
    Logger.overrideLogger(false);
    [sftp, nats, db] = await Promise.all([startSftpServer(), startNatsServer(), createTestDatabase('file_ingest_sync')]);
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
    publisher = new CrashingPublisher(nc, 'roster/file-ingest');
    useCase = new SyncSftpUseCase(orm, publisher, { secrets, batchSize: 2 });
  }, 60_000);

  afterAll(async () => {
    await nc?.drain();
    await orm?.close(true);
    await Promise.all([sftp?.stop(), nats?.stop(), db?.drop()]);
  });

  /** A directory of its own: a subfolder of the sshd's folder, and the request its runs are started with. */
  async function directory(name: string) {
    const directoryId = randomUUID();
    await sftp.put(`${name}/.keep`, '');
    const request = (runId = randomUUID()): CloudEvent<PayloadOf<'sync.requested'>> =>
      createEnvelope({
        type: Events['sync.requested'].type,
        source: 'roster/directory-config',
        tenantId: TENANT,
        runId,
        id: `${runId}:sync`,
        data: {
          runId,
          directoryId,
          directoryType: 'sftp-csv',
          trigger: 'manual',
          notify: { directoryName: name, recipients: [] },
          sftp: {
            host: sftp.host,
            port: sftp.port,
            username: sftp.username,
            password: secrets.seal(sftp.password, directorySecretOwner(TENANT, directoryId), dataKey),
            folder: `${sftp.folder}/${name}`,
            hostKeyFingerprint: sftp.hostKeyFingerprint,
          },
          csv: { dateFormat: 'dd/mm/yyyy', headerMapping: {} },
        },
      });
    return { directoryId, request, csvFiles: () => sftp.list(name).filter((f) => f.endsWith('.csv')), archived: () => sftp.list(`${name}/archive`) };
  }

  const completion = (sent: Sent[]) => sent.find((s) => s.name === 'records.complete')?.data as PayloadOf<'records.complete'> | undefined;
  const ledgerOf = (runId: string) => orm.em.fork().find(FileLedgerEntity, { runId });
  const filesOf = (runId: string) => orm.em.fork().find(ProcessedFileEntity, { runId }, { orderBy: { kind: 'asc' } });
  const planOf = (runId: string) => orm.em.fork().findOne(RunFilePlanEntity, { runId });

  it('R-SFTP-02 R-SFTP-03 killed after its last batch, before the ledger commit: the files stay, the redelivery re-reads them into the same batches, then archives them once', async () => {
    const dir = await directory('before-commit');
    await sftp.put('before-commit/teams.csv', teamsFile);
    await sftp.put('before-commit/users.csv', usersCsv(people(5)));
    const run = dir.request();
    const runId = run.data.runId;

    publisher.crashAfter = `${runId}:batch:3`;
    await expect(useCase.execute(run)).rejects.toThrow('simulated crash');
    const first = publisher.take();
    expect(first.map((s) => s.id)).toEqual([`${runId}:fetching`, ...[0, 1, 2, 3].map((n) => `${runId}:batch:${n}`)]);
    // Nothing moved and nothing committed: the files are where the redelivery finds them.
    expect(dir.csvFiles()).toEqual(['teams.csv', 'users.csv']);
    expect(dir.archived()).toEqual([]);
    expect(await ledgerOf(runId)).toHaveLength(0);
    expect((await planOf(runId))?.files.map((f) => f.relativePath)).toEqual(['teams.csv', 'users.csv']);

    await useCase.execute(run);
    const second = publisher.take();
    expect(second.slice(0, first.length)).toEqual(first); // same ids, same batch numbers, same content: the stream keeps each once
    expect(second.slice(first.length).map((s) => s.id)).toEqual([`${runId}:complete`]);
    expect(completion(second)).toMatchObject({ outcome: 'complete', batchCount: 4, fileName: 'teams.csv, users.csv' });
    expect(dir.csvFiles()).toEqual([]);
    const stamp = (await filesOf(runId))[0]?.movedTo?.slice('archive/'.length, -'-teams.csv'.length);
    expect(dir.archived()).toEqual([`${stamp}-teams.csv`, `${stamp}-users.csv`]);
    expect(await ledgerOf(runId)).toEqual([expect.objectContaining({ outcome: 'processed', rows: 6, completion: completion(second) })]);
    expect((await filesOf(runId)).map((f) => ({ kind: f.kind, outcome: f.outcome, pendingMove: f.pendingMove }))).toEqual([
      { kind: 'teams', outcome: 'processed', pendingMove: false },
      { kind: 'users', outcome: 'processed', pendingMove: false },
    ]);
    expect(await planOf(runId)).toBeNull();

    // A third delivery of a finished run reads and moves nothing; it sends the stored completion again (a duplicate).
    await useCase.execute(run);
    expect(publisher.take()).toEqual([{ name: 'records.complete', id: `${runId}:complete`, data: completion(second) }]);
    expect(dir.archived()).toHaveLength(2);
  }, 60_000);

  it('R-SFTP-02 killed after the ledger commit and the moves, before the completion went out: the redelivery sends the stored completion, reads nothing', async () => {
    const dir = await directory('before-complete');
    await sftp.put('before-complete/users.csv', usersCsv(people(3)));
    const run = dir.request();
    const runId = run.data.runId;

    publisher.crashBefore = `${runId}:complete`;
    await expect(useCase.execute(run)).rejects.toThrow('simulated crash');
    expect(publisher.take().map((s) => s.id)).toEqual([`${runId}:fetching`, `${runId}:batch:0`, `${runId}:batch:1`]);
    // A run is final only after its completion: its files are already in archive/ by then.
    expect(dir.csvFiles()).toEqual([]);
    expect(dir.archived()).toEqual([expect.stringMatching(/-users\.csv$/)]);

    await useCase.execute(run);
    const resent = publisher.take();
    expect(resent.map((s) => s.id)).toEqual([`${runId}:complete`]);
    expect(completion(resent)).toMatchObject({ outcome: 'complete', batchCount: 2, totals: { rows: 3, records: 3, problems: 0 }, fileName: 'users.csv' });
  }, 60_000);

  it('R-SFTP-02 R-SFTP-03 a teams file dropped while a users-only run was down stays out of it: the redelivery reads the files the run picked, under the same batch numbers', async () => {
    const dir = await directory('late-teams');
    await sftp.put('late-teams/users.csv', usersCsv(people(5)));
    const run = dir.request();
    const runId = run.data.runId;

    publisher.crashAfter = `${runId}:batch:1`;
    await expect(useCase.execute(run)).rejects.toThrow('simulated crash');
    const first = publisher.take();
    expect(first.map((s) => s.id)).toEqual([`${runId}:fetching`, `${runId}:batch:0`, `${runId}:batch:1`]);
    await sftp.put('late-teams/teams.csv', teamsFile);

    await useCase.execute(run);
    const second = publisher.take();
    // Before the fix the redelivery picked teams.csv too: its batch took number 0, and the stream dropped the
    // users' re-read batches 0 and 1 as duplicates of the first delivery's — a run silently short of users.
    expect(second.slice(0, first.length)).toEqual(first);
    expect(second.map((s) => s.id)).toEqual([`${runId}:fetching`, ...[0, 1, 2].map((n) => `${runId}:batch:${n}`), `${runId}:complete`]);
    expect(completion(second)).toMatchObject({ outcome: 'complete', batchCount: 3, fileName: 'users.csv', totals: { rows: 5, records: 5 } });
    expect(dir.csvFiles()).toEqual(['teams.csv']); // for the next run
    expect(dir.archived()).toEqual([expect.stringMatching(/-users\.csv$/)]);
  }, 60_000);

  it('R-SFTP-02 files that could not be moved after the commit are moved by the redelivery, which reads nothing again', async () => {
    const dir = await directory('after-commit');
    await sftp.put('after-commit/users.csv', usersCsv(people(3)));
    // A regular file where archive/ should be: the move after the commit fails (logged; the run goes on).
    const blocker = join(sftp.folder, 'after-commit', 'archive');
    await writeFile(blocker, 'not a folder');
    const run = dir.request();
    const runId = run.data.runId;

    await useCase.execute(run);
    const first = publisher.take();
    expect(completion(first)).toMatchObject({ outcome: 'complete', batchCount: 2 });
    expect(await ledgerOf(runId)).toHaveLength(1);
    expect((await filesOf(runId)).map((f) => f.pendingMove)).toEqual([true]);
    expect(dir.csvFiles()).toEqual(['users.csv']);

    await unlink(blocker);
    await useCase.execute(run);
    expect(publisher.take().map((s) => s.id)).toEqual([`${runId}:complete`]); // the stored completion again, nothing read
    expect(dir.csvFiles()).toEqual([]);
    expect(dir.archived()).toEqual([expect.stringMatching(/-users\.csv$/)]);
    expect((await filesOf(runId)).map((f) => f.pendingMove)).toEqual([false]);
  }, 60_000);

  it('R-SFTP-02 files an earlier run left unmoved are moved before the directory’s next run picks files, not read again as duplicates', async () => {
    const dir = await directory('next-run');
    await sftp.put('next-run/users.csv', usersCsv(people(3)));
    const blocker = join(sftp.folder, 'next-run', 'archive');
    await writeFile(blocker, 'not a folder');
    const earlier = dir.request();
    await useCase.execute(earlier);
    publisher.take();
    expect(dir.csvFiles()).toEqual(['users.csv']);
    await unlink(blocker);

    // No redelivery of the earlier run (its message was acknowledged): the next run finishes its move first.
    const next = dir.request();
    await useCase.execute(next);
    expect(completion(publisher.take())).toMatchObject({ outcome: 'failed', failure: { code: 'NO_FILE' } });
    expect(dir.csvFiles()).toEqual([]);
    expect(dir.archived()).toEqual([expect.stringMatching(/-users\.csv$/)]);
    expect((await filesOf(earlier.data.runId)).map((f) => f.pendingMove)).toEqual([false]);
  }, 60_000);

  it('R-SFTP-02 R-CSV-15 a rejected file moves to error/ with its reason only once the ledger has it: a crash before leaves the file for the redelivery', async () => {
    const dir = await directory('rejected');
    await sftp.put('rejected/users.csv', Buffer.from('User Email,First Name\nz@crash.test,Zo\xe9\n', 'latin1'));
    const run = dir.request();
    const runId = run.data.runId;

    publisher.crashAfter = `${runId}:fetching`;
    await expect(useCase.execute(run)).rejects.toThrow('simulated crash');
    publisher.take();
    expect(dir.csvFiles()).toEqual(['users.csv']);
    expect(sftp.list('rejected/error')).toEqual([]);

    await useCase.execute(run);
    expect(completion(publisher.take())).toMatchObject({ outcome: 'failed', failure: { code: 'NOT_UTF8' } });
    expect(dir.csvFiles()).toEqual([]);
    const errors = sftp.list('rejected/error');
    expect(errors).toEqual([expect.stringMatching(/-users\.csv$/), expect.stringMatching(/-users\.csv\.reason\.txt$/)]);
    expect(sftp.readText(`rejected/error/${errors[1]}`)).toMatch(/^NOT_UTF8: .*users\.csv/);
    expect(await ledgerOf(runId)).toEqual([expect.objectContaining({ outcome: 'rejected' })]);
  }, 60_000);

  it('R-SFTP-02 a file of an applied file\'s size is told apart by its first 64 KiB: one small read, not a second read of the whole file; the same content is still a duplicate', async () => {
    const dir = await directory('same-size');
    // ~100 KiB of people, then the same people in another order: the same size, another head.
    const rows = people(700).map((p) => ({ ...p, 'Job Title': 'Senior staff engineer, developer platform and tooling group' }));
    const first = usersCsv(rows);
    const reordered = usersCsv([...rows].reverse());
    expect(Buffer.byteLength(reordered)).toBe(Buffer.byteLength(first));
    expect(Buffer.byteLength(first)).toBeGreaterThan(HEAD_BYTES);
    await sftp.put('same-size/users.csv', first);
    const applied = dir.request();
    await useCase.execute(applied);
    publisher.take();
    const [recorded] = await filesOf(applied.data.runId);
    expect(recorded).toMatchObject({ outcome: 'processed', size: Buffer.byteLength(first) });
    expect(recorded.headChecksum).toBe(createHash('sha256').update(Buffer.from(first).subarray(0, HEAD_BYTES)).digest('hex'));

    const reads = jest.spyOn(SftpSource.prototype, 'read');
    try {
      await sftp.put('same-size/users.csv', reordered);
      const next = dir.request();
      await useCase.execute(next);
      expect(completion(publisher.take())).toMatchObject({ outcome: 'complete' });
      // The head, then the one read that parses it.
      expect(reads.mock.calls).toEqual([
        ['users.csv', { start: 0, end: HEAD_BYTES - 1 }],
        ['users.csv'],
      ]);
      reads.mockClear();

      // The first file's bytes again, under another name: the heads match, the whole-file checksum decides.
      await sftp.put('same-size/users-again.csv', first);
      const again = dir.request();
      await useCase.execute(again);
      expect(completion(publisher.take())).toMatchObject({ outcome: 'failed', failure: { code: 'DUPLICATE_FILE' } });
      expect(reads.mock.calls).toEqual([
        ['users-again.csv', { start: 0, end: HEAD_BYTES - 1 }],
        ['users-again.csv'],
      ]);
      reads.mockClear();

      // A file recorded before head checksums existed stays a candidate beside those with one: only its whole
      // content can tell.
      await orm.em.fork().nativeUpdate(ProcessedFileEntity, { runId: applied.data.runId }, { headChecksum: null });
      await sftp.put('same-size/users-old.csv', first);
      await useCase.execute(dir.request());
      expect(completion(publisher.take())).toMatchObject({ outcome: 'failed', failure: { code: 'DUPLICATE_FILE' } });
      expect(reads.mock.calls).toEqual([['users-old.csv', { start: 0, end: HEAD_BYTES - 1 }], ['users-old.csv']]);
      reads.mockClear();

      // Only such files: compared on the whole content, as before.
      await orm.em.fork().nativeUpdate(ProcessedFileEntity, { directoryId: applied.data.directoryId }, { headChecksum: null });
      await sftp.put('same-size/users-legacy.csv', reordered);
      await useCase.execute(dir.request());
      expect(completion(publisher.take())).toMatchObject({ outcome: 'failed', failure: { code: 'DUPLICATE_FILE' } });
      expect(reads.mock.calls).toEqual([['users-legacy.csv']]);
    } finally {
      reads.mockRestore();
    }
  }, 60_000);

  it('R-SAFE-02 a file changed on the server between two deliveries of a run fails it with FILE_CHANGED; nothing of it is applied and the file stays', async () => {
    const dir = await directory('changed');
    await sftp.put('changed/users.csv', usersCsv(people(5)));
    const run = dir.request();
    const runId = run.data.runId;

    publisher.crashAfter = `${runId}:batch:0`;
    await expect(useCase.execute(run)).rejects.toThrow('simulated crash');
    publisher.take();
    await sftp.put('changed/users.csv', usersCsv(people(7, 'x')));

    await useCase.execute(run);
    const done = completion(publisher.take());
    expect(done).toMatchObject({ outcome: 'failed', batchCount: 0, failure: { code: 'FILE_CHANGED' } });
    expect(done?.failure?.message).toMatch(/^users\.csv changed on the server while this run was reading it \(\d+ → \d+ bytes/);
    expect(dir.csvFiles()).toEqual(['users.csv']);
    expect(sftp.list('changed/archive')).toEqual([]);
    expect(await planOf(runId)).toBeNull();
  }, 60_000);
});
