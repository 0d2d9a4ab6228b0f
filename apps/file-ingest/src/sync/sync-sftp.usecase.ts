import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TeamProblemCode, type CloudEvent, type PayloadOf, type RowProblem, type RunFailure, type SftpSettings } from '@roster/contracts';
import { EventPublisher, PermanentError } from '@roster/messaging';
import { SecretBox, SecretBoxError, directorySecretOwner } from '@roster/security';
import { CsvImportException, CsvImportExceptionCode } from '../csv/csv-import.exception';
import { readTeamsCsv } from '../csv/teams-csv.reader';
import { readUsersCsv } from '../csv/users-csv.reader';
import { FileLedgerEntity, FileLedgerEntry } from '../ledger/file-ledger.entity';
import { ProcessedFile, ProcessedFileEntity } from '../ledger/processed-file.entity';
import { RemoteFile, SftpSource } from '../sftp/sftp-source';
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
type FileKind = ProcessedFile['kind'];
type FileRecord = Omit<ProcessedFile, 'id' | 'tenantId' | 'directoryId' | 'runId' | 'createdAt'>;

interface FetchResult {
  outcome: 'complete' | 'failed';
  batchCount: number;
  totals: { rows: number; records: number; problems: number };
  fileName?: string;
  failure?: RunFailure;
  ledger: Omit<FileLedgerEntry, 'id' | 'tenantId' | 'directoryId' | 'runId' | 'createdAt'>;
  files: FileRecord[];
}

interface PickedFile extends RemoteFile {
  kind: FileKind;
}

/** What a file's bytes amount to, found while streaming them (the reader sees the same bytes). */
class FileTap extends Transform {
  private readonly hash = createHash('sha256');
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
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
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
    const em = this.orm.em.fork();
    if (await em.findOne(FileLedgerEntity, { runId: data.runId })) return;
    if (!data.sftp) throw new PermanentError(`run ${data.runId}: sync.requested for sftp-csv carries no sftp settings`, 'BAD_COMMAND');
    const ctx = { tenantId, runId: data.runId };
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId };

    const result = await this.fetch(event, data.sftp, em);
    await this.publisher.publish(
      'records.complete',
      {
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
      },
      { ...ctx, id: `${data.runId}:complete` },
    );
    const createdAt = new Date();
    em.create(FileLedgerEntity, { id: randomUUID(), tenantId, directoryId: data.directoryId, runId: data.runId, createdAt, ...result.ledger });
    for (const file of result.files) {
      em.create(ProcessedFileEntity, { id: randomUUID(), tenantId, directoryId: data.directoryId, runId: data.runId, createdAt, ...file });
    }
    await em.flush();
    this.logger.log({ ...log, outcome: result.outcome, ...result.totals, fileName: result.fileName }, 'files fetched');
  }

  private async fetch(event: SyncRequested, sftp: SftpSettings, em: EntityManager): Promise<FetchResult> {
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
    let source: SftpSource | undefined;
    try {
      source = await SftpSource.open({
        host: sftp.host,
        port: sftp.port,
        username: sftp.username,
        password: sftp.password ? this.settings.secrets.open(sftp.password, directorySecretOwner(tenantId, data.directoryId)) : undefined,
        privateKey: sftp.privateKey
          ? this.settings.secrets.open(sftp.privateKey, directorySecretOwner(tenantId, data.directoryId))
          : undefined,
        hostKeyFingerprint: sftp.hostKeyFingerprint ?? '',
        folder: sftp.folder,
      });
      const picked: PickedFile[] = [];
      for (const kind of ['teams', 'users'] as const) {
        const [file] = await source.findCsvFiles(kind);
        if (file) picked.push({ ...file, kind });
      }
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
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');

      // R-SAFE-02: an oversized file is refused from its listed size, before a byte is read.
      const oversized = picked.find((f) => f.size > this.maxFileBytes);
      if (oversized) {
        const e = tooLarge(oversized.relativePath, oversized.size, this.maxFileBytes);
        return failed(...(await this.reject(source, oversized, stamp, e, null)));
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
        const movedTo = await source.moveTo('archive', file.relativePath, stamp);
        files.push({ kind: file.kind, fileName: file.relativePath, checksum: earlier.checksum, size: file.size, outcome: 'duplicate', movedTo });
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
          { ...ctx, id: `${data.runId}:batch:${batchNo}` },
        );
        batchNo++;
      }
      const totals = { rows: 0, records: 0, problems: duplicates.length };
      const read: { file: PickedFile; checksum: string }[] = [];
      for (const file of fresh) {
        const tap = new FileTap(file.relativePath, this.maxFileBytes);
        const input = source.read(file.relativePath).pipe(tap);
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
            const payload =
              'teams' in batch
                ? { employees: [], teams: batch.teams, problems: batch.problems }
                : { employees: batch.employees, problems: batch.problems };
            await this.publisher.publish(
              'records.batch',
              { runId: data.runId, directoryId: data.directoryId, batchNo, ...payload },
              { ...ctx, id: `${data.runId}:batch:${batchNo}` },
            );
            batchNo++;
          }
          totals.rows += step.value.rows;
          totals.records += step.value.records;
          totals.problems += step.value.problems;
          read.push({ file, checksum: tap.digest() });
        } catch (e) {
          if (!(e instanceof CsvImportException)) throw e;
          // The run is rejected whole: batches already sent are discarded by the reconciler (outcome failed).
          return failed(...(await this.reject(source, file, stamp, e, null, files)));
        }
      }
      for (const { file, checksum } of read) {
        const movedTo = await source.moveTo('archive', file.relativePath, stamp);
        files.push({ kind: file.kind, fileName: file.relativePath, checksum, size: file.size, outcome: 'processed', movedTo });
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
    } finally {
      await source?.close();
    }
  }

  /** Moves a file that cannot be read to error/ with its reason; the arguments for `failed`. */
  private async reject(
    source: SftpSource,
    file: PickedFile,
    stamp: string,
    e: CsvImportException,
    checksum: string | null,
    files: FileRecord[] = [],
  ): Promise<[RunFailure, FileRecord[], string]> {
    const movedTo = await source.moveTo('error', file.relativePath, stamp, `${e.code}: ${e.message}`);
    const record: FileRecord = { kind: file.kind, fileName: file.relativePath, checksum, size: file.size, outcome: 'rejected', movedTo };
    return [{ code: e.code, message: e.message }, [...files, record], file.relativePath];
  }

  /**
   * The earlier processed file with this file's content, if any. Hashing needs a read, so it is done up front
   * only when a processed file of the same size exists (a different size cannot be the same content).
   */
  private async earlierRun(em: EntityManager, tenantId: string, directoryId: string, source: SftpSource, file: PickedFile) {
    const sameSize = await em.find(ProcessedFileEntity, { tenantId, directoryId, size: file.size, outcome: 'processed' });
    if (sameSize.length === 0) return undefined;
    const checksum = await sha256(source.read(file.relativePath));
    return sameSize.find((f) => f.checksum === checksum);
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
