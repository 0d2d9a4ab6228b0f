import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { MikroORM } from '@mikro-orm/postgresql';
import type { CloudEvent, PayloadOf, RunFailure, SftpSettings } from '@roster/contracts';
import { EventPublisher, PermanentError } from '@roster/messaging';
import { SecretBox, directorySecretOwner } from '@roster/security';
import { CsvImportException } from '../csv/csv-import.exception';
import { readUsersCsv } from '../csv/users-csv.reader';
import { FileLedgerEntity, FileLedgerEntry } from '../ledger/file-ledger.entity';
import { SftpSource } from '../sftp/sftp-source';
import { SftpSourceException, SftpSourceExceptionCode } from '../sftp/sftp-source.exception';

export const FILE_INGEST_SETTINGS = Symbol('FILE_INGEST_SETTINGS');
export interface FileIngestSettings {
  secrets: SecretBox;
  batchSize: number;
}

type SyncRequested = CloudEvent<PayloadOf<'sync.requested'>>;

interface FetchResult {
  outcome: 'complete' | 'failed';
  batchCount: number;
  totals: { rows: number; records: number; problems: number };
  fileName?: string;
  failure?: RunFailure;
  ledger: Omit<FileLedgerEntry, 'id' | 'tenantId' | 'directoryId' | 'runId' | 'createdAt'>;
}

/**
 * Fetches a run's users file over SFTP and publishes it as record batches plus a completion message.
 * Message ids derive from the run id, so a redelivered request re-publishes into the dedup window and the
 * reconciler's staging ignores repeats; the ledger row (one per run) makes a finished run a no-op.
 */
@Injectable()
export class SyncSftpUseCase {
  private readonly logger = new Logger(SyncSftpUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly publisher: EventPublisher,
    @Inject(FILE_INGEST_SETTINGS) private readonly settings: FileIngestSettings,
  ) {}

  async execute(event: SyncRequested): Promise<void> {
    const { data, tenantid: tenantId } = event;
    const em = this.orm.em.fork();
    if (await em.findOne(FileLedgerEntity, { runId: data.runId })) return;
    if (!data.sftp) throw new PermanentError(`run ${data.runId}: sync.requested for sftp-csv carries no sftp settings`, 'BAD_COMMAND');
    const ctx = { tenantId, runId: data.runId };
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId };

    const result = await this.fetch(event, data.sftp);
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
      },
      { ...ctx, id: `${data.runId}:complete` },
    );
    em.create(FileLedgerEntity, {
      id: randomUUID(),
      tenantId,
      directoryId: data.directoryId,
      runId: data.runId,
      createdAt: new Date(),
      ...result.ledger,
    });
    await em.flush();
    this.logger.log({ ...log, outcome: result.outcome, ...result.totals, fileName: result.fileName }, 'file fetched');
  }

  private async fetch(event: SyncRequested, sftp: SftpSettings): Promise<FetchResult> {
    const { data, tenantid: tenantId } = event;
    const ctx = { tenantId, runId: data.runId };
    const empty = { rows: 0, records: 0, problems: 0 };
    let source: SftpSource | undefined;
    try {
      source = await SftpSource.open({
        host: sftp.host,
        port: sftp.port,
        username: sftp.username,
        password: sftp.password ? this.settings.secrets.open(sftp.password, directorySecretOwner(tenantId, data.directoryId)) : undefined,
        hostKeyFingerprint: sftp.hostKeyFingerprint ?? '',
        folder: sftp.folder,
      });
      const [file] = await source.findUsersFiles();
      if (!file) {
        const failure = { code: SftpSourceExceptionCode.NO_FILE, message: `no users file (users*.csv) in ${sftp.folder} or ${sftp.folder}/local` };
        return { outcome: 'failed', batchCount: 0, totals: empty, failure, ledger: this.ledger(null, null, 'failed', null, 0, failure.message) };
      }
      await this.publisher.publish(
        'run.progress',
        { runId: data.runId, directoryId: data.directoryId, status: 'fetching', fileName: file.relativePath },
        { ...ctx, id: `${data.runId}:fetching` },
      );
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const input = source.read(file.relativePath).pipe(hashing);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      try {
        const reader = readUsersCsv(input, {
          fileName: file.relativePath,
          dateFormat: data.csv?.dateFormat ?? 'dd/mm/yyyy',
          headerMapping: data.csv?.headerMapping,
          batchSize: this.settings.batchSize,
        });
        let batchNo = 0;
        let step = await reader.next();
        for (; !step.done; step = await reader.next()) {
          await this.publisher.publish(
            'records.batch',
            { runId: data.runId, directoryId: data.directoryId, batchNo, employees: step.value.employees, problems: step.value.problems },
            { ...ctx, id: `${data.runId}:batch:${batchNo}` },
          );
          batchNo++;
        }
        const summary = step.value;
        const checksum = hash.digest('hex');
        const movedTo = await source.moveTo('archive', file.relativePath, stamp);
        const totals = { rows: summary.rows, records: summary.records, problems: summary.problems };
        return {
          outcome: 'complete',
          batchCount: batchNo,
          totals,
          fileName: file.relativePath,
          ledger: this.ledger(file.relativePath, checksum, 'processed', movedTo, summary.rows, null),
        };
      } catch (e) {
        if (!(e instanceof CsvImportException)) throw e;
        // The file is rejected whole: batches already sent are discarded by the reconciler (outcome failed).
        const movedTo = await source.moveTo('error', file.relativePath, stamp, `${e.code}: ${e.message}`);
        const failure = { code: e.code, message: e.message };
        return { outcome: 'failed', batchCount: 0, totals: empty, fileName: file.relativePath, failure, ledger: this.ledger(file.relativePath, null, 'rejected', movedTo, 0, e.message) };
      }
    } catch (e) {
      if (!(e instanceof SftpSourceException)) throw e;
      const failure = { code: e.code, message: e.message };
      return { outcome: 'failed', batchCount: 0, totals: empty, failure, ledger: this.ledger(null, null, 'failed', null, 0, e.message) };
    } finally {
      await source?.close();
    }
  }

  private ledger(fileName: string | null, checksum: string | null, outcome: FileLedgerEntry['outcome'], movedTo: string | null, rows: number, reason: string | null) {
    return { fileName, checksum, outcome, movedTo, rows, reason };
  }
}
