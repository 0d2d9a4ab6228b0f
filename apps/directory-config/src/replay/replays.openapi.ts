import { z } from 'zod';
import type { Route } from '../http/openapi';
import { RunView } from '../http/schemas';
import { CreateReplayBody, ListReplaysQuery, ReplayView } from './replays.schemas';

const SCOPES = [
  { prefix: '/v1/replays', who: 'Operators (any subject of the stream)' },
  { prefix: '/v1/tenants/{tenantId}/replays', who: "The tenant's (the filter is pinned to the tenant's subjects)" },
] as const;

/** R-OPS-01 routes: replay consumers (operator-wide and tenant-scoped) and re-runs. */
export const REPLAY_ROUTES: Route[] = [
  ...SCOPES.flatMap(({ prefix, who }): Route[] => [
    {
      method: 'post',
      path: prefix,
      summary: `R-OPS-01 ${who}: a new consumer (durable, named replay-<name>, or ephemeral) on ROSTER_DIRECTORY, ROSTER_RUNS, ROSTER_RECORDS or ROSTER_INBOUND that re-delivers retained messages from startTime or startSequence on a subject filter, with the end bound (endTime resolved to the last stream sequence at or before it) in endSequence; nothing is re-published. 201 created; 200 when a consumer of that name exists with the same parameters (nothing changes); 409 REPLAY_CONFLICT when it exists with others`,
      body: CreateReplayBody,
      response: ReplayView,
      status: 201,
    },
    { method: 'get', path: prefix, summary: `R-OPS-01 ${who}: list replay consumers (optionally of one stream)`, query: ListReplaysQuery, response: z.array(ReplayView), status: 200 },
    { method: 'get', path: `${prefix}/{stream}/{name}`, summary: `R-OPS-01 ${who}: one replay consumer and its progress; 404 REPLAY_NOT_FOUND`, response: ReplayView, status: 200 },
    { method: 'delete', path: `${prefix}/{stream}/{name}`, summary: `R-OPS-01 ${who}: delete a replay consumer (the stream is untouched); 404 REPLAY_NOT_FOUND`, status: 204 },
  ]),
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/runs/{runId}/rerun',
    summary:
      "R-OPS-01: re-run a finished run from its retained source record batches (ROSTER_RECORDS): 202 with the new run (trigger replay, rerunOf), whose records are the original's, applied by the reconciler with the directory's current policy like any run; 409 RUN_IN_PROGRESS while the directory has an active run, 409 RUN_NOT_RERUNNABLE for a run not finished or whose fetch was incomplete or failed, 410 RUN_RECORDS_NOT_RETAINED when its batches expired (ROSTER_RECORDS keeps 7 days)",
    response: RunView,
    status: 202,
  },
];
