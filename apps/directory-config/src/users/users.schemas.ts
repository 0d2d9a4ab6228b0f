import { z } from 'zod';
import { DirectoryUserStatus, USERS_PAGE_MAX, UserProfileV1, UserSummaryV1 } from '@roster/contracts';

/** GET /v1/tenants/{tenantId}/users (issue 9). */
export const ListUsersQuery = z
  .object({
    /** Prefix of the email, first name, "first last", last name or display name; case-insensitive. */
    q: z.string().trim().max(200).optional(),
    /** Users owned by this directory. */
    directoryId: z.string().uuid().optional(),
    status: DirectoryUserStatus.optional(),
    /** Members of this team: its id or its name (case-insensitive). */
    team: z.string().trim().min(1).max(200).optional(),
    /** Direct reports of this user. */
    managerId: z.string().uuid().optional(),
    /** The previous page's `nextAfter` (the last email it holds). */
    after: z.string().min(1).max(400).optional(),
    limit: z.coerce.number().int().min(1).max(USERS_PAGE_MAX).default(50),
  })
  .strict();
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

/** The owning directory's name, next to its id (null: no directory, or one since deleted). */
const directoryName = z.string().nullable();

export const UserSummaryView = UserSummaryV1.extend({ directoryName });

export const UsersPageView = z.object({
  users: z.array(UserSummaryView),
  /** Pass as `after` for the next page; null on the last page. */
  nextAfter: z.string().nullable(),
  limit: z.number().int(),
});

export const UserView = UserProfileV1.extend({ directoryName });
