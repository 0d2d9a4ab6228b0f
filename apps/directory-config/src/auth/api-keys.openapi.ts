import { z } from 'zod';
import type { Route } from '../http/openapi';
import { ApiKeyView, CreateApiKeyBody, CreatedApiKeyView, MeView } from './api-keys.schemas';

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

/** R-SEC-02: the one caller-scoped route: every authenticated key may read who it is. */
export const ME_ROUTES: Route[] = [
  {
    method: 'get',
    path: '/v1/me',
    summary:
      'R-SEC-02 Who the calling key is: its role, the tenant it is scoped to (null for an operator) and the key (id, name, prefix; or the bootstrap operator key), never the key or its hash. Any valid key may call it; 401 UNAUTHENTICATED otherwise',
    response: MeView,
    status: 200,
    access: 'caller',
  },
];
