import { z } from 'zod';
import type { Route } from '../http/openapi';
import { ApiKeyView, CreateApiKeyBody, CreatedApiKeyView } from './api-keys.schemas';

/** R-SEC-02 routes: operators only. */
export const API_KEY_ROUTES: Route[] = [
  {
    method: 'post',
    path: '/v1/api-keys',
    summary:
      'R-SEC-02 Issue an API key: operator (every tenant), tenant-admin (one tenant) or read-only (reads of one tenant). The key is in this answer only; its SHA-256 is what is stored',
    body: CreateApiKeyBody,
    response: CreatedApiKeyView,
    status: 201,
  },
  { method: 'get', path: '/v1/api-keys', summary: 'R-SEC-02 List the issued API keys (never the keys themselves)', response: z.array(ApiKeyView), status: 200 },
  { method: 'delete', path: '/v1/api-keys/{keyId}', summary: 'R-SEC-02 Revoke an API key: it fails from the next request on', response: ApiKeyView, status: 200 },
];
