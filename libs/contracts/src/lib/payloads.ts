import { z } from 'zod';
import { CanonicalEmployee, RowProblem } from './records';
import { CanonicalTeam } from './teams';

export const DirectoryType = z.enum(['hris-api', 'sftp-csv', 'event']);
export type DirectoryType = z.infer<typeof DirectoryType>;

/** `event`: a micro-batch of inbound employee events of an `event` directory (R-EVT-02). */
export const RunTrigger = z.enum(['schedule', 'manual', 'file', 'replay', 'event']);
export type RunTrigger = z.infer<typeof RunTrigger>;

export const RunStatus = z.enum([
  'queued',
  'fetching',
  'reconciling',
  'awaiting-approval',
  'succeeded',
  'partially-succeeded',
  'failed',
]);
export type RunStatus = z.infer<typeof RunStatus>;
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'partially-succeeded', 'failed'];

export const RunCounts = z.object({
  created: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  deactivated: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  restored: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type RunCounts = z.infer<typeof RunCounts>;
export const emptyRunCounts = (): RunCounts => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  deactivated: 0,
  deleted: 0,
  restored: 0,
  skipped: 0,
  failed: 0,
});

/** Who hears about a run's outcome; carried along the pipeline so no service reads another's tables. */
export const RunNotify = z.object({
  directoryName: z.string(),
  recipients: z.array(z.string().email()),
});

/**
 * R-SEC-01: a tenant's data key (DEK), wrapped under a master key with AES-256-GCM; `kid` names the master key
 * (a fingerprint of it, never the key), so a service holding several master keys knows which one unwraps it.
 */
export const WrappedDataKey = z.object({
  kid: z.string().min(1).max(64),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type WrappedDataKey = z.infer<typeof WrappedDataKey>;

/** v1 (before envelope encryption): AES-256-GCM directly under the master key. Still opened; re-sealed by a rotation. */
export const SealedSecretV1 = z.object({
  v: z.literal(1),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});

/**
 * v2 (R-SEC-01 envelope): AES-256-GCM under the tenant's data key, which travels along wrapped under the master
 * key, so a source opens it with its master key(s) alone. AAD = tenant + directory in both versions.
 */
export const SealedSecretV2 = z.object({
  v: z.literal(2),
  dek: WrappedDataKey,
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});

/** A secret sealed by directory-config; never plaintext on a stream. */
export const SealedSecret = z.discriminatedUnion('v', [SealedSecretV1, SealedSecretV2]);
export type SealedSecret = z.infer<typeof SealedSecret>;

export const SftpSettings = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  username: z.string().min(1),
  password: SealedSecret.optional(),
  privateKey: SealedSecret.optional(),
  folder: z.string().min(1),
  hostKeyFingerprint: z.string().optional(),
});
export type SftpSettings = z.infer<typeof SftpSettings>;

/**
 * R-SAFE-01: a run that would deactivate or delete more than `count` users, or more than `percent` % of the
 * directory's active users, waits for approval (either threshold holds it; `count: 0` holds any removal).
 */
export const SafeguardThreshold = z.object({
  count: z.number().int().nonnegative(),
  percent: z.number().min(0).max(100),
});
export type SafeguardThreshold = z.infer<typeof SafeguardThreshold>;

export const CsvSettings = z.object({
  dateFormat: z.enum(['dd/mm/yyyy', 'mm/dd/yyyy']),
  /** Customer label -> standard label (R-CSV-01). */
  headerMapping: z.record(z.string(), z.string()),
  /** R-SAFE-01: the directory's threshold (absent in requests written before file directories had one: the default). */
  safeguard: SafeguardThreshold.optional(),
});
export type CsvSettings = z.infer<typeof CsvSettings>;

/** R-API-03: the optional source fields of an HRIS employee a directory can map (the seed's names). */
export const HRIS_SOURCE_FIELDS = [
  'teamName',
  'teamGroupName',
  'startDate',
  'personalEmail',
  'mobilePhone',
  'jobTitle',
  'groupGroupName',
  'employeeNumber',
  'departmentGroupName',
  'costCenterGroupName',
  'companyLegalName',
  'companyDisplayName',
  'businessUnitGroupName',
  'birthday',
] as const;
export const HrisSourceField = z.enum(HRIS_SOURCE_FIELDS);
export type HrisSourceField = z.infer<typeof HrisSourceField>;

/**
 * Where a switched-on optional field goes: a canonical profile field (`teams`, `jobTitle`, `department`,
 * `employeeId`, `startDate`, `location`, `displayName`) or, for any other name, the custom field of that label.
 */
