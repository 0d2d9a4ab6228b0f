import { EntitySchema } from '@mikro-orm/core';
import type { RunCounts } from '@roster/contracts';

/**
 * The reconciler's view of a run: staging until its records are complete, then applied or failed, once; or held
 * (R-SAFE-01) until an admin approves (applied) or rejects (failed) it.
 */
export interface RunState {
  runId: string;
  tenantId: string;
  directoryId: string;
  status: 'staging' | 'held' | 'applied' | 'failed';
  /** A held run's `records.complete` payload, applied as it is on approval. */
  completion: Record<string, unknown> | null;
  counts: RunCounts | null;
  problemCount: number;
  createdAt: Date;
  finishedAt: Date | null;
}

export const RunStateEntity = new EntitySchema<RunState>({
  name: 'RunState',
  tableName: 'run_states',
  // finishedAt: run history retention deletes the oldest finished runs first (PruneRunHistoryUseCase).
  indexes: [{ properties: ['finishedAt'] }],
  properties: {
    runId: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    directoryId: { type: 'uuid' },
    status: { type: 'text' },
    completion: { type: 'json', nullable: true },
    counts: { type: 'json', nullable: true },
    problemCount: { type: 'integer', default: 0 },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    finishedAt: { type: 'datetime', nullable: true },
  },
});

/** R-SAFE-01: who a held run would deactivate or delete; approval applies to these users only. */
export interface HeldRemoval {
  runId: string;
  userId: string;
  email: string;
  action: 'deactivate' | 'delete';
}

export const HeldRemovalEntity = new EntitySchema<HeldRemoval>({
  name: 'HeldRemoval',
  tableName: 'held_removals',
  properties: {
    runId: { type: 'uuid', primary: true },
    userId: { type: 'uuid', primary: true },
    email: { type: 'text' },
    action: { type: 'text' },
  },
});

/** A source batch kept until its run is applied (and the source of a re-run later). */
export interface StagedBatch {
  runId: string;
  /**
   * The source's fetch ('' for sources without one): a redelivered HR-API request fetches again under a new id,
   * and the apply keeps only the batches of the fetch its completion names (deleting the others when it claims).
   */
  fetchId: string;
  batchNo: number;
  tenantId: string;
  employees: unknown[];
  problems: unknown[];
  /** Teams-file records (R-CSV-03); null for a users batch. */
  teams: unknown[] | null;
  /**
   * The custom field labels of the batch's records, each once, in the order the run's label scan takes them
   * (`stagedLabels`); null for a batch staged before the column existed (the scan reads its records then).
   */
  customLabels: string[] | null;
  createdAt: Date;
}

export const StagedBatchEntity = new EntitySchema<StagedBatch>({
  name: 'StagedBatch',
  tableName: 'staged_batches',
  properties: {
    runId: { type: 'uuid', primary: true },
    fetchId: { type: 'text', primary: true, default: '' },
    batchNo: { type: 'integer', primary: true },
    tenantId: { type: 'uuid' },
    employees: { type: 'json' },
    problems: { type: 'json' },
    teams: { type: 'json', nullable: true },
    customLabels: { type: 'text[]', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

/** Every record-level problem of a run (R-DIR-03), in the order found. */
export interface RunProblemRow {
  runId: string;
  seq: number;
  tenantId: string;
  rowNumber: number | null;
  externalId: string | null;
  field: string | null;
  code: string;
  message: string;
}

export const RunProblemEntity = new EntitySchema<RunProblemRow>({
  name: 'RunProblem',
  tableName: 'run_problems',
  properties: {
    runId: { type: 'uuid', primary: true },
    seq: { type: 'integer', primary: true },
    tenantId: { type: 'uuid' },
    rowNumber: { type: 'integer', nullable: true },
    externalId: { type: 'text', nullable: true },
    field: { type: 'text', nullable: true },
    code: { type: 'text' },
    message: { type: 'text' },
  },
});
