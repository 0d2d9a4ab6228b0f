import { EntitySchema } from '@mikro-orm/core';

/** One file a run took, as it was listed when the run first picked it. */
export interface PlannedFile {
  kind: 'users' | 'teams';
  relativePath: string;
  size: number;
  modifyTime: number;
}

/**
 * The files a run reads, decided once, at its first delivery, before any batch is published (issue 7, found by
 * the chaos suite). A redelivered `sync.requested` reads exactly these files again, in the same order, so its
 * batches carry the same numbers and content whatever was dropped into the folder meanwhile; a file of the plan
 * that vanished or changed fails the run instead of mixing two versions. Deleted with the ledger's commit.
 */
export interface RunFilePlan {
  runId: string;
  tenantId: string;
  directoryId: string;
  /** Names the run's archive/ and error/ copies, so every delivery moves the files to the same paths. */
  stamp: string;
  files: PlannedFile[];
  createdAt: Date;
}

export const RunFilePlanEntity = new EntitySchema<RunFilePlan>({
  name: 'RunFilePlan',
  tableName: 'run_file_plans',
  properties: {
    runId: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    directoryId: { type: 'uuid' },
    stamp: { type: 'text' },
    files: { type: 'json' },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
