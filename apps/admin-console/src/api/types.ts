/**
 * The admin API's answers as the console reads them (apps/directory-config/src/http/schemas.ts and
 * dead-letters.schemas.ts are the source; /openapi.json documents them). The console is an HTTP client like the
 * `roster` CLI: it imports no service code, so these are written out here.
 */

export type Role = 'operator' | 'tenant-admin' | 'read-only';

/** Every error of the admin API. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export interface Tenant {
  id: string;
  name: string;
  ownerEmail: string | null;
  createdAt: string;
}

export interface ApiKeySummary {
  id: string;
  name: string;
  role: Role;
  tenantId: string | null;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

/** GET /v1/me: who the signed-in key is (apps/directory-config auth/api-keys.schemas.ts MeView); never the key. */
export interface Me {
  role: Role;
  /** The one tenant of a tenant-admin or read-only key; null for an operator. */
  tenantId: string | null;
  key: { kind: 'issued'; id: string; name: string; prefix: string; createdAt: string } | { kind: 'bootstrap'; name: 'ROSTER_API_KEY' };
}

export type Schedule =
  | { kind: 'disabled' }
  | { kind: 'every'; hours: number }
  | { kind: 'daily'; time: string; timeZone: string }
  | { kind: 'weekly'; day: Weekday; time: string; timeZone: string }
  | { kind: 'cron'; expression: string; timeZone: string };

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

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
export type HrisSourceField = (typeof HRIS_SOURCE_FIELDS)[number];

/** The profile fields a mapping can target; any other target is a custom field of that label. */
export const HRIS_PROFILE_TARGETS = ['teams', 'jobTitle', 'department', 'employeeId', 'startDate', 'location', 'displayName'] as const;

/** R-CSV-02/03: the standard labels a header mapping may translate to (libs/contracts csv-labels.ts). */
export const CSV_STANDARD_LABELS = [
  'User Email',
  'User Name',
  'First Name',
  'Last Name',
  'Manager Email',
  'Teams',
  'Is Org Admin',
  'Deactivation Date',
  'Job Title',
  'Department',
  'Location',
  'Employee ID',
  'Start Date',
  'Team Name',
  'Team Owner',
  'Parent Team',
  'Team Type',
  'Team Description',
] as const;

export const USERNAME_ATTRIBUTES = ['workEmail', 'personalEmail', 'employeeNumber'] as const;
export const ORPHAN_POLICIES = ['ignore', 'deactivate', 'delete'] as const;

export interface Policy {
  usernameAttribute: (typeof USERNAME_ATTRIBUTES)[number];
  activateUsers: boolean;
  orphans: (typeof ORPHAN_POLICIES)[number];
  restore: boolean;
  synchronizeGroups: boolean;
  preserveGroups: boolean;
  removeLocalGroups: boolean;
  removeOtherDirectoryGroups: boolean;
  safeguard: { count: number; percent: number };
}

