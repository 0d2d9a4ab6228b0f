import { z } from 'zod';
import { CreateSftpDirectoryBody, CreateTenantBody, DirectoryView, ErrorView, RunView, StartRunBody, TenantView } from './schemas';

interface Route {
  method: 'get' | 'post';
  path: string;
  summary: string;
  body?: z.ZodTypeAny;
  response: z.ZodTypeAny;
  status: number;
}

const ROUTES: Route[] = [
  { method: 'post', path: '/v1/tenants', summary: 'Create a tenant', body: CreateTenantBody, response: TenantView, status: 201 },
  { method: 'get', path: '/v1/tenants/{tenantId}', summary: 'Read a tenant', response: TenantView, status: 200 },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/directories',
    summary: 'Create an sftp-csv directory (the password is encrypted at rest and never returned)',
    body: CreateSftpDirectoryBody,
    response: DirectoryView,
    status: 201,
  },
  { method: 'get', path: '/v1/tenants/{tenantId}/directories', summary: 'List directories', response: z.array(DirectoryView), status: 200 },
  { method: 'get', path: '/v1/tenants/{tenantId}/directories/{directoryId}', summary: 'Read a directory', response: DirectoryView, status: 200 },
  {
    method: 'post',
    path: '/v1/tenants/{tenantId}/directories/{directoryId}/runs',
    summary: 'Start a manual run (202 with the queued run; 409 RUN_IN_PROGRESS while another run of the directory is active)',
    body: StartRunBody,
    response: RunView,
    status: 202,
  },
  { method: 'get', path: '/v1/tenants/{tenantId}/directories/{directoryId}/runs', summary: 'List recent runs', response: z.array(RunView), status: 200 },
  { method: 'get', path: '/v1/tenants/{tenantId}/runs/{runId}', summary: 'Read a run: status, counts, problems', response: RunView, status: 200 },
];

const json = (schema: z.ZodTypeAny, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });

/** The OpenAPI 3.1 document of the admin API, built from the same zod schemas that parse requests. */
export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    }));
    paths[r.path] ??= {};
    paths[r.path][r.method] = {
      summary: r.summary,
      security: [{ apiKey: [] }],
      parameters: params,
      ...(r.body ? { requestBody: { required: r.status !== 202, content: { 'application/json': { schema: json(r.body, 'input') } } } } : {}),
      responses: {
        [r.status]: { description: 'OK', content: { 'application/json': { schema: json(r.response, 'output') } } },
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
