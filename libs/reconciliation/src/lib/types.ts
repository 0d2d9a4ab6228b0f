import { EMPLOYEE_PROFILE_FIELDS, type EmployeeProfileField, type RowProblem } from '@roster/contracts';

/**
 * `deleted`: removed by an API directory's orphan policy (R-API-06), restorable (R-API-07); `anonymized`: personal
 * data erased (its email is no longer the person's), never matched or restored again.
 */
export type UserStatus = 'active' | 'inactive' | 'deleted' | 'anonymized';

export type ProfileFields = { [K in EmployeeProfileField]: string | null };

/**
 * What a source decides about a user: the fields the planner compares and the content hash covers.
 * The manager link is left out on purpose: it is a relation between users, decided in a second phase
 * (planManagerLinks) after every user of the run exists, and diffed there on its own.
 */
export interface UserContent extends ProfileFields {
  /** Lower-case; the match key for file sources (R-CSV-05). */
  email: string;
  status: UserStatus;
  isOrgAdmin: boolean;
  customFields: Record<string, string>;
  /** The directory that owns the user (R-DIR-05); null for a local user. */
  sourceDirectoryId: string | null;
  externalId: string | null;
  /** ISO instant at which a scheduled deactivation takes effect (R-CSV-10); null when none is scheduled. */
  deactivateAt: string | null;
  /**
   * R-API-04: the value of the owning API directory's username attribute when that is not the work email; such
   * directories match users by it within the tenant. Null: the email is the username.
   */
  username: string | null;
}

/** Every UserContent field once, in the fixed order used for hashing and diffs. */
export const USER_CONTENT_FIELDS = [
  'email',
  'status',
  ...EMPLOYEE_PROFILE_FIELDS,
  'isOrgAdmin',
  'customFields',
  'sourceDirectoryId',
  'externalId',
  'deactivateAt',
  'username',
] as const satisfies readonly (keyof UserContent)[];

// Fails to compile when a UserContent field is missing from the list above.
const allContentFieldsListed: Exclude<keyof UserContent, (typeof USER_CONTENT_FIELDS)[number]> extends never
  ? true
  : never = true;
void allContentFieldsListed;

export interface StoredUser extends UserContent {
  id: string;
  /** The manager's email as currently linked. */
  managerEmail: string | null;
  /** userContentHash of the UserContent part; lets the service skip unchanged rows set-based. */
  contentHash: string;
  /**
   * R-EVT-02: per field (a custom field per label: `customFields.<label>`), the inbound stream sequence of the event
   * that last set it (event directories; empty for users only files and APIs wrote).
   */
  fieldSequences?: FieldSequences;
}

/** Field name → inbound stream sequence of the event that last set it. */
export type FieldSequences = Record<string, number>;

/** A user to insert; the service (or the database) assigns the id. */
export type NewUser = Omit<StoredUser, 'id'>;

export interface FieldChange<T> {
  from: T;
  to: T;
}

export type ChangesOf<T> = { [K in keyof T]?: FieldChange<T[K]> };
export type UserChanges = ChangesOf<UserContent>;

/** Where an operation or link came from, so a later failure can be reported on the right row. */
export interface RecordRef {
  rowNumber?: number;
  externalId?: string;
}

export type UserOperation =
  | { kind: 'create'; ref: RecordRef; user: NewUser }
  | { kind: 'update'; ref: RecordRef; userId: string; email: string; changes: UserChanges; next: StoredUser }
  /** `fieldSequences`: an event record that changed nothing, but whose fields the user now has from it (R-EVT-02). */
  | { kind: 'unchanged'; ref: RecordRef; userId: string; email: string; fieldSequences?: FieldSequences };

export type OrphanAction = 'ignore' | 'deactivate' | 'delete';

/** R-SAFE-01: a run removing more than `count` users or `percent` % of the directory's active users is held. */
export interface SafeguardThreshold {
  count: number;
  percent: number;
}

/**
 * Per-source behaviour as data (DESIGN "One pipeline for every source"): CSV_USER_POLICY is the file-source
 * behaviour; `userPolicyOf(syncPolicy)` (api-policy.ts) makes an API directory's.
 */
export interface UserPolicy {
  /** Status of a user first created by a run (R-API-05 activation; CSV creates active users). */
  newUserStatus: 'active' | 'inactive';
  /** R-CSV-10: how long after the import a past deactivation date takes effect on an existing user. */
  pastDeactivationDelayMs: number;
  /** R-API-04: a record with an external id matches the directory's user linked to it before any email. */
  matchByExternalId: boolean;
  /**
   * R-API-04: records carry a username (the directory's username attribute is not the work email) and match the
   * tenant's user with it; false matches by email.
   */
  matchByUsername: boolean;
  /**
   * R-API-07: the status a deactivated or deleted user of this directory gets when it appears in the source again
   * (R-API-05: active with activation on, inactive with it off); null never restores (the status is kept).
   */
  restoreStatus: 'active' | 'inactive' | null;
  /** R-API-06: what a complete run does to the directory's active users it did not see. */
  orphans: OrphanAction;
  /** R-SAFE-01; null never holds a run. */
  safeguard: SafeguardThreshold | null;
}

export const CSV_USER_POLICY: Readonly<UserPolicy> = Object.freeze({
  newUserStatus: 'active',
  pastDeactivationDelayMs: 24 * 60 * 60 * 1000,
  matchByExternalId: false,
  matchByUsername: false,
  restoreStatus: null,
  orphans: 'ignore',
  safeguard: null,
});

export interface PlanContext {
  directoryId: string;
  now: Date;
}

/** A manager link a record asks for; phase 2 (planManagerLinks) decides whether it is applied. */
export interface ManagerLink extends RecordRef {
  email: string;
  managerEmail: string;
}

export interface UserChunkPlan {
  operations: UserOperation[];
  problems: RowProblem[];
  /** The manager links the chunk's applied records ask for, for phase 2. */
  managerLinks: ManagerLink[];
  /**
   * R-EVT-02: emails whose record's teams (groups) were older than the user's — a newer event set them: the run
   * leaves those memberships alone.
   */
  staleTeams?: Set<string>;
  staleGroups?: Set<string>;
}

export interface ManagerChange {
  email: string;
  managerEmail: string;
  previousManagerEmail: string | null;
}

export interface ManagerPlan {
  /** Manager emails that are nobody's yet: create them with default values (R-CSV-08), each once. */
  placeholders: string[];
  setManager: ManagerChange[];
  problems: RowProblem[];
}

/** What planManagerLinks needs to know; a ReadonlySet / ReadonlyMap fits, or a lookup over a loaded subset. */
export type EmailSet = Pick<ReadonlySet<string>, 'has'>;
export type ManagerLookup = Pick<ReadonlyMap<string, string | null>, 'get'>;
