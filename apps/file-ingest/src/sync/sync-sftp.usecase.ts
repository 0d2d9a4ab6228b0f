import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TeamProblemCode, failedCompletionOf, recordsBatchId, recordsCompleteId, type CloudEvent, type PayloadOf, type RowProblem, type RunFailure, type SftpSettings } from '@roster/contracts';
import { EventPublisher, PermanentError, gaveUpFailure, withJsonField } from '@roster/messaging';
import { SecretBox, SecretBoxError, directorySecretOwner } from '@roster/security';
import { recordsJsonOf } from '../csv/csv-records.reader';
import { CsvImportException, CsvImportExceptionCode } from '../csv/csv-import.exception';
import { readTeamsCsv } from '../csv/teams-csv.reader';
import { readUsersCsv } from '../csv/users-csv.reader';
import { FileLedgerEntity, FileLedgerEntry } from '../ledger/file-ledger.entity';
import { HEAD_BYTES, ProcessedFile, ProcessedFileEntity } from '../ledger/processed-file.entity';
import { PlannedFile, RunFilePlanEntity } from '../ledger/run-file-plan.entity';
import { SftpSource, bucketPath } from '../sftp/sftp-source';
import { SftpSourceException, SftpSourceExceptionCode } from '../sftp/sftp-source.exception';
import { metrics } from '@roster/observability';

export const FILE_INGEST_SETTINGS = Symbol('FILE_INGEST_SETTINGS');
export interface FileIngestSettings {
  secrets: SecretBox;
  batchSize: number;
  /** R-SAFE-02: larger files are refused before they are read (default DEFAULT_MAX_FILE_BYTES). */
  maxFileBytes?: number;
}
export const DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024;

type SyncRequested = CloudEvent<PayloadOf<'sync.requested'>>;
type FileRecord = Omit<ProcessedFile, 'id' | 'tenantId' | 'directoryId' | 'runId' | 'createdAt' | 'pendingMove'>;

interface FetchResult {
  outcome: 'complete' | 'failed';
  batchCount: number;
  totals: { rows: number; records: number; problems: number };
  fileName?: string;
  failure?: RunFailure;
  ledger: Omit<FileLedgerEntry, 'id' | 'tenantId' | 'directoryId' | 'runId' | 'createdAt' | 'completion'>;
  files: FileRecord[];
}

type PickedFile = PlannedFile;

/** The SFTP session of one delivery, opened while fetching and kept for the moves after the commit. */
interface Session {
  source?: SftpSource;
}

