import type { Route } from '../http/openapi';
import { ListUsersQuery, UserView, UsersPageView } from './users.schemas';

/** Issue 9: user reads. */
export const USER_ROUTES: Route[] = [
  {
    method: 'get',
    path: '/v1/tenants/{tenantId}/users',
    summary:
      "A page of the tenant's users by email (keyset: pass the answer's nextAfter as `after`; limit ≤ 200, default 50), searched by a case-insensitive prefix of the email, first name, full name, last name or display name (`q`) and filtered by owning directory, status, team (id or name) and manager (direct reports); each with its teams and owning directory; 503 DIRECTORY_QUERY_UNAVAILABLE when the reconciler does not answer",
    query: ListUsersQuery,
    response: UsersPageView,
    status: 200,
  },
  {
    method: 'get',
    path: '/v1/tenants/{tenantId}/users/{userId}',
    summary:
      'One user: profile, custom fields, username, external id, status, owning directory, teams, groups, the manager chain up to the top (nearest first; managerChainEnd says why it stops: top, loop, depth-limit at 50, missing) and the count of direct reports; 404 USER_NOT_FOUND',
    response: UserView,
    status: 200,
  },
];
