import { z } from 'zod';
import { DirectoryUser } from './payloads';

/**
 * Reads of the directory's users for the admin API (issue 9), answered by the reconciler over request/reply
 * (`users.search`, `user.profile` in `Rpcs`). Every request names the tenant; nothing of another tenant is read.
 */

/** A user's status in the directory (the same values as the directory events). */
export const DirectoryUserStatus = DirectoryUser.shape.status;
export type DirectoryUserStatus = z.infer<typeof DirectoryUserStatus>;

/** Most users a page of the search holds. */
export const USERS_PAGE_MAX = 200;
/** How far up a manager chain is followed (deeper chains end `depth-limit`). */
export const MANAGER_CHAIN_MAX_DEPTH = 50;

export const UsersSearchRequestV1 = z.object({
  tenantId: z.string().uuid(),
  /** Prefix of the email, first name, last name, "first last" or display name, case-insensitive. */
  q: z.string().min(1).max(200).optional(),
  /** Users owned by this directory. */
  directoryId: z.string().uuid().optional(),
  status: DirectoryUserStatus.optional(),
  /** Members of this team: its id, or its name (compared as team names are, trimmed and case-insensitive). */
  team: z.string().min(1).max(200).optional(),
  /** Direct reports of this user. */
  managerId: z.string().uuid().optional(),
  /** Keyset cursor: the last email of the previous page; the page starts after it. */
  after: z.string().min(1).max(400).optional(),
  limit: z.number().int().min(1).max(USERS_PAGE_MAX),
});
export type UsersSearchRequestV1 = z.infer<typeof UsersSearchRequestV1>;

export const UserSummaryV1 = z.object({
  userId: z.string().uuid(),
  email: z.string(),
  username: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  displayName: z.string().nullable(),
  status: DirectoryUserStatus,
  jobTitle: z.string().nullable(),
  department: z.string().nullable(),
  /** The directory that owns the user (null: created by no directory, e.g. an unknown manager before its row). */
  sourceDirectoryId: z.string().uuid().nullable(),
  managerId: z.string().uuid().nullable(),
  /** Names of the user's teams (through any directory), sorted. */
  teams: z.array(z.string()),
});
export type UserSummaryV1 = z.infer<typeof UserSummaryV1>;

export const UsersSearchReplyV1 = z.object({
  users: z.array(UserSummaryV1),
  /** The cursor of the next page (the last email of this one); null on the last page. */
  nextAfter: z.string().nullable(),
});
export type UsersSearchReplyV1 = z.infer<typeof UsersSearchReplyV1>;

export const UserProfileRequestV1 = z.object({ tenantId: z.string().uuid(), userId: z.string().uuid() });
export type UserProfileRequestV1 = z.infer<typeof UserProfileRequestV1>;

/** Another user as a profile names them (a manager in the chain). */
export const UserRefV1 = z.object({
  userId: z.string().uuid(),
  email: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  displayName: z.string().nullable(),
  status: DirectoryUserStatus,
  jobTitle: z.string().nullable(),
});
export type UserRefV1 = z.infer<typeof UserRefV1>;

export const UserProfileV1 = UserSummaryV1.omit({ teams: true }).extend({
  externalId: z.string().nullable(),
  location: z.string().nullable(),
  employeeId: z.string().nullable(),
  startDate: z.string().nullable(),
  isOrgAdmin: z.boolean(),
  /** When a scheduled deactivation falls due (R-CSV-10), ISO 8601. */
  deactivateAt: z.string().nullable(),
  customFields: z.record(z.string(), z.string()),
  teams: z.array(z.object({ teamId: z.string().uuid(), name: z.string(), sourceDirectoryId: z.string().uuid() })),
  /** R-API-08: the groups of API directories the user is in. */
  groups: z.array(z.object({ groupId: z.string().uuid(), name: z.string(), type: z.string(), sourceDirectoryId: z.string().uuid() })),
  /** The manager, the manager's manager, … up to the top: nearest first. */
  managerChain: z.array(UserRefV1),
  /**
   * Why the chain stops: `top` (the last one has no manager), `loop` (the next manager is already in the chain —
   * the data holds a loop), `depth-limit` (MANAGER_CHAIN_MAX_DEPTH reached), `missing` (the manager id names no
   * user of the tenant).
   */
  managerChainEnd: z.enum(['top', 'loop', 'depth-limit', 'missing']),
  directReports: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserProfileV1 = z.infer<typeof UserProfileV1>;

/** `user` absent: no such user in the tenant. */
export const UserProfileReplyV1 = z.object({ user: UserProfileV1.optional() });
export type UserProfileReplyV1 = z.infer<typeof UserProfileReplyV1>;
