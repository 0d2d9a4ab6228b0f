import { EntitySchema } from '@mikro-orm/core';

/**
 * One row per file a run took (R-SFTP-02 checksum ledger): a file whose SHA-256 was already `processed` for
 * the directory is a duplicate, moved to archive/ and never applied again.
 */
export interface ProcessedFile {
  id: string;
  tenantId: string;
  directoryId: string;
  runId: string;
  kind: 'users' | 'teams';
  fileName: string;
  /** SHA-256 (hex) of the file's bytes. */
  checksum: string | null;
  size: number;
  outcome: 'processed' | 'rejected' | 'duplicate';
  movedTo: string | null;
  createdAt: Date;
}

export const ProcessedFileEntity = new EntitySchema<ProcessedFile>({
  name: 'ProcessedFile',
  tableName: 'processed_files',
  indexes: [{ properties: ['tenantId', 'directoryId', 'size'] }, { properties: ['tenantId', 'directoryId', 'checksum'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    directoryId: { type: 'uuid' },
    runId: { type: 'uuid' },
    kind: { type: 'text' },
    fileName: { type: 'text' },
    checksum: { type: 'text', nullable: true },
    size: { type: 'double' },
    outcome: { type: 'text' },
    movedTo: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
