import { z } from 'zod';
import { RecordsCompleteV1 } from './payloads';

/**
 * R-OPS-01: where a past run's retained source messages are in ROSTER_RECORDS (stream sequences, found when the
 * re-run was asked for), so the copy reads each one by sequence and needs no consumer.
 */
export const RetainedRunRecords = z.object({
  batches: z.array(z.object({ batchNo: z.number().int().nonnegative(), sequence: z.number().int().positive() })),
  /** The original run's `records.complete`. */
  complete: z.number().int().positive(),
});
export type RetainedRunRecords = z.infer<typeof RetainedRunRecords>;

/**
 * R-OPS-01: directory-config queued run `runId` (trigger `replay`) as a re-run of `sourceRunId`; its handler
 * re-publishes the source run's retained `records.batch` messages under `runId` (ids `<runId>:batch:<n>`), then
 * `complete`, the new run's `records.complete` (ids make every step idempotent).
 */
export const RerunRequestedV1 = z.object({
  runId: z.string().uuid(),
  sourceRunId: z.string().uuid(),
  directoryId: z.string().uuid(),
  sources: RetainedRunRecords,
  complete: RecordsCompleteV1,
});
export type RerunRequestedV1 = z.infer<typeof RerunRequestedV1>;
