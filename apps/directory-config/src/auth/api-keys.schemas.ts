import { z } from 'zod';
import { API_KEY_ROLES } from './api-key.entity';

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(200).describe('What the key is for (shown in lists and logs)'),
    role: z.enum(API_KEY_ROLES).describe('operator: every tenant; tenant-admin: one tenant; read-only: reads of one tenant'),
    tenantId: z.uuid().optional().describe('The tenant of a tenant-admin or read-only key'),
  })
  .strict();

export const ApiKeyView = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(API_KEY_ROLES),
  tenantId: z.uuid().nullable(),
  prefix: z.string().describe('The key starts with rk_<prefix>_'),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

export const CreatedApiKeyView = ApiKeyView.extend({ key: z.string().describe('The key itself: shown once, never stored') });

/** R-SEC-02 `GET /v1/me`: who the calling key is, and nothing secret (never the key nor its hash). */
export const MeView = z.object({
  role: z.enum(API_KEY_ROLES).describe('operator: every tenant; tenant-admin: one tenant; read-only: reads of one tenant'),
  tenantId: z.uuid().nullable().describe('The one tenant the key may touch; null for an operator'),
  key: z
    .discriminatedUnion('kind', [
      z.object({
        kind: z.literal('issued'),
        id: z.uuid(),
        name: z.string(),
        prefix: z.string().describe('The key starts with rk_<prefix>_'),
        createdAt: z.string(),
      }),
      z.object({ kind: z.literal('bootstrap'), name: z.literal('ROSTER_API_KEY').describe('The operator key from the service configuration: it has no id') }),
    ])
    .describe('The key used: one issued with POST /v1/api-keys, or the bootstrap operator key'),
});
export type MeView = z.infer<typeof MeView>;
