import { z } from 'zod';

/** ISO calendar date, yyyy-mm-dd. Sources convert their own formats before publishing. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date yyyy-mm-dd');

/** R-API-08: the kinds of source group an HR system reports (the bridge's group types). */
export const CanonicalGroupType = z.enum(['TEAM', 'DEPARTMENT', 'COST_CENTER', 'BUSINESS_UNIT', 'GROUP']);
export type CanonicalGroupType = z.infer<typeof CanonicalGroupType>;

/** A group a person belongs to in the source, with its type; API sources only. */
export const CanonicalGroup = z.object({
  externalId: z.string().min(1).max(256).optional(),
  name: z.string().min(1).max(200),
  type: CanonicalGroupType,
});
export type CanonicalGroup = z.infer<typeof CanonicalGroup>;

/**
 * One person as a source sees them, normalised. An absent (undefined) optional field means "the source said
 * nothing": the reconciler keeps the stored value (R-CSV-07). Emails are lower-cased by the source.
 */
export const CanonicalEmployee = z.object({
  /** Row number in the source file (1 = header), or absent for API sources. */
  rowNumber: z.number().int().positive().optional(),
  externalId: z.string().min(1).max(256).optional(),
  email: z.string().email().max(320),
  /**
   * R-API-04: the value of an API directory's username attribute when it is not the work email (personal email,
   * employee number); such directories match users by it within the tenant. Absent: the email is the username.
   */
  username: z.string().min(1).max(320).optional(),
  firstName: z.string().max(200).optional(),
  lastName: z.string().max(200).optional(),
  displayName: z.string().max(400).optional(),
  managerEmail: z.string().email().max(320).optional(),
  /** API sources: the manager's external id (R-API-04 links by it once the manager is known). */
  managerExternalId: z.string().min(1).max(256).optional(),
  teams: z.array(z.string().min(1).max(200)).optional(),
  isOrgAdmin: z.boolean().optional(),
  deactivationDate: IsoDate.optional(),
  jobTitle: z.string().max(200).optional(),
  department: z.string().max(200).optional(),
  location: z.string().max(200).optional(),
  employeeId: z.string().max(200).optional(),
  startDate: IsoDate.optional(),
  customFields: z.record(z.string(), z.string()).optional(),
  /** API sources: every source group of the person with its type (R-API-08; applied by a later increment). */
  groups: z.array(CanonicalGroup).optional(),
  /**
   * R-EVT-02: for event directories, the ROSTER_INBOUND stream sequence of the (latest) event this record comes
   * from, set by directory-config (a publisher's value is replaced). A record older than the one a user was last
   * written from is stale — redelivered after a crash, behind newer events — and skipped, manager and teams too.
   */
  sourceSequence: z.number().int().nonnegative().optional(),
  /**
   * R-EVT-02: when a micro-batch merged several events of the person, the sequence of the event each field came from
   * (custom fields as `customFields.<label>`); a field not listed came from `sourceSequence`.
   */
  fieldSequences: z.record(z.string(), z.number().int().nonnegative()).optional(),
});
export type CanonicalEmployee = z.infer<typeof CanonicalEmployee>;

/**
 * Bytes of records one `records.batch` carries at most: NATS's default max_payload is 1 MiB, and the envelope around
 * the records needs room. Every source cuts its batches by this as well as by a count: a batch over the server's
 * max_payload could never be published.
 */
export const RECORDS_BATCH_MAX_BYTES = 1024 * 1024 - 64 * 1024;

/**
 * Bytes of JSON one employee record may have (R-SAFE-02): under a third of what the bus takes in one message, so that
 * the events announcing the person fit on it too — `user.updated` carries the user and, for each changed field, its
 * old and new value: three copies of a record that changed everything. Over it, a record is refused where it enters,
 * on its own, as `RECORD_TOO_LARGE` (an HR-API employee: a row problem of its run; an inbound employee event: a dead
 * letter); a CSV row is bounded far below (64 KiB). Without it such a record was taken and its `user.updated` was
 * refused by the reconciler's outbox (`MESSAGE_TOO_LARGE`), failing its whole run — for an event directory, every
 * other event of the micro-batch with it. The reconciler bounds the user too (`contentBytesOver`): a record under the
 * bound that would grow its user past it — custom fields kept from earlier records, one person's events merged in a
 * micro-batch — is that record's `RECORD_TOO_LARGE` problem.
 */
