import type { Route } from '../http/openapi';
import {
  DeadLetterPageView,
  DeadLetterView,
  DeadLettersQuery,
  DiscardBody,
  DiscardView,
  RedriveAllBody,
  RedriveAllView,
  RedriveView,
  TenantDeadLettersQuery,
  TenantRedriveAllBody,
} from './dead-letters.schemas';

const SCOPES = [
  { prefix: '/v1/dead-letters', who: 'Operators (every tenant, and dead letters whose tenant is unknown)', query: DeadLettersQuery, all: RedriveAllBody },
  {
    prefix: '/v1/tenants/{tenantId}/dead-letters',
    who: "The tenant's (tenant from the original subject and the envelope)",
    query: TenantDeadLettersQuery,
    all: TenantRedriveAllBody,
  },
] as const;

/** R-OPS-02 routes, operator-wide and tenant-scoped. */
export const DEAD_LETTER_ROUTES: Route[] = SCOPES.flatMap(({ prefix, who, query, all }) => [
  {
    method: 'get',
    path: prefix,
    summary: `R-OPS-02 ${who}: list dead letters, oldest first, filtered by service, consumer, original subject (wildcards) and reason code; paged by ROSTER_DLQ sequence (afterSequence = the previous page's nextAfterSequence)`,
    query,
    response: DeadLetterPageView,
    status: 200,
  },
  {
    method: 'get',
    path: `${prefix}/{sequence}`,
    summary: `R-OPS-02 ${who}: inspect a dead letter: payload decoded, original headers, reason and code, delivery count, original subject, stream and sequence; 404 DEAD_LETTER_NOT_FOUND`,
    response: DeadLetterView,
    status: 200,
  },
  {
    method: 'post',
    path: `${prefix}/{sequence}/redrive`,
    summary: `R-OPS-02 ${who}: re-publish a dead letter's payload and headers to its original subject (Nats-Msg-Id redrive:<stream>:<sequence>, so a second redrive of the same message is a duplicate) and remove it from ROSTER_DLQ; 404 DEAD_LETTER_NOT_FOUND once redriven`,
    response: RedriveView,
    status: 200,
  },
  {
    method: 'post',
    path: `${prefix}/redrive`,
    summary: `R-OPS-02 ${who}: redrive up to \`limit\` dead letters matching the filter, oldest first, after \`afterSequence\` and up to \`untilSequence\` (default ROSTER_DLQ's last sequence now); \`more\` says whether others up to it may match. To redrive every dead letter there was when it started, a client calls again with the answer's \`nextAfterSequence\` and the first answer's \`untilSequence\` while \`more\`: a message that fails again is dead-lettered after the bound and one that cannot be redriven stays behind \`nextAfterSequence\`, so the loop ends`,
    body: all,
    response: RedriveAllView,
    status: 200,
  },
  {
    method: 'post',
    path: `${prefix}/{sequence}/discard`,
    summary: `R-OPS-02 ${who}: remove a dead letter for good, with a reason (logged with the dead letter's consumer, code, subject and event id)`,
    body: DiscardBody,
    response: DiscardView,
    status: 200,
  },
]);
