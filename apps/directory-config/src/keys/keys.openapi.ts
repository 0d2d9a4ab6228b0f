import type { Route } from '../http/openapi';
import { KeyRotationView, RotateKeysBody } from './keys.schemas';

/** R-SEC-01 routes: operators only (no tenant in the path). */
export const KEY_ROUTES: Route[] = [
  {
    method: 'post',
    path: '/v1/keys/rotate',
    summary:
      "R-SEC-01 Operators: re-wrap every tenant's data key under the current master key (ROSTER_SECRETS_KEY) and re-seal the stored secrets with it (v1 secrets become v2); with rotateDataKeys, replace the data keys too. One transaction per tenant, idempotent; answers the counts and what still needs a previous master key",
    body: RotateKeysBody,
    response: KeyRotationView,
    status: 200,
  },
];
