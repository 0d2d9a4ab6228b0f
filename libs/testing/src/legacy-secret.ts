import { createCipheriv, randomBytes } from 'node:crypto';

/**
 * A directory secret as directory-config sealed it before envelope encryption (R-SEC-01 v1): AES-256-GCM directly
 * under the master key, additional data `tenant:<t>/directory:<d>`. For tests of v1 compatibility and of the
 * rotation that re-seals such secrets.
 */
export function sealV1Secret(masterKey: string | Buffer, plaintext: string, tenantId: string, directoryId: string) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', typeof masterKey === 'string' ? Buffer.from(masterKey, 'base64') : masterKey, iv);
  cipher.setAAD(Buffer.from(`tenant:${tenantId}/directory:${directoryId}`, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { v: 1 as const, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}
