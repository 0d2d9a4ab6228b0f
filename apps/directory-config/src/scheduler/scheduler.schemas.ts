import { z } from 'zod';

/**
 * POST /v1/scheduler/tick takes no clock: a tick uses the server's time, as the loop does. Moving time from
 * outside would let a caller start every tenant's scheduled runs early and push their schedules ahead; tests
 * move time through the use case's injected clock instead.
 */
export const SchedulerTickBody = z.object({}).strict();

const DueOutcome = z.object({
  tenantId: z.string().uuid(),
  directoryId: z.string().uuid(),
  /** The due time this tick handled. */
  dueAt: z.string(),
  /** The directory's next due time after it. */
  nextRunAt: z.string().nullable(),
});

export const SchedulerTickView = z.object({
  /** The server time the tick ran at. */
  now: z.string(),
  started: z.array(DueOutcome.extend({ runId: z.string().uuid() })),
  /** A run of the directory was in progress: no second run (R-DIR-04); the directory waits for its next due time. */
  skipped: z.array(DueOutcome.extend({ activeRunId: z.string().uuid().nullable() })),
  failed: z.array(DueOutcome.extend({ code: z.string(), message: z.string() })),
});
