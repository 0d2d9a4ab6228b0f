import { EntitySchema } from '@mikro-orm/core';
import type { PayloadOf } from '@roster/contracts';

export interface FileLedgerEntry {
  id: string;
  tenantId: string;
  directoryId: string;
  /** One entry per run: a redelivered sync.requested finds it and does nothing twice. */
  runId: string;
  fileName: string | null;
  /** SHA-256 of the file's bytes (R-SFTP-02 checksum ledger). */
  checksum: string | null;
  outcome: 'processed' | 'rejected' | 'failed';
  movedTo: string | null;
  rows: number;
  reason: string | null;
  /** The run's `records.complete`, committed before it is published: a redelivery sends it again (null before 2026-12). */
  completion: PayloadOf<'records.complete'> | null;
  createdAt: Date;
}

export const FileLedgerEntity = new EntitySchema<FileLedgerEntry>({
  name: 'FileLedgerEntry',
  tableName: 'file_ledger',
  indexes: [{ properties: ['tenantId', 'directoryId', 'checksum'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    directoryId: { type: 'uuid' },
    runId: { type: 'uuid', unique: true },
    fileName: { type: 'text', nullable: true },
    checksum: { type: 'text', nullable: true },
    outcome: { type: 'text' },
    movedTo: { type: 'text', nullable: true },
    rows: { type: 'integer', default: 0 },
    reason: { type: 'text', nullable: true },
    completion: { type: 'json', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