export const HrisFieldMapping = z.object({ source: HrisSourceField, target: z.string().trim().min(1).max(200) });
export type HrisFieldMapping = z.infer<typeof HrisFieldMapping>;

/** An hris-api directory's source settings; the account token travels sealed. */
export const HrisSettings = z.object({
  /** The connector, e.g. `merge` (the unified HRIS bridge). */
  provider: z.string().min(1).max(50),
  /** The provider API's base URL, including `/api` for the bridge. */
  baseUrl: z.string().url(),
  /** R-API-02: 1..100, the bridge's maximum. */
  pageSize: z.number().int().min(1).max(100),
  accountToken: SealedSecret,
  /** The switched-on optional mappings (R-API-03); the hard-wired ones always apply. */
  fieldMappings: z.array(HrisFieldMapping),
});
export type HrisSettings = z.infer<typeof HrisSettings>;

/** R-API-04: the source attribute users are matched by within the tenant (before an external id links them). */
export const HRIS_USERNAME_ATTRIBUTES = ['workEmail', 'personalEmail', 'employeeNumber'] as const;
export const HrisUsernameAttribute = z.enum(HRIS_USERNAME_ATTRIBUTES);
export type HrisUsernameAttribute = z.infer<typeof HrisUsernameAttribute>;

/**
 * An API directory's sync policy (R-API-04..09, R-SAFE-01), stored and validated by directory-config and carried
 * in `sync.requested` and `records.complete` so the reconciler applies it (libs/reconciliation `userPolicyOf`).
 */
export const SyncPolicy = z.object({
  /** R-API-04: default workEmail. */
  usernameAttribute: HrisUsernameAttribute,
  /** R-API-05: new and restored users become active during the sync (off: created inactive). */
  activateUsers: z.boolean(),
  /** R-API-06: what happens to active users of this directory absent from a complete fetch. */
  orphans: z.enum(['ignore', 'deactivate', 'delete']),
  /** R-API-07: a deactivated or deleted (never an anonymized) user who reappears in the source is reactivated. */
  restore: z.boolean(),
  /** R-API-08: source groups become directory-owned groups; memberships follow the source. */
  synchronizeGroups: z.boolean(),
  /** R-API-08: with synchronizeGroups off, groups synced earlier are frozen (off: removed on the next run). */
  preserveGroups: z.boolean(),
  /** R-API-09: synced users are taken out of local groups. */
  removeLocalGroups: z.boolean(),
  /** R-API-09: synced users are taken out of groups owned by other directories. */
  removeOtherDirectoryGroups: z.boolean(),
  /** R-SAFE-01: the run's removals (orphans and the terminations its records state) over this wait for approval. */
  safeguard: SafeguardThreshold,
});
export type SyncPolicy = z.infer<typeof SyncPolicy>;

/**
 * R-API-02 incremental runs: `full` fetches every record (a snapshot: orphans and groups no record carries are
 * acted on); `incremental` only those modified since the last complete fetch (nobody is an orphan of it); `auto`
 * lets the source decide (incremental when it has a recent full fetch, else full).
 */
export const FetchMode = z.enum(['full', 'incremental']);
export type FetchMode = z.infer<typeof FetchMode>;
export const RequestedFetch = z.enum(['auto', 'full', 'incremental']);
export type RequestedFetch = z.infer<typeof RequestedFetch>;

export const SyncRequestedV1 = z.object({
  runId: z.string().uuid(),
  directoryId: z.string().uuid(),
  directoryType: DirectoryType,
  trigger: RunTrigger,
  notify: RunNotify,
  sftp: SftpSettings.optional(),
  csv: CsvSettings.optional(),
  hris: HrisSettings.optional(),
  /** hris-api directories: the sync policy (optional: absent for file sources and in requests written before it existed). */
  policy: SyncPolicy.optional(),
  /** R-TEN-02: the tenant owner, default owner of teams created without one; carried so no service reads another's tables. */
  tenantOwnerEmail: z.string().email().optional(),
  /** hris-api: what to fetch; absent = `auto` for scheduled runs, `full` otherwise. */
  fetch: RequestedFetch.optional(),
});
export type SyncRequestedV1 = z.infer<typeof SyncRequestedV1>;

/** R-SAFE-01: one user a held run would deactivate or delete. */
export const HeldRemoval = z.object({ userId: z.string().uuid(), email: z.string(), action: z.enum(['deactivate', 'delete']) });
export type HeldRemoval = z.infer<typeof HeldRemoval>;

