import { EntitySchema } from '@mikro-orm/core';
import type { PendingRemovals, RowProblem, RunCounts, RunFailure, RunStatus, RunTrigger } from '@roster/contracts';

export interface Run {
  id: string;
  tenantId: string;
  directoryId: string;
  trigger: RunTrigger;
  status: RunStatus;
  /** True until the run reaches a final status; a partial unique index keeps one active run per directory. */
  active: boolean | null;
  counts: RunCounts | null;
  problems: RowProblem[];
  problemCount: number;
  failure: RunFailure | null;
  fileName: string | null;
  /** R-SAFE-01: while awaiting approval (and after), who the held run would deactivate or delete. */
  pendingRemovals: PendingRemovals | null;
  /** R-SAFE-01: the admin's decision on a held run; a second decision is refused. */
  decision: 'approve' | 'reject' | null;
  /** R-OPS-01: the run this one re-runs (trigger `replay`), from its retained source records. */
  rerunOf: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const RunEntity = new EntitySchema<Run>({
  name: 'Run',
  tableName: 'runs',
  // finishedAt: run history retention deletes the oldest finished runs first (PruneRunsUseCase).
  indexes: [{ properties: ['tenantId', 'directoryId', 'createdAt'] }, { properties: ['finishedAt'] }],
  // `active` is true while a run is not final and null after: at most one active run per directory (R-DIR-04).
  uniques: [{ name: 'runs_one_active_per_directory', properties: ['directoryId', 'active'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    directoryId: { type: 'uuid' },
    trigger: { type: 'text' },
    status: { type: 'text' },
    active: { type: 'boolean', nullable: true },
    counts: { type: 'json', nullable: true },
    problems: { type: 'json' },
    problemCount: { type: 'integer', default: 0 },
    failure: { type: 'json', nullable: true },
    fileName: { type: 'text', nullable: true },
    pendingRemovals: { type: 'json', nullable: true },
    decision: { type: 'text', nullable: true },
    rerunOf: { type: 'uuid', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    startedAt: { type: 'datetime', nullable: true },
    finishedAt: { type: 'datetime', nullable: true },
  },
});
