import { BigIntType, EntitySchema } from '@mikro-orm/core';
import type { ExportStatus } from '@roster/contracts';

/** Why an export failed: the dead letter's code and reason, and which step gave up (R-OPS-02). */
export interface ExportFailure {
  /** `build`: the reconciler could not write the file; `mail`: the notifier could not mail it. */
  stage: 'build' | 'mail';
  code: string;
  message: string;
}

/** R-EXP-01: where an export is, kept by directory-config from the export events (`export-status.ts`). */
export interface Export {
  tenantId: string;
  id: string;
  /** The admin the file is mailed to. */
  email: string;
  status: ExportStatus;
  /** Data rows of the file, once it is written. */
  rowCount: number | null;
  /** Bytes of the file, once it is written. */
  size: number | null;
  fileName: string | null;
  failure: ExportFailure | null;
  requestedAt: Date;
  startedAt: Date | null;
  readyAt: Date | null;
  mailedAt: Date | null;
  failedAt: Date | null;
  updatedAt: Date;
}

export const ExportEntity = new EntitySchema<Export>({
  name: 'Export',
  tableName: 'exports',
  // The tenant is part of the key (R-TEN-01): an event of one tenant never reaches another's export.
  indexes: [{ properties: ['tenantId', 'requestedAt'] }],
  properties: {
    tenantId: { type: 'uuid', primary: true },
    id: { type: 'uuid', primary: true },
    email: { type: 'text' },
    status: { type: 'text' },
    rowCount: { type: 'integer', nullable: true },
    size: { type: new BigIntType('number'), nullable: true },
    fileName: { type: 'text', nullable: true },
    failure: { type: 'json', nullable: true },
    requestedAt: { type: 'datetime' },
    startedAt: { type: 'datetime', nullable: true },
    readyAt: { type: 'datetime', nullable: true },
    mailedAt: { type: 'datetime', nullable: true },
    failedAt: { type: 'datetime', nullable: true },
    updatedAt: { type: 'datetime' },
  },
});
