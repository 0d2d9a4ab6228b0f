import { createHash } from 'node:crypto';

/** OpenSSH's SHA-256 fingerprint of a raw public key blob: `SHA256:<base64 without padding>`. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
