import { EntitySchema } from '@mikro-orm/core';

/**
 * One row per file a run took (R-SFTP-02 checksum ledger): a file whose SHA-256 was already `processed` for
 * the directory is a duplicate, moved to archive/ and never applied again.
 *
 * Written with the run's ledger entry, after its completion is published; the file is moved only then
 * (`pendingMove` until it is), so a crash at any point leaves the file where the run's redelivery reads it again.
 */
/** The bytes `headChecksum` covers. */
export const HEAD_BYTES = 64 * 1024;

export interface ProcessedFile {
  id: string;
  tenantId: string;
  directoryId: string;
  runId: string;
  kind: 'users' | 'teams';
  fileName: string;
  /** SHA-256 (hex) of the file's bytes. */
  checksum: string | null;
  /**
   * SHA-256 (hex) of the file's first HEAD_BYTES (the whole file when smaller): a file of the same size whose head
   * differs is not the same content, known from one small read instead of a second read of the whole file. Null for
   * files recorded before it existed, and where no bytes were read.
   */
  headChecksum: string | null;
  size: number;
  outcome: 'processed' | 'rejected' | 'duplicate';
  movedTo: string | null;
  /** Still where the run found it: moved by the run after its commit, by its redelivery, or by the next run. */
  pendingMove: boolean;
  /** For a rejected file, the text of the `.reason.txt` written beside it in error/. */
  moveReason: string | null;
  createdAt: Date;
}

export const ProcessedFileEntity = new EntitySchema<ProcessedFile>({
  name: 'ProcessedFile',
  tableName: 'processed_files',
  indexes: [
    { properties: ['tenantId', 'directoryId', 'size'] },
    { properties: ['tenantId', 'directoryId', 'checksum'] },
    { properties: ['tenantId', 'directoryId', 'pendingMove'] },
    { properties: ['runId'] },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    directoryId: { type: 'uuid' },
    runId: { type: 'uuid' },
    kind: { type: 'text' },
    fileName: { type: 'text' },
    checksum: { type: 'text', nullable: true },
    headChecksum: { type: 'text', nullable: true },
    size: { type: 'double' },
    outcome: { type: 'text' },
    movedTo: { type: 'text', nullable: true },
    pendingMove: { type: 'boolean', default: false },
    moveReason: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
