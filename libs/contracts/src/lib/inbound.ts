import { z } from 'zod';
import { CanonicalEmployee, IsoDate } from './records';

/**
 * R-EVT-02: what an internal service publishes for an `event` directory, on
 * `roster.inbound.<tenant>.employee.<upserted|terminated>.v1` (stream ROSTER_INBOUND). The CloudEvents `id` is the
 * idempotency key: an event id is applied once, however often it is published or delivered within the inbox's memory
 * of it (ROSTER_INBOUND's retention plus a day: 8 days by default; the same id sent again after that is applied again,
 * as the newest event). The tenant is the envelope's `tenantid` and the subject's tenant token (they must agree).
 */
export const EmployeeUpsertedV1 = z.object({
  /** The `event` directory of the tenant the employee belongs to. */
  directoryId: z.string().uuid(),
  /**
   * The canonical employee (as every source normalises it): `email` is required; an absent field keeps the stored
   * value (R-CSV-07). `deactivationDate` schedules (future) or applies (today or past) a deactivation.
   */
  employee: CanonicalEmployee.omit({ rowNumber: true, sourceSequence: true, fieldSequences: true }),
});
export type EmployeeUpsertedV1 = z.infer<typeof EmployeeUpsertedV1>;

export const EmployeeTerminatedV1 = z.object({
  directoryId: z.string().uuid(),
  /** The employee's work email (the match key); lower-cased by the reconciler. */
  email: z.string().email().max(320),
  /** The source's id of the employee: matches the directory's user linked to it first (R-API-04). */
  externalId: z.string().min(1).max(256).optional(),
  /** The last day of employment: today or earlier deactivates the user now, a later day schedules it. */
  terminationDate: IsoDate,
});
export type EmployeeTerminatedV1 = z.infer<typeof EmployeeTerminatedV1>;
