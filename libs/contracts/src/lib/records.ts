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
} as const;
export type RowProblemCode = (typeof RowProblemCode)[keyof typeof RowProblemCode];
