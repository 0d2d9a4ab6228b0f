import { SetMetadata } from '@nestjs/common';

/** Metadata key of `@Public()`; an app's global authentication guard reads it. */
export const PUBLIC_ROUTE = 'roster:public-route';

/**
 * Marks a controller or handler that answers without credentials (health probes, metrics scrapes, static pages).
 * Authentication is a global guard, so every other route needs a key without anyone remembering to add it;
 * this marker is the one, visible way out, and the admin API's route test lists every route that carries it.
 */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