/** What a file's bytes amount to, found while streaming them (the reader sees the same bytes). */
class FileTap extends Transform {
  private readonly hash = createHash('sha256');
  private readonly head = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly fileName: string,
    private readonly maxBytes: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    // The listing said the file fits; one that grows while being read is refused all the same.
    if (this.bytes > this.maxBytes) {
      done(tooLarge(this.fileName, this.bytes, this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    const headLeft = HEAD_BYTES - (this.bytes - chunk.length);
    if (headLeft > 0) this.head.update(headLeft >= chunk.length ? chunk : chunk.subarray(0, headLeft));
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  /** SHA-256 of the first HEAD_BYTES read (ProcessedFile.headChecksum). */
  headDigest(): string {
    return this.head.digest('hex');
  }
}

function tooLarge(fileName: string, size: number, max: number): CsvImportException {
  return new CsvImportException(
    CsvImportExceptionCode.FILE_TOO_LARGE,
    fileName,
    `${fileName} is ${size} bytes or more, over the limit of ${max} bytes (ROSTER_MAX_FILE_BYTES); nothing was read or applied`,
  );
}

/**
 * Fetches a run's files over SFTP — the oldest `teams*.csv` and the oldest `users*.csv` from the folder or
 * `local/` — and publishes them as record batches (teams first, R-SFTP-03) plus a completion message.
 * Message ids derive from the run id, so a redelivered request re-publishes into the dedup window and the
 * reconciler's staging ignores repeats; the ledger row (one per run) makes a finished run a no-op.
 *
 * R-SFTP-02: a file whose checksum was already processed for the directory is a duplicate (moved to archive/,
 * nothing applied, reported). A file that cannot be read is moved to error/ with a `.reason.txt` and fails the
 * whole run: nothing of the run is applied, and a good file of the same run stays where it was for the next.
 *
 * Crash safety, in the order of a delivery: the files are picked once and kept (`RunFilePlan`) before any batch
 * is published; the ledger, the files' rows and the completion to send commit together; the files are moved, each
 * row marked when its file has moved; the completion is published. A kill before the commit leaves every file in
 * place and the redelivery reads the same files into the same batches; a kill after it leaves moves and the
 * completion, which the redelivery finishes (a move also by the directory's next run, before it picks files).
 */
/** R-OPS-03: SFTP failures (connect, auth, host key, listing, no file…) by code, on the process-wide registry. */
const sftpErrors = () => metrics.counter({ name: 'roster_sftp_errors_total', help: 'SFTP fetches that failed, by reason code', labelNames: ['code'] });

@Injectable()
export class SyncSftpUseCase {
  private readonly logger = new Logger(SyncSftpUseCase.name);
  private readonly maxFileBytes: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly publisher: EventPublisher,
    @Inject(FILE_INGEST_SETTINGS) private readonly settings: FileIngestSettings,
  ) {
    this.maxFileBytes = settings.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  async execute(event: SyncRequested): Promise<void> {
    const { data, tenantid: tenantId } = event;
    if (!data.sftp) throw new PermanentError(`run ${data.runId}: sync.requested for sftp-csv carries no sftp settings`, 'BAD_COMMAND');
    const ctx = { tenantId, runId: data.runId };
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId };
    const em = this.orm.em.fork();
    const session: Session = {};
    try {
      const done = await em.findOne(FileLedgerEntity, { runId: data.runId });
      if (done) {
        // A redelivery of a run whose ledger committed: what may be left is a move, then its completion (a resend
        // of one already out is a duplicate the stream drops).
        await this.finishMovesOfRun(em, event, data.sftp, session);
        if (done.completion) await this.publisher.publish('records.complete', done.completion, { ...ctx, id: recordsCompleteId(data.runId) });
        return;
      }
      const result = await this.fetch(event, data.sftp, em, session);
      const completion: PayloadOf<'records.complete'> = {
        runId: data.runId,
        directoryId: data.directoryId,
        directoryType: data.directoryType,
        trigger: data.trigger,
        outcome: result.outcome,
        batchCount: result.batchCount,
        totals: result.totals,
        failure: result.failure,
        fileName: result.fileName,
        notify: data.notify,
        tenantOwnerEmail: data.tenantOwnerEmail,
        dateFormat: data.csv?.dateFormat,
        // R-SAFE-01: the directory's threshold (the reconciler's default when the request carries none).
        safeguard: data.csv?.safeguard,
      };
      // The ledger (with the completion to send) commits before the completion goes out: the run cannot be applied,
      // and the directory's next run cannot start, before its files are known to the ledger — so that run finds them
      // processed, or waiting to be moved, and never reads them again.
      await em.transactional(async (tx) => {
        const createdAt = new Date();
        tx.create(FileLedgerEntity, { id: randomUUID(), tenantId, directoryId: data.directoryId, runId: data.runId, createdAt, ...result.ledger, completion });
        for (const file of result.files) {
          tx.create(ProcessedFileEntity, {
            id: randomUUID(),
            tenantId,
            directoryId: data.directoryId,
            runId: data.runId,
            createdAt,
            ...file,
            pendingMove: file.movedTo !== null,
          });
        }
        await tx.nativeDelete(RunFilePlanEntity, { runId: data.runId });
      });
      // Moved before the completion, so a run that is final has its files in archive/ (or error/).
      if (session.source) await this.movePendingOrWarn(em, session.source, { runId: data.runId }, log);
      await this.publisher.publish('records.complete', completion, { ...ctx, id: recordsCompleteId(data.runId) });
      this.logger.log({ ...log, outcome: result.outcome, ...result.totals, fileName: result.fileName }, 'files fetched');
    } finally {
      await session.source?.close();
    }
  }

  /**
   * The request failed for good (a permanent error, or the transport's last delivery; it is dead-lettered next):
   * unless the run's ledger committed (its own completion is the run's, and a redrive sends it), the run gets a
   * `failed` completion, so the reconciler ends it `failed` and the directory is free, instead of the run staying
   * `fetching` and the directory refusing every later run until an operator redrives the request. Nothing of the
   * run was applied; its files stay where they are for the directory's next run. If this fails too (the database
   * or the bus is what is down), the run stays as it was, to be redriven.
   */
  async failForGood(event: SyncRequested, error: unknown, deliveries: number): Promise<void> {
    const { data, tenantid: tenantId } = event;
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId };
    const failure = gaveUpFailure('file-ingest', error, deliveries, {
      code: 'FETCH_FAILED',
      next: `its files stay in the folder; start a run again once the cause is fixed (roster sync ${data.directoryId})`,
    });
    try {
      if (await this.orm.em.fork().findOne(FileLedgerEntity, { runId: data.runId })) return;
      await this.publisher.publish('records.complete', failedCompletionOf(data, failure), { tenantId, runId: data.runId, id: recordsCompleteId(data.runId) });
      this.logger.error({ ...log, code: failure.code, reason: failure.message }, 'gave up on the run; its completion says failed, the request goes to the dead letters');
    } catch (e) {
      this.logger.error({ ...log, code: failure.code, error: (e as Error).message }, 'gave up on the run and could not fail it; it stays as it was until its dead letter is redriven');
    }
  }

  /**
   * Moves what a finished run left in place (killed between its commit and its moves). A failure here only
   * logs: the run is done, and the directory's next run finishes the moves before it picks files.
   */
  private async finishMovesOfRun(em: EntityManager, event: SyncRequested, sftp: SftpSettings, session: Session): Promise<void> {
    const { data, tenantid: tenantId } = event;
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId };
    if ((await em.count(ProcessedFileEntity, { runId: data.runId, pendingMove: true })) === 0) return;
    try {
      session.source = await this.open(sftp, tenantId, data.directoryId);
    } catch (e) {
      this.logger.warn({ ...log, err: e }, 'files of a finished run are still to be moved; the directory\'s next run will move them');
      return;
    }
    await this.movePendingOrWarn(em, session.source, { runId: data.runId }, log);
  }