export const MAX_RECORD_BYTES = 320 * 1024;

/**
 * Records cut into batches of at most `maxCount` records and `maxBytes` of JSON each, in order; a record bigger
 * than `maxBytes` goes alone in its batch. Each record is serialised once to count it.
 */
export function cutRecordBatches<T>(records: readonly T[], maxCount: number, maxBytes = RECORDS_BATCH_MAX_BYTES): T[][] {
  return cut(records, maxCount, maxBytes, false).map((b) => b.records);
}

/** A batch of `cutRecordBatchesJson`: its records and their JSON array, as `JSON.stringify(records)` writes it. */
export interface RecordBatchJson<T> {
  records: T[];
  json: string;
}

/** `cutRecordBatches` keeping the JSON it serialised, for a producer that sends the batch as that text. */
export function cutRecordBatchesJson<T>(records: readonly T[], maxCount: number, maxBytes = RECORDS_BATCH_MAX_BYTES): RecordBatchJson<T>[] {
  return cut(records, maxCount, maxBytes, true);
}

function cut<T>(records: readonly T[], maxCount: number, maxBytes: number, keepJson: boolean): RecordBatchJson<T>[] {
  const batches: RecordBatchJson<T>[] = [];
  let batch: T[] = [];
  let parts: string[] = [];
  let bytes = 1; // '['
  const close = () => batches.push({ records: batch, json: keepJson ? `[${parts.join(',')}]` : '' });
  for (const record of records) {
    const json = JSON.stringify(record);
    const size = Buffer.byteLength(json) + 1; // and the ',' or ']' after it
    if (batch.length > 0 && (batch.length >= maxCount || bytes + size > maxBytes)) {
      close();
      batch = [];
      parts = [];
      bytes = 1;
    }
    batch.push(record);
    if (keepJson) parts.push(json);
    bytes += size;
  }
  if (batch.length > 0) close();
  return batches;
}

/** The profile fields a record can carry besides its keys, in a fixed order (export, hashing, diffs). */
export const EMPLOYEE_PROFILE_FIELDS = [
  'firstName',
  'lastName',
  'displayName',
  'jobTitle',
  'department',
  'location',
  'employeeId',
  'startDate',
] as const;
export type EmployeeProfileField = (typeof EMPLOYEE_PROFILE_FIELDS)[number];

/** A problem with one record: where (row or external id), which field, a stable code and a sentence. */
export const RowProblem = z.object({
  rowNumber: z.number().int().positive().optional(),
  externalId: z.string().optional(),
  field: z.string().optional(),
  code: z.string().min(1),
  message: z.string().min(1),
});
export type RowProblem = z.infer<typeof RowProblem>;

export const RowProblemCode = {
  INVALID_EMAIL: 'INVALID_EMAIL',
  MISSING_EMAIL: 'MISSING_EMAIL',
  DUPLICATE_EMAIL: 'DUPLICATE_EMAIL',
  /** R-API-04: two records of a run name the same user (same external id). */
  DUPLICATE_EXTERNAL_ID: 'DUPLICATE_EXTERNAL_ID',
  /** R-API-04/R-API-10: an email change to an email another user already has. */
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  /** R-API-04: the record has no value for the directory's username attribute. */
  MISSING_USERNAME: 'MISSING_USERNAME',
  /** R-API-04: two records of a run have the same username. */
  DUPLICATE_USERNAME: 'DUPLICATE_USERNAME',
  /** R-API-04: the username belongs to a user of another directory, or to another user (a username change). */
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  INVALID_DATE: 'INVALID_DATE',
  INVALID_BOOLEAN: 'INVALID_BOOLEAN',
  INVALID_VALUE: 'INVALID_VALUE',
  MANAGER_LOOP: 'MANAGER_LOOP',
  SELF_MANAGER: 'SELF_MANAGER',
  /**
   * An API source's record whose JSON is over `MAX_RECORD_BYTES`, or any record that would make its user's content
   * over it (custom fields kept from earlier records add up; an event directory merges one person's events): the events
   * announcing the user would not fit on the bus; skipped.
   */
  RECORD_TOO_LARGE: 'RECORD_TOO_LARGE',
} as const;
export type RowProblemCode = (typeof RowProblemCode)[keyof typeof RowProblemCode];
