import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedSecret } from '@roster/contracts';

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * AES-256-GCM with a random 96-bit nonce per seal. The additional data binds a ciphertext to its owner
 * (tenant + directory), so a secret copied to another directory or tenant does not open.
 */
export class SecretBox {
  private readonly key: Buffer;

  /** `key`: 32 raw bytes, or their base64 text. */
  constructor(key: Buffer | string) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'base64') : key;
    if (this.key.length !== 32) throw new SecretBoxError('the secrets key must be 32 bytes, base64-encoded');
  }

  seal(plaintext: string, owner: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open(sealed: SealedSecret, owner: string): string {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(owner, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // Never echo key material or ciphertext: a wrong key, owner or a tampered byte all look the same.
      throw new SecretBoxError(`secret for ${owner} could not be decrypted (wrong key, owner or tampered data)`);
    }
  }
}

/** The owner string secrets of a directory are bound to. */
export const directorySecretOwner = (tenantId: string, directoryId: string) => `tenant:${tenantId}/directory:${directoryId}`;