  private async movePendingOrWarn(em: EntityManager, source: SftpSource, where: { runId: string }, log: object): Promise<void> {
    try {
      await this.movePending(em, source, where);
    } catch (e) {
      sftpErrors().inc({ code: SftpSourceExceptionCode.TRANSFER_FAILED });
      this.logger.warn({ ...log, err: e }, 'files of the run could not be moved yet; the directory\'s next run will move them');
    }
  }

  /** Moves the files still waiting (oldest run first), marking each one as soon as it has moved. */
  private async movePending(em: EntityManager, source: SftpSource, where: { runId: string } | { tenantId: string; directoryId: string }): Promise<number> {
    const pending = await em.find(ProcessedFileEntity, { ...where, pendingMove: true }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    for (const file of pending) {
      const outcome = await source.move(file.fileName, file.movedTo ?? '', file.moveReason ?? undefined);
      if (outcome === 'missing') {
        this.logger.warn(
          { tenantId: file.tenantId, directoryId: file.directoryId, runId: file.runId, fileName: file.fileName, movedTo: file.movedTo },
          'a file waiting to be moved is neither in its place nor at its destination (removed by hand?); nothing to move',
        );
      }
      await em.nativeUpdate(ProcessedFileEntity, { id: file.id }, { pendingMove: false });
    }
    return pending.length;
  }

  private open(sftp: SftpSettings, tenantId: string, directoryId: string): Promise<SftpSource> {
    const owner = directorySecretOwner(tenantId, directoryId);
    return SftpSource.open({
      host: sftp.host,
      port: sftp.port,
      username: sftp.username,
      password: sftp.password ? this.settings.secrets.open(sftp.password, owner) : undefined,
      privateKey: sftp.privateKey ? this.settings.secrets.open(sftp.privateKey, owner) : undefined,
      hostKeyFingerprint: sftp.hostKeyFingerprint ?? '',
      folder: sftp.folder,
    });
  }

  private async fetch(event: SyncRequested, sftp: SftpSettings, em: EntityManager, session: Session): Promise<FetchResult> {
    const { data, tenantid: tenantId } = event;
    const ctx = { tenantId, runId: data.runId };
    const empty = { rows: 0, records: 0, problems: 0 };
    const failed = (failure: RunFailure, files: FileRecord[], fileName?: string): FetchResult => ({
      outcome: 'failed',
      batchCount: 0,
      totals: empty,
      fileName,
      failure,
      files,
      ledger: this.ledger(fileName ?? null, null, fileName === undefined ? 'failed' : 'rejected', null, 0, failure.message),
    });
    try {
      const source = (session.source = await this.open(sftp, tenantId, data.directoryId));
      // Files an earlier run of the directory left in place (killed after its commit) move before anything is picked.
      await this.movePendingOfDirectory(em, source, tenantId, data.directoryId);
      const plan = await this.plan(em, source, event, sftp.folder);
      if ('failure' in plan) return failed(plan.failure, [], plan.names);
      const { picked, stamp } = plan;
      if (picked.length === 0) {
        return failed(
          { code: SftpSourceExceptionCode.NO_FILE, message: `no users file (users*.csv) or teams file (teams*.csv) in ${sftp.folder} or ${sftp.folder}/local` },
          [],
        );
      }
      const names = picked.map((f) => f.relativePath).join(', ');
      await this.publisher.publish(
        'run.progress',
        { runId: data.runId, directoryId: data.directoryId, status: 'fetching', fileName: names },
        { ...ctx, id: `${data.runId}:fetching` },
      );

      // R-SAFE-02: an oversized file is refused from its listed size, before a byte is read.
      const oversized = picked.find((f) => f.size > this.maxFileBytes);
      if (oversized) {
        const e = tooLarge(oversized.relativePath, oversized.size, this.maxFileBytes);
        return failed(...this.reject(oversized, stamp, e, null));
      }

      // R-SFTP-02: the same content is never applied twice.
      const files: FileRecord[] = [];
      const duplicates: RowProblem[] = [];
      const fresh: PickedFile[] = [];
      for (const file of picked) {
        const earlier = await this.earlierRun(em, tenantId, data.directoryId, source, file);
        if (!earlier) {
          fresh.push(file);
          continue;
        }
        const movedTo = bucketPath('archive', file.relativePath, stamp);
        files.push({
          kind: file.kind,
          fileName: file.relativePath,
          checksum: earlier.checksum,
          headChecksum: earlier.headChecksum,
          size: file.size,
          outcome: 'duplicate',
          movedTo,
          moveReason: null,
        });
        duplicates.push({
          code: TeamProblemCode.DUPLICATE_FILE,
          message:
            `${file.relativePath} has the same content as ${earlier.fileName}, already applied by run ${earlier.runId} ` +
            `on ${earlier.createdAt.toISOString()}; moved to ${movedTo}, nothing in it applied again`,
        });
      }
      if (fresh.length === 0) {
        const message = duplicates.map((p) => p.message).join('; ');
        return { ...failed({ code: TeamProblemCode.DUPLICATE_FILE, message }, files, names), ledger: this.ledger(names, null, 'rejected', null, 0, message) };
      }

      let batchNo = 0;
      if (duplicates.length > 0) {
        await this.publisher.publish(
          'records.batch',
          { runId: data.runId, directoryId: data.directoryId, batchNo, employees: [], problems: duplicates },
          { ...ctx, id: recordsBatchId(data.runId, batchNo) },
        );
        batchNo++;
      }
      const totals = { rows: 0, records: 0, problems: duplicates.length };
      const read: { file: PickedFile; checksum: string; headChecksum: string }[] = [];
      for (const file of fresh) {
        const tap = new FileTap(file.relativePath, this.maxFileBytes);
        const remote = source.read(file.relativePath);
        // A transfer error reaches the reader (pipe() does not pass errors on); and once the reader stops early (a
        // publish failed), the remote stream has a listener for what the closing session makes it emit.
        remote.on('error', (e) => tap.destroy(e));
        const input = remote.pipe(tap);
        const options = {
          fileName: file.relativePath,
          dateFormat: data.csv?.dateFormat ?? ('dd/mm/yyyy' as const),
          headerMapping: data.csv?.headerMapping,
          batchSize: this.settings.batchSize,
        };
        try {
          const reader = file.kind === 'teams' ? readTeamsCsv(input, options) : readUsersCsv(input, options);
          let step = await reader.next();
          for (; !step.done; step = await reader.next()) {
            const batch = step.value;
            const batchCtx = { ...ctx, id: recordsBatchId(data.runId, batchNo) };
            const head = { runId: data.runId, directoryId: data.directoryId, batchNo };
            // A users batch goes out as the JSON its records were serialised to while the reader counted its bytes
            // (the reader's property test holds each record to the contract): not serialised nor validated twice.
            const employeesJson = 'teams' in batch ? undefined : recordsJsonOf(batch);
            if (employeesJson !== undefined) {
              await this.publisher.publishJson('records.batch', withJsonField({ ...head, problems: batch.problems }, 'employees', employeesJson), batchCtx);
            } else {
              const payload =
                'teams' in batch
                  ? { employees: [], teams: batch.teams, problems: batch.problems }
                  : { employees: batch.employees, problems: batch.problems };
              await this.publisher.publish('records.batch', { ...head, ...payload }, batchCtx);
            }
            batchNo++;
          }
          totals.rows += step.value.rows;
          totals.records += step.value.records;
          totals.problems += step.value.problems;
          read.push({ file, checksum: tap.digest(), headChecksum: tap.headDigest() });
        } catch (e) {
          if (!(e instanceof CsvImportException)) throw e;
          // The run is rejected whole: batches already sent are discarded by the reconciler (outcome failed).
          return failed(...this.reject(file, stamp, e, null, files));
        } finally {
          remote.destroy();
        }
      }
      // Moved after the commit (execute): until then a crash leaves them where the redelivery reads them again.
      for (const { file, checksum, headChecksum } of read) {
        const movedTo = bucketPath('archive', file.relativePath, stamp);
        files.push({ kind: file.kind, fileName: file.relativePath, checksum, headChecksum, size: file.size, outcome: 'processed', movedTo, moveReason: null });
      }
      const only = read.length === 1 ? read[0] : undefined;
      return {
        outcome: 'complete',
        batchCount: batchNo,
        totals,
        fileName: names,
        files,
        ledger: this.ledger(names, only?.checksum ?? null, 'processed', files.map((f) => f.movedTo).join(', '), totals.rows, null),
      };
    } catch (e) {
      // R-SEC-01: a secret sealed under a master key this service does not hold (or tampered) fails the run clearly.
      if (e instanceof SecretBoxError) return failed({ code: e.code, message: e.message }, []);
      if (!(e instanceof SftpSourceException)) throw e;
      sftpErrors().inc({ code: e.code });
      return failed({ code: e.code, message: e.message }, []);
    }
  }

  /** Finishes earlier runs' moves; one that cannot be done fails this run with the reason (TRANSFER_FAILED). */
  private async movePendingOfDirectory(em: EntityManager, source: SftpSource, tenantId: string, directoryId: string): Promise<void> {
    try {
      await this.movePending(em, source, { tenantId, directoryId });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      throw new SftpSourceException(
        SftpSourceExceptionCode.TRANSFER_FAILED,
        `a file of an earlier run could not be moved to archive/ or error/${typeof code === 'string' ? ` (${code})` : ''}; ` +
          'nothing was picked, so the same file is not read twice: check the folder\'s permissions and free space',
      );
    }
  }

  /**
   * The files of the run: at its first delivery the oldest teams and users files, kept before any batch goes out;
   * at a redelivery those same files, provided they are still there unchanged.
   */
  private async plan(
    em: EntityManager,
    source: SftpSource,
    event: SyncRequested,
    folder: string,
  ): Promise<{ picked: PickedFile[]; stamp: string } | { failure: RunFailure; names: string }> {
    const { data, tenantid: tenantId } = event;
    const kept = await em.findOne(RunFilePlanEntity, { runId: data.runId });
    if (kept) {
      const names = kept.files.map((f) => f.relativePath).join(', ');
      for (const file of kept.files) {
        const now = await source.stat(file.relativePath);
        if (!now) {
          const message = `${file.relativePath}, picked by this run before a restart, is no longer in ${folder}; nothing of the run is applied`;
          return { failure: { code: SftpSourceExceptionCode.FILE_VANISHED, message }, names };
        }
        if (now.size !== file.size || now.modifyTime !== file.modifyTime) {
          const message =
            `${file.relativePath} changed on the server while this run was reading it (${file.size} → ${now.size} bytes, ` +
            `modified ${new Date(file.modifyTime).toISOString()} → ${new Date(now.modifyTime).toISOString()}); ` +
            'nothing of the run is applied and the file stays for the next run';
          return { failure: { code: SftpSourceExceptionCode.FILE_CHANGED, message }, names };
        }
      }
      return { picked: kept.files, stamp: kept.stamp };
    }
    const picked: PickedFile[] = [];
    for (const kind of ['teams', 'users'] as const) {
      const [file] = await source.findCsvFiles(kind);
      if (file) picked.push({ kind, relativePath: file.relativePath, size: file.size, modifyTime: file.modifyTime });
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    if (picked.length > 0) {
      em.create(RunFilePlanEntity, { runId: data.runId, tenantId, directoryId: data.directoryId, stamp, files: picked, createdAt: new Date() });
      await em.flush();
    }
    return { picked, stamp };
  }

  /** A file that cannot be read, to go to error/ with its reason after the commit; the arguments for `failed`. */
  private reject(file: PickedFile, stamp: string, e: CsvImportException, checksum: string | null, files: FileRecord[] = []): [RunFailure, FileRecord[], string] {
    const record: FileRecord = {
      kind: file.kind,
      fileName: file.relativePath,
      checksum,
      headChecksum: null,
      size: file.size,
      outcome: 'rejected',
      movedTo: bucketPath('error', file.relativePath, stamp),
      moveReason: `${e.code}: ${e.message}`,
    };
    return [{ code: e.code, message: e.message }, [...files, record], file.relativePath];
  }

  /**
   * The earlier processed file with this file's content, if any. Hashing needs a read, so it is done up front
   * only when a processed file of the same size exists (a different size cannot be the same content), and then
   * first on the file's head: a file of the same size whose first HEAD_BYTES differ (the same people in another
   * order, a field changed for one of the same length) costs a 64 KiB read, not a second read of the whole file.
   */
  private async earlierRun(em: EntityManager, tenantId: string, directoryId: string, source: SftpSource, file: PickedFile) {
    let candidates = await em.find(ProcessedFileEntity, { tenantId, directoryId, size: file.size, outcome: 'processed' });
    if (candidates.length === 0) return undefined;
    if (file.size > 0 && candidates.some((f) => f.headChecksum !== null)) {
      const head = await sha256(source.read(file.relativePath, { start: 0, end: Math.min(file.size, HEAD_BYTES) - 1 }));
      // A file recorded before head checksums existed stays a candidate: only its whole content can tell.
      candidates = candidates.filter((f) => f.headChecksum === null || f.headChecksum === head);
      if (candidates.length === 0) return undefined;
    }
    const checksum = await sha256(source.read(file.relativePath));
    return candidates.find((f) => f.checksum === checksum);
  }

  private ledger(fileName: string | null, checksum: string | null, outcome: FileLedgerEntry['outcome'], movedTo: string | null, rows: number, reason: string | null) {
    return { fileName, checksum, outcome, movedTo, rows, reason };
  }
}

async function sha256(input: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of input) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