/** R-SAFE-01: what a held run would do, for review before approval. */
export const PendingRemovals = z.object({
  deactivate: z.number().int().nonnegative(),
  delete: z.number().int().nonnegative(),
  /** Active users of the directory before the run (the base of the percentage). */
  directoryUsers: z.number().int().nonnegative(),
  threshold: SafeguardThreshold,
  /** The first users who would go (at most 100, by email); the reconciler keeps the whole list (`run.held-removals`). */
  users: z.array(HeldRemoval),
});
export type PendingRemovals = z.infer<typeof PendingRemovals>;

export const RunProgressV1 = z.object({
  runId: z.string().uuid(),
  directoryId: z.string().uuid(),
  status: z.enum(['fetching', 'reconciling', 'awaiting-approval']),
  fileName: z.string().optional(),
  /** With `awaiting-approval`: who the held run would deactivate or delete (R-SAFE-01). */
  pendingRemovals: PendingRemovals.optional(),
  /** With `awaiting-approval`: whom to mail about the hold (the directory's recipients, as on `run.finished`). */
  notify: RunNotify.optional(),
});
export type RunProgressV1 = z.infer<typeof RunProgressV1>;

export const RunFailure = z.object({ code: z.string(), message: z.string() });
export type RunFailure = z.infer<typeof RunFailure>;

/**
 * One fetch of a run by a source whose data can change between two deliveries of the same request (an HR
 * system's API): a redelivered `sync.requested` fetches again under a new id, so a run is never applied from the
 * batches of two fetches. Absent for sources that read the same records on every delivery (a run's files).
 */
export const FetchId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'letters, digits and dashes, at most 64');

/** A batch's message id (`Nats-Msg-Id` and CloudEvents id): `<run>:batch:<n>`, or `<run>:batch:<n>:<fetch>`. */
export function recordsBatchId(runId: string, batchNo: number, fetchId?: string): string {
  return fetchId === undefined ? `${runId}:batch:${batchNo}` : `${runId}:batch:${batchNo}:${fetchId}`;
}

/** A run's completion message id: one per run, whatever the fetch (the first one published is the run's). */
export function recordsCompleteId(runId: string): string {
  return `${runId}:complete`;
}

export const RecordsBatchV1 = z.object({
  runId: z.string().uuid(),
  directoryId: z.string().uuid(),
  /** 0-based, dense: batches 0..batchCount-1 make up the run. */
  batchNo: z.number().int().nonnegative(),
  /** The fetch the batch belongs to (see FetchId); the run is made of the batches of its completion's fetch. */
  fetchId: FetchId.optional(),
  employees: z.array(CanonicalEmployee),
  problems: z.array(RowProblem),
  /** Teams-file records (R-CSV-03); a run's team batches come before its user batches (R-SFTP-03). */
  teams: z.array(CanonicalTeam).optional(),
});
export type RecordsBatchV1 = z.infer<typeof RecordsBatchV1>;

export const RecordsCompleteV1 = z.object({
  runId: z.string().uuid(),
  directoryId: z.string().uuid(),
  directoryType: DirectoryType,
  trigger: RunTrigger,
  /** complete: every record was fetched; incomplete: the fetch stopped early; failed: nothing usable. */
  outcome: z.enum(['complete', 'incomplete', 'failed']),
  batchCount: z.number().int().nonnegative(),
  totals: z.object({
    rows: z.number().int().nonnegative(),
    records: z.number().int().nonnegative(),
    problems: z.number().int().nonnegative(),
  }),
  failure: RunFailure.optional(),
  fileName: z.string().optional(),
  notify: RunNotify,
  /** R-TEN-02: default owner of teams the run creates. */
  tenantOwnerEmail: z.string().email().optional(),
  /** The directory's date format, for date-typed custom fields (R-CSV-04, R-CSV-11). */
  dateFormat: z.enum(['dd/mm/yyyy', 'mm/dd/yyyy']).optional(),
  /** API directories: the sync policy (R-API-04..07, R-SAFE-01); absent = the file-source (CSV) rules. */
  policy: SyncPolicy.optional(),
  /** File directories (no policy): their R-SAFE-01 threshold; absent = the default (50 users or 20 %). */
  safeguard: SafeguardThreshold.optional(),
  /** What the source fetched: absent = `full` (a file is always the whole population). */
  fetch: FetchMode.optional(),
  /** The fetch whose batches make up the run (see FetchId); absent = the batches published without one. */
  fetchId: FetchId.optional(),
});
export type RecordsCompleteV1 = z.infer<typeof RecordsCompleteV1>;

/**
 * The completion a source publishes for a run whose `sync.requested` it gave up on (a permanent error, or the last
 * delivery the transport allows): outcome `failed` with `failure`, nothing fetched. The reconciler ends the run
 * `failed` and its directory is free, instead of the run staying `fetching` until an operator redrives the request.
 */
