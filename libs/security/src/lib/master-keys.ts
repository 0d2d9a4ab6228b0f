import { createHash } from 'node:crypto';

/** Thrown for bad key material and for secrets that do not open; never carries key material or plaintext. */
export class SecretBoxError extends Error {
  /** The failure code a run or a connection test reports (the message says which key or owner). */
  readonly code = 'SECRET_UNAVAILABLE';

  constructor(
    message: string,
    /** `UNKNOWN_MASTER_KEY`: wrapped under a master key this service is not configured with; `UNREADABLE`: wrong key, owner or tampered data. */
    readonly reason: 'BAD_KEY' | 'UNKNOWN_MASTER_KEY' | 'UNREADABLE' = 'UNREADABLE',
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export interface MasterKey {
  /** A short SHA-256 fingerprint of the key: names it in sealed secrets, logs and reports (not secret). */
  id: string;
  key: Buffer;
}

const toKey = (key: Buffer | string): Buffer => {
  const raw = typeof key === 'string' ? Buffer.from(key, 'base64') : key;
  if (raw.length !== 32) throw new SecretBoxError('a master key must be 32 bytes, base64-encoded', 'BAD_KEY');
  return raw;
};

/**
 * A master key's id: the first 16 hex digits of SHA-256 over a label and the key. Derived, so operators never
 * name keys; one-way (a 256-bit random key cannot be recovered from it), so it may be logged and stored.
 */
export function masterKeyId(key: Buffer | string): string {
  return createHash('sha256').update('roster/master-key-id/v1\0').update(toKey(key)).digest('hex').slice(0, 16);
}

/**
 * R-SEC-01: the master keys a service holds — the current one (`ROSTER_SECRETS_KEY`), which wraps every new data
 * key, and previous ones (`ROSTER_SECRETS_PREVIOUS_KEYS`), which only unwrap, so a rotation never stops a service
 * that still meets a data key wrapped under the old key.
 */
export class MasterKeyRing {
  readonly current: MasterKey;
  private readonly byId = new Map<string, Buffer>();

  constructor(current: Buffer | string, previous: readonly (Buffer | string)[] = []) {
    const key = toKey(current);
    this.current = { id: masterKeyId(key), key };
    this.byId.set(this.current.id, key);
    for (const p of previous) {
      const k = toKey(p);
      const id = masterKeyId(k);
      if (!this.byId.has(id)) this.byId.set(id, k);
    }
  }

  /** Every configured key's id, the current one first. */
  get ids(): string[] {
    return [...this.byId.keys()];
  }

  /** The ids of the previous keys (unwrap only). */
  get previousIds(): string[] {
    return this.ids.filter((id) => id !== this.current.id);
  }

  find(id: string): Buffer | undefined {
    return this.byId.get(id);
  }

  /** Every key, the current one first (v1 secrets do not name their key: each is tried). */
  all(): MasterKey[] {
    return [...this.byId].map(([id, key]) => ({ id, key }));
  }
}
