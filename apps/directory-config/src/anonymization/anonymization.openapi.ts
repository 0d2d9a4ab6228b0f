import { z } from 'zod';
import type { Route } from '../http/openapi';

export const AnonymizationRequestedView = z.object({ userId: z.string().uuid(), status: z.literal('anonymization-requested') });

/** R-API-07 routes. */
export const ANONYMIZATION_ROUTES: Route[] = [
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/users/{userId}/anonymize',
    summary:
      "R-API-07: erase a user's personal data (profile, custom fields, username, external id, memberships; the email becomes a placeholder); the user is never matched or restored again, and `user.anonymized` carries only its id. 202 (applied by the reconciler, between runs); 404 USER_NOT_FOUND; 409 USER_ALREADY_ANONYMIZED",
    response: AnonymizationRequestedView,
    status: 202,
  },
];