export function failedCompletionOf(request: SyncRequestedV1, failure: RunFailure, fetchId?: string): RecordsCompleteV1 {
  return {
    runId: request.runId,
    directoryId: request.directoryId,
    directoryType: request.directoryType,
    trigger: request.trigger,
    outcome: 'failed',
    batchCount: 0,
    totals: { rows: 0, records: 0, problems: 0 },
    failure,
    notify: request.notify,
    tenantOwnerEmail: request.tenantOwnerEmail,
    ...(request.policy ? { policy: request.policy } : {}),
    ...(fetchId ? { fetchId } : {}),
  };
}

export const RunFinishedV1 = z.object({
  runId: z.string().uuid(),
  directoryId: z.string().uuid(),
  status: z.enum(['succeeded', 'partially-succeeded', 'failed']),
  counts: RunCounts,
  /** The first problems (at most 100); problemCount says how many there were. */
  problems: z.array(RowProblem),
  problemCount: z.number().int().nonnegative(),
  failure: RunFailure.optional(),
  fileName: z.string().optional(),
  notify: RunNotify,
  startedAt: z.string().datetime({ offset: true }).optional(),
  finishedAt: z.string().datetime({ offset: true }),
});
export type RunFinishedV1 = z.infer<typeof RunFinishedV1>;

/** R-SAFE-01: an admin's decision on a run held in `awaiting-approval`; the reconciler applies or discards it. */
export const RunDecidedV1 = z.object({
  runId: z.string().uuid(),
  directoryId: z.string().uuid(),
  decision: z.enum(['approve', 'reject']),
});
export type RunDecidedV1 = z.infer<typeof RunDecidedV1>;

/**
 * R-API-07: an admin asked for a user's personal data to be erased. The reconciler anonymizes the user once (a
 * second request, or a redelivery, changes nothing); such a user is never matched or restored again.
 */
export const UserAnonymizeRequestedV1 = z.object({
  userId: z.string().uuid(),
  /** Who asked (the API key's name), for the audit log; never personal data of the user. */
  requestedBy: z.string().max(200).optional(),
});
export type UserAnonymizeRequestedV1 = z.infer<typeof UserAnonymizeRequestedV1>;

/**
 * R-API-05: an admin activates a user a directory created inactive (activation off), or one deactivated since. The
 * reconciler sets the user active once and announces `user.updated` with the status change; a user who is not
 * inactive by then (activated already, deleted, anonymized) is left as it is.
 */
export const UserActivateRequestedV1 = z.object({
  userId: z.string().uuid(),
  /** Who asked (the API key's id), for the audit log. */
  requestedBy: z.string().max(200).optional(),
});
export type UserActivateRequestedV1 = z.infer<typeof UserActivateRequestedV1>;

/** A user's personal data was erased: only the id remains (no field values, old or new, travel). */
export const UserAnonymizedV1 = z.object({ userId: z.string().uuid(), sourceDirectoryId: z.string().uuid().nullable() });
export type UserAnonymizedV1 = z.infer<typeof UserAnonymizedV1>;

export const DirectoryUser = z.object({
  userId: z.string().uuid(),
  email: z.string(),
  /** R-API-04: the login name, when the owning directory's username attribute is not the work email. */
  username: z.string().nullable().optional(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  displayName: z.string().nullable(),
  managerUserId: z.string().uuid().nullable(),
  /**
   * `deleted`: removed by an API directory's orphan policy (R-API-06), kept so it can be restored (R-API-07);
   * `anonymized`: personal data erased, never restored nor matched again.
   */
  status: z.enum(['active', 'inactive', 'deleted', 'anonymized']),
  isOrgAdmin: z.boolean(),
  sourceDirectoryId: z.string().uuid().nullable(),
  profile: z.record(z.string(), z.string()),
  customFields: z.record(z.string(), z.string()),
});
export type DirectoryUser = z.infer<typeof DirectoryUser>;

export const UserCreatedV1 = z.object({ runId: z.string().uuid().nullable(), user: DirectoryUser });
export type UserCreatedV1 = z.infer<typeof UserCreatedV1>;

export const FieldChange = z.object({ from: z.unknown(), to: z.unknown() });
export const UserUpdatedV1 = z.object({
  runId: z.string().uuid().nullable(),
  user: DirectoryUser,
  changes: z.record(z.string(), FieldChange),
});
export type UserUpdatedV1 = z.infer<typeof UserUpdatedV1>;

/** R-API-06: an orphaned user deleted by its directory's policy; `user` as it is now (status `deleted`). */
export const UserDeletedV1 = z.object({ runId: z.string().uuid().nullable(), user: DirectoryUser });
export type UserDeletedV1 = z.infer<typeof UserDeletedV1>;
