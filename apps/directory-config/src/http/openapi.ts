import { z } from 'zod';
import {
  CreateDirectoryBody,
  CreateTenantBody,
  DirectoryView,
  ErrorView,
  ListRunsQuery,
  ProblemsPageView,
  HeldRemovalsPageView,
  ProblemsQuery,
  RunView,
  StartRunBody,
  TenantView,
  TestConnectionBody,
  TestConnectionView,
  UpdateDirectoryBody,
} from './schemas';
import { SchedulerTickView } from '../scheduler/scheduler.schemas';
import { ExportAcceptedView, ExportView, RequestExportBody } from '../exports/exports.schemas';
import { DEAD_LETTER_ROUTES } from '../dead-letters/dead-letters.openapi';
import { API_KEY_ROUTES, ME_ROUTES } from '../auth/api-keys.openapi';
import { REPLAY_ROUTES } from '../replay/replays.openapi';
import { ACTIVATION_ROUTES } from '../activation/activation.openapi';
import { ANONYMIZATION_ROUTES } from '../anonymization/anonymization.openapi';
import { KEY_ROUTES } from '../keys/keys.openapi';
import { USER_ROUTES } from '../users/users.openapi';
import { REPLAY_STREAMS } from '../replay/replay-consumer';

export interface Route {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  body?: z.ZodTypeAny;
  query?: z.ZodObject;
  response?: z.ZodTypeAny;
  status: number;
  /**
   * Who may call it, written as `x-roster-access`: by default a path with `{tenantId}` is the tenant's (operators
   * and that tenant's keys) and any other an operator's; `caller` marks a read about the calling key itself, open
   * to every key (its controller has `@CallerScoped()`).
   */
  access?: 'caller';
}

