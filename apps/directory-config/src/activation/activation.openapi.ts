import { z } from 'zod';
import type { Route } from '../http/openapi';

export const ActivationRequestedView = z.object({ userId: z.string().uuid(), status: z.literal('activation-requested') });

/** R-API-05 routes. */
export const ACTIVATION_ROUTES: Route[] = [
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/users/{userId}/activate',
    summary:
      'R-API-05: activate an inactive user (one a directory with activation off created inactive, or one deactivated since); `user.updated` announces the status change. Later runs keep the user active unless the source states a termination. 202 (applied by the reconciler, between runs); 404 USER_NOT_FOUND; 409 USER_NOT_INACTIVE (active, deleted or anonymized)',
    response: ActivationRequestedView,
    status: 202,
  },
];
