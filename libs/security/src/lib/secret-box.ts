import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedSecret, WrappedDataKey } from '@roster/contracts';
import { MasterKeyRing, SecretBoxError } from './master-keys';

/** The directory a secret belongs to: its ciphertext opens for this tenant and directory only. */
export interface SecretOwner {
  tenantId: string;
  directoryId: string;
}

/** The owner secrets of a directory are bound to. */
export const directorySecretOwner = (tenantId: string, directoryId: string): SecretOwner => ({ tenantId, directoryId });

/** The additional data of a secret's ciphertext (the same in v1 and v2). */
export const secretOwnerText = (owner: SecretOwner) => `tenant:${owner.tenantId}/directory:${owner.directoryId}`;

/**
 * A tenant's data key in memory, with the wrapped form that is stored and travels inside each v2 secret.
 * Never logged, never stored unwrapped.
 */
export interface DataKey {
  readonly tenantId: string;
  readonly key: Buffer;
  readonly wrapped: WrappedDataKey;
}

export type SealedSecretV2 = Extract<SealedSecret, { v: 2 }>;

interface GcmBox {
  iv: string;
  tag: string;
  data: string;
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: string): GcmBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Throws on a wrong key, wrong additional data or any changed byte (GCM authenticates all three). */
function gcmOpen(key: Buffer, box: GcmBox, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]);
}

/** A wrapped data key opens for its tenant under the master key it names, nowhere else. */
const wrapAad = (tenantId: string, kid: string) => `roster/data-key/tenant:${tenantId}/master-key:${kid}`;

const sameWrapping = (a: WrappedDataKey, b: WrappedDataKey) => a.kid === b.kid && a.iv === b.iv && a.tag === b.tag && a.data === b.data;

/**
 * R-SEC-01 envelope encryption. A secret is sealed with AES-256-GCM (random 96-bit nonce, additional data =
 * tenant + directory) under its tenant's data key; the data key is wrapped with AES-256-GCM under the current
 * master key and carried inside the sealed secret (v2), so a source service opens it with its master keys alone,
 * without reading directory-config's tables. v1 secrets (sealed directly under a master key) still open.
 * Errors never echo key material, ciphertext or plaintext.
 */
export class SecretBox {
  readonly keys: MasterKeyRing;

  /** A key ring, or one master key (32 raw bytes or their base64). */
  constructor(keys: MasterKeyRing | Buffer | string) {
    this.keys = keys instanceof MasterKeyRing ? keys : new MasterKeyRing(keys);
  }

  /** The id of the master key new data keys are wrapped under. */
  get masterKeyId(): string {
    return this.keys.current.id;
  }

  /** A fresh random data key for the tenant, wrapped under the current master key. */
  newDataKey(tenantId: string): DataKey {
    const key = randomBytes(32);
    return { tenantId, key, wrapped: this.wrap(tenantId, key) };
  }

  /** The same data key, wrapped again under the current master key (a master-key rotation). */
  rewrap(dataKey: DataKey): DataKey {
    return { tenantId: dataKey.tenantId, key: dataKey.key, wrapped: this.wrap(dataKey.tenantId, dataKey.key) };
  }

  /** Unwraps a tenant's data key with the master key it names (current or previous). */
  unwrapDataKey(tenantId: string, wrapped: WrappedDataKey): DataKey {
    const master = this.keys.find(wrapped.kid);
    if (!master) {
      const previous = this.keys.previousIds;
      throw new SecretBoxError(
        `the data key of tenant ${tenantId} is wrapped under master key ${wrapped.kid}, which this service does not hold ` +
          `(current ${this.keys.current.id}${previous.length ? `, previous ${previous.join(', ')}` : ''}); ` +
          'add that key to ROSTER_SECRETS_PREVIOUS_KEYS until a rotation has re-wrapped every data key',
        'UNKNOWN_MASTER_KEY',
      );
    }
    let key: Buffer;
    try {
      key = gcmOpen(master, wrapped, wrapAad(tenantId, wrapped.kid));
    } catch {
      throw new SecretBoxError(`the data key of tenant ${tenantId} could not be decrypted (another tenant's, or tampered data)`);
    }
    if (key.length !== 32) throw new SecretBoxError(`the data key of tenant ${tenantId} is not 32 bytes`);
    return { tenantId, key, wrapped };
  }

  /** Seals a secret of `owner` with its tenant's data key (v2). */
  seal(plaintext: string, owner: SecretOwner, dataKey: DataKey): SealedSecretV2 {
    if (dataKey.tenantId !== owner.tenantId) {
      throw new SecretBoxError(`a data key of tenant ${dataKey.tenantId} cannot seal a secret of tenant ${owner.tenantId}`);
    }
    return { v: 2, dek: { ...dataKey.wrapped }, ...gcmSeal(dataKey.key, Buffer.from(plaintext, 'utf8'), secretOwnerText(owner)) };
  }

  /** Opens a v1 or v2 secret of `owner`, in memory only. */
  open(sealed: SealedSecret, owner: SecretOwner): string {
    const who = secretOwnerText(owner);
    if (sealed.v === 1) {
      // v1 does not name its key: each configured master key is tried (GCM's tag tells the right one).
      for (const { key } of this.keys.all()) {
        try {
          return gcmOpen(key, sealed, who).toString('utf8');
        } catch {
          // the next key
        }
      }
      throw new SecretBoxError(`secret for ${who} could not be decrypted with any configured master key (wrong key, owner or tampered data)`);
    }
    let dataKey: DataKey;
    try {
      dataKey = this.unwrapDataKey(owner.tenantId, sealed.dek);
    } catch (e) {
      const reason = e instanceof SecretBoxError ? e.reason : 'UNREADABLE';
      throw new SecretBoxError(`secret for ${who} could not be decrypted: ${(e as Error).message}`, reason);
    }
    try {
      return gcmOpen(dataKey.key, sealed, who).toString('utf8');
    } catch {
      // A wrong owner or a tampered byte look the same.
      throw new SecretBoxError(`secret for ${who} could not be decrypted (wrong owner or tampered data)`);
    }
  }

  /** True when `sealed` is sealed (v2) with this very data key as wrapped now: a rotation has nothing to do. */
  isCurrent(sealed: SealedSecret, dataKey: DataKey): boolean {
    return sealed.v === 2 && sameWrapping(sealed.dek, dataKey.wrapped);
  }

  private wrap(tenantId: string, key: Buffer): WrappedDataKey {
    const { id, key: master } = this.keys.current;
    return { kid: id, ...gcmSeal(master, key, wrapAad(tenantId, id)) };
  }
}