const ROUTES: Route[] = [
  { method: 'post', path: '/v1/tenants', summary: 'Create a tenant', body: CreateTenantBody, response: TenantView, status: 201 },
  { method: 'get', path: '/v1/tenants/{tenantId}', summary: 'Read a tenant', response: TenantView, status: 200 },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/directories',
    summary:
      'Create a directory: sftp-csv (the password or private key is encrypted at rest and never returned), hris-api (the account token likewise; page size 1..100; base URL https to a public address) or event (R-EVT-02: only a policy and recipients; services publish its employee events on ROSTER_INBOUND, each micro-batch a run with trigger event)',
    body: CreateDirectoryBody,
    response: DirectoryView,
    status: 201,
  },
  { method: 'get', path: '/v1/tenants/{tenantId}/directories', summary: 'List directories, oldest first; 404 TENANT_NOT_FOUND for a tenant that does not exist', response: z.array(DirectoryView), status: 200 },
  { method: 'get', path: '/v1/tenants/{tenantId}/directories/{directoryId}', summary: 'Read a directory', response: DirectoryView, status: 200 },
  {
    method: 'patch',
    path: '/v1/tenants/{tenantId}/directories/{directoryId}',
    summary:
      "Update a directory: only the given fields change; a new password, privateKey or accountToken replaces the sealed one, an omitted one is kept, null removes a password or privateKey (one must remain); settings of the other directory type are refused; recipients must be users of the tenant (400 RECIPIENT_NOT_A_USER)",
    body: UpdateDirectoryBody,
    response: DirectoryView,
    status: 200,
  },
  {
    method: 'delete',
    path: '/v1/tenants/{tenantId}/directories/{directoryId}',
    summary: 'Delete a directory (its runs stay readable); 409 RUN_IN_PROGRESS while a run is active',
    status: 204,
  },
  { method: 'post', path: '/v1/tenants/{tenantId}/directories/{directoryId}/disable', summary: 'Disable a directory (no run starts)', response: DirectoryView, status: 200 },
  { method: 'post', path: '/v1/tenants/{tenantId}/directories/{directoryId}/enable', summary: 'Enable a directory', response: DirectoryView, status: 200 },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/directories/{directoryId}/test',
    summary:
      "Test a saved directory's connection. sftp-csv: ok with the host-key fingerprint, or a code (UNREACHABLE, HOST_KEY_MISMATCH, AUTH_FAILED, FOLDER_MISSING) and the reason. hris-api: ok with the linked HR system, or a code (BAD_API_KEY, BAD_ACCOUNT_TOKEN, UNREACHABLE, RATE_LIMITED, BAD_BASE_URL, NOT_CONFIGURED) and the reason. event: ok (nothing to connect to). 503 SOURCE_UNAVAILABLE when file-ingest or connector-gateway does not answer",
    response: TestConnectionView,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/directories/test',
    summary: "Test settings before saving them (`type` sftp-csv, the default, or hris-api); without hostKeyFingerprint an SFTP answer carries the server's, to pin",
    body: TestConnectionBody,
    response: TestConnectionView,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/directories/{directoryId}/runs',
    summary: 'Start a manual run (202 with the queued run; 409 RUN_IN_PROGRESS while another run of the directory is active; 409 DIRECTORY_HAS_NO_SOURCE for an event directory, whose runs come from its events)',
    body: StartRunBody,
    response: RunView,
    status: 202,
  },
  {
    method: 'get',
    path: '/v1/tenants/{tenantId}/directories/{directoryId}/runs',
    summary: 'List recent runs, newest first, optionally of one status',
    query: ListRunsQuery,
    response: z.array(RunView),
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/runs/{runId}/approve',
    summary: 'R-SAFE-01: approve a run held in awaiting-approval; the reconciler applies exactly the held plan. 202; 409 RUN_NOT_AWAITING_APPROVAL',
    response: RunView,
    status: 202,
  },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/runs/{runId}/reject',
    summary: 'R-SAFE-01: reject a run held in awaiting-approval; nothing of it is applied and it fails (SAFEGUARD_REJECTED). 202; 409 RUN_NOT_AWAITING_APPROVAL',
    response: RunView,
    status: 202,
  },
  { method: 'get', path: '/v1/tenants/{tenantId}/runs/{runId}', summary: 'Read a run: status, counts, its first problems', response: RunView, status: 200 },
  {
    method: 'get',
    path: '/v1/tenants/{tenantId}/runs/{runId}/stream',
    summary:
      'Follow a run live as server-sent events (text/event-stream): `event: run` with the run view (as GET …/runs/{runId}) first and on every change, `event: end` when the run is final; pushed from the run lifecycle events, re-read at least every second; 404 RUN_NOT_FOUND before the stream starts',
    response: RunView,
    status: 200,
  },
  {
    method: 'get',
    path: '/v1/tenants/{tenantId}/runs/{runId}/problems',
    summary: 'Every record-level problem of a run, paged; 503 DIRECTORY_QUERY_UNAVAILABLE when the reconciler does not answer',
    query: ProblemsQuery,
    response: ProblemsPageView,
    status: 200,
  },
  {
    method: 'get',
    path: '/v1/tenants/{tenantId}/runs/{runId}/held-removals',
    summary:
      'R-SAFE-01: every user a run held in awaiting-approval would deactivate or delete, by email, paged (the run carries the first 100); total 0 for a run that holds nobody',
    query: ProblemsQuery,
    response: HeldRemovalsPageView,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/exports',
    summary:
      "Export the tenant's users as CSV in the import's labels, mailed to `email` (R-EXP-01); 202 with the export id; 400 RECIPIENT_NOT_A_USER when the address is not a user of the tenant",
    body: RequestExportBody,
    response: ExportAcceptedView,
    status: 202,
  },
  {
    method: 'get',
    path: '/v1/tenants/{tenantId}/exports/{exportId}',
    summary:
      "R-EXP-01: an export's status — requested → building → ready → mailed, or failed with the dead letter's code and reason (stage build or mail) — with the rows exported, the recipient and when each step happened; kept from the export events; 404 EXPORT_NOT_FOUND for an unknown id or another tenant's export",
    response: ExportView,
    status: 200,
  },
  {
    method: 'post',
    path: '/v1/scheduler/tick',
    summary:
      "Operators: run one scheduler tick now, at the server's time (no body; a clock cannot be passed): starts a run (trigger schedule) for every enabled directory whose next run is due, skips those with a run in progress, and advances each one's next run (R-DIR-04)",
    response: SchedulerTickView,
    status: 200,
  },
  ...DEAD_LETTER_ROUTES,
  ...API_KEY_ROUTES,
  ...ME_ROUTES,
  ...REPLAY_ROUTES,
  ...KEY_ROUTES,
  ...USER_ROUTES,
  ...ANONYMIZATION_ROUTES,
  ...ACTIVATION_ROUTES,
];

/** Path parameters that are not ids. */
const PATH_PARAMETERS: Record<string, Record<string, unknown>> = {
  sequence: { type: 'integer', minimum: 1 },
  stream: { type: 'string', enum: [...REPLAY_STREAMS] },
  name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
};

const json = (schema: z.ZodTypeAny, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });

/** The OpenAPI 3.1 document of the admin API, built from the same zod schemas that parse requests. */
export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: PATH_PARAMETERS[name] ?? { type: 'string', format: 'uuid' },
    }));
    const query = Object.entries(r.query?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: false,
      schema: json(schema as z.ZodTypeAny, 'input'),
    }));
    paths[r.path] ??= {};
    paths[r.path][r.method] = {
      summary: r.summary,
      security: [{ apiKey: [] }],
      'x-roster-access': r.access ?? (r.path.includes('{tenantId}') ? 'tenant' : 'operator'),
      parameters: [...params, ...query],
      ...(r.body ? { requestBody: { required: r.status !== 202, content: { 'application/json': { schema: json(r.body, 'input') } } } } : {}),
      responses: {
        [r.status]: r.response
          ? { description: 'OK', content: { 'application/json': { schema: json(r.response, 'output') } } }
          : { description: 'No content' },
        default: { description: 'Error with a stable code', content: { 'application/json': { schema: json(ErrorView, 'output') } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Roster admin API', version: '1.0.0' },
    components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
    paths,
  };
}