interface DirectoryCommon {
  id: string;
  tenantId: string;
  name: string;
  enabled: boolean;
  recipients: string[];
  schedule: Schedule;
  nextRunAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SftpDirectory extends DirectoryCommon {
  type: 'sftp-csv';
  sftp: { host: string; port: number; username: string; folder: string; hostKeyFingerprint: string; hasPassword: boolean; hasPrivateKey: boolean };
  dateFormat: 'dd/mm/yyyy' | 'mm/dd/yyyy';
  headerMapping: Record<string, string>;
}

export interface HrisDirectory extends DirectoryCommon {
  type: 'hris-api';
  hris: { provider: string; baseUrl: string; pageSize: number; fieldMappings: { source: HrisSourceField; target: string }[]; hasAccountToken: boolean };
  policy: Policy;
}

export interface EventDirectory extends DirectoryCommon {
  type: 'event';
  policy: Policy;
  inbound: { upserted: string; terminated: string };
}

export type Directory = SftpDirectory | HrisDirectory | EventDirectory;

/**
 * R-EVT-02: what services publish for an event directory (libs/contracts `Events['inbound.employee.*']`): subject
 * templates (`{tenant}` is the tenant id) and CloudEvents types, on stream ROSTER_INBOUND.
 */
export const INBOUND_STREAM = 'ROSTER_INBOUND';
export const INBOUND_SUBJECTS = {
  upserted: 'roster.inbound.{tenant}.employee.upserted.v1',
  terminated: 'roster.inbound.{tenant}.employee.terminated.v1',
} as const;
export const INBOUND_EVENT_TYPES = {
  upserted: 'io.roster.inbound.employee.upserted.v1',
  terminated: 'io.roster.inbound.employee.terminated.v1',
} as const;
export type DirectoryType = Directory['type'];

export interface TestConnectionResult {
  ok: boolean;
  /** sftp-csv: the key the server presented (null when unreachable). */
  hostKeyFingerprint?: string | null;
  code?: string;
  message?: string;
  /** hris-api: the HR system behind the linked account. */
  integration?: string;
}

export const RUN_STATUSES = ['queued', 'fetching', 'reconciling', 'awaiting-approval', 'succeeded', 'partially-succeeded', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'partially-succeeded', 'failed'];

export interface RunCounts {
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  deleted: number;
  restored: number;
  skipped: number;
  failed: number;
}

export interface RowProblem {
  rowNumber?: number;
  externalId?: string;
  field?: string;
  code: string;
  message: string;
}

export interface PendingRemovals {
  deactivate: number;
  delete: number;
  directoryUsers: number;
  threshold: { count: number; percent: number };
  users: { userId: string; email: string; action: 'deactivate' | 'delete' }[];
}

export interface Run {
  id: string;
  tenantId: string;
  directoryId: string;
  trigger: 'schedule' | 'manual' | 'file' | 'replay' | 'event';
  status: RunStatus;
  counts: RunCounts | null;
  problems: RowProblem[];
  problemCount: number;
  failure: { code: string; message: string } | null;
  fileName: string | null;
  pendingRemovals: PendingRemovals | null;
  decision: 'approve' | 'reject' | null;
  rerunOf: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ProblemsPage {
  runId: string;
  total: number;
  offset: number;
  limit: number;
  problems: RowProblem[];
}

export interface DeadLetterSummary {
  sequence: number;
  service: string;
  consumer: string;
  code: string;
  reason: string;
  deliveries: number;
  failedAt: string | null;
  deadLetteredAt: string;
  original: { subject: string; stream: string; sequence: number; msgId: string | null };
  tenantId: string | null;
  eventId: string | null;
  eventType: string | null;
  size: number;
}

export interface DeadLetter extends DeadLetterSummary {
  dlqSubject: string;
  headers: Record<string, string[]>;
  payload: { encoding: 'json'; json: unknown } | { encoding: 'text'; text: string } | { encoding: 'base64'; base64: string };
}

export interface DeadLetterPage {
  items: DeadLetterSummary[];
  nextAfterSequence: number | null;
  scanned: number;
}

export interface Redrive {
  sequence: number;
  consumer: string;
  outcome: 'redriven' | 'duplicate';
  republished: { subject: string; stream: string; sequence: number };
}

export interface Discard {
  sequence: number;
  consumer: string;
  code: string;
  originalSubject: string;
  reason: string;
  discarded: true;
}

/** A user's status in the directory (libs/contracts DirectoryUser.status). */
export const USER_STATUSES = ['active', 'inactive', 'deleted', 'anonymized'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** One row of GET /v1/tenants/{t}/users. */
export interface UserSummary {
  userId: string;
  email: string;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  status: UserStatus;
  jobTitle: string | null;
  department: string | null;
  sourceDirectoryId: string | null;
  directoryName: string | null;
  managerId: string | null;
  teams: string[];
}

export interface UsersPage {
  users: UserSummary[];
  /** The `after` of the next page; null on the last one. */
  nextAfter: string | null;
  limit: number;
}

export interface UserRef {
  userId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  status: UserStatus;
  jobTitle: string | null;
}

/** GET /v1/tenants/{t}/users/{u}. */
export interface User extends Omit<UserSummary, 'teams'> {
  externalId: string | null;
  location: string | null;
  employeeId: string | null;
  startDate: string | null;
  isOrgAdmin: boolean;
  deactivateAt: string | null;
  customFields: Record<string, string>;
  teams: { teamId: string; name: string; sourceDirectoryId: string }[];
  groups: { groupId: string; name: string; type: string; sourceDirectoryId: string }[];
  /** Nearest first. */
  managerChain: UserRef[];
  managerChainEnd: 'top' | 'loop' | 'depth-limit' | 'missing';
  directReports: number;
  createdAt: string;
  updatedAt: string;
}

/** The streams a replay consumer can read (apps/directory-config replay-consumer.ts). */
export const REPLAY_STREAMS = ['ROSTER_DIRECTORY', 'ROSTER_RUNS', 'ROSTER_RECORDS', 'ROSTER_INBOUND'] as const;
export type ReplayStream = (typeof REPLAY_STREAMS)[number];

export interface Replay {
  name: string;
  stream: ReplayStream;
  durable: boolean;
  filterSubject: string | null;
  tenantId: string | null;
  startTime: string | null;
  startSequence: number | null;
  endTime: string | null;
  endSequence: number | null;
  createdAt: string;
  pending: number;
  ackPending: number;
  redelivered: number;
  deliveredSequence: number;
  ackFloorSequence: number;
  inactiveSeconds: number | null;
  /** On create: false when a consumer of that name existed with the same parameters. */
  created?: boolean;
}
