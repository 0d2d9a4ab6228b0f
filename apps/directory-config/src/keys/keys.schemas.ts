import { z } from 'zod';

export const RotateKeysBody = z
  .object({
    rotateDataKeys: z
      .boolean()
      .default(false)
      .describe("Also replace each tenant's data key with a new one and re-seal its secrets (default: only re-wrap it under the current master key)"),
    tenantIds: z.array(z.uuid()).min(1).max(1000).optional().describe('Only these tenants (default: every tenant)'),
  })
  .strict();
export type RotateKeysBody = z.infer<typeof RotateKeysBody>;

const count = z.number().int().nonnegative();

export const KeyRotationView = z.object({
  masterKeyId: z.string().describe('The id (a SHA-256 fingerprint) of the current master key, ROSTER_SECRETS_KEY'),
  previousMasterKeyIds: z.array(z.string()).describe('The ids of ROSTER_SECRETS_PREVIOUS_KEYS'),
  tenants: count,
  dataKeys: z.object({ created: count, rewrapped: count, rotated: count, unchanged: count }),
  secrets: z.object({ resealed: count, unchanged: count }),
  failed: z.array(z.object({ tenantId: z.uuid(), code: z.string(), message: z.string() })).describe('Tenants left as they were, with the reason'),
  remaining: z
    .object({ dataKeys: count, secrets: count })
    .describe('Across every tenant, what still needs another master key; both 0: the previous keys can be removed'),
});
