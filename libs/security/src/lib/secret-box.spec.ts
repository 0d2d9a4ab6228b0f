import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { SealedSecret } from '@roster/contracts';
import { SealedSecret as SealedSecretSchema } from '@roster/contracts';
import { MasterKeyRing, SecretBoxError, masterKeyId } from './master-keys';
import { SecretBox, directorySecretOwner, secretOwnerText, type SecretOwner } from './secret-box';

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');
const owner = directorySecretOwner('t1', 'd1');
const CANARY = 'hunter2-canary-secret';

/** A v1 secret as the box sealed them before envelope encryption: AES-256-GCM directly under the master key. */
function sealV1(key: string, plaintext: string, o: SecretOwner): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64'), iv);
  cipher.setAAD(Buffer.from(secretOwnerText(o), 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

const flip = (b64: string, at = 0) => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[at] ^= 1;
  return bytes.toString('base64');
};

/** The error a call throws, asserting it is a SecretBoxError that echoes no secret and no key. */
function failure(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SecretBoxError);
    const text = `${String(e)} ${(e as Error).stack ?? ''}`;
    for (const secret of [CANARY, oldKey, newKey]) expect(text).not.toContain(secret);
    return e as SecretBoxError;
  }
  throw new Error('expected a SecretBoxError');
}

describe('SecretBox envelope encryption (R-SEC-01 secrets encrypted at rest)', () => {
  it('R-SEC-01 round-trips any secret as v2 under the tenant data key and never stores the plaintext', () => {
    const box = new SecretBox(newKey);
    const dek = box.newDataKey('t1');
    fc.assert(
      fc.property(fc.string({ minLength: 4 }), (secret) => {
        const sealed = box.seal(secret, owner, dek);
        expect(sealed).toMatchObject({ v: 2, dek: { kid: box.masterKeyId } });
        expect(SealedSecretSchema.parse(sealed)).toEqual(sealed);
        expect(JSON.stringify(sealed)).not.toContain(secret.length > 6 ? secret : '\u0000never');
        expect(box.open(sealed, owner)).toBe(secret);
      }),
      { numRuns: 200 },
    );
  });

  it('R-SEC-01 uses a fresh nonce per encryption, for secrets and for wrapped data keys', () => {
    const box = new SecretBox(newKey);
    const dek = box.newDataKey('t1');
    expect(box.seal('same', owner, dek).iv).not.toBe(box.seal('same', owner, dek).iv);
    expect(box.rewrap(dek).wrapped.iv).not.toBe(dek.wrapped.iv);
    expect(box.newDataKey('t1').key.equals(dek.key)).toBe(false);
  });

  it('R-SEC-01 wraps a data key under the current master key and unwraps it to the same key', () => {
    const box = new SecretBox(newKey);
    const dek = box.newDataKey('t1');
    expect(dek.key).toHaveLength(32);
    expect(dek.wrapped.kid).toBe(masterKeyId(newKey));
    expect(JSON.stringify(dek.wrapped)).not.toContain(dek.key.toString('base64'));
    expect(box.unwrapDataKey('t1', dek.wrapped).key.equals(dek.key)).toBe(true);
    // A wrapped data key is bound to its tenant.
    expect(failure(() => box.unwrapDataKey('t2', dek.wrapped)).message).toMatch(/could not be decrypted/);
  });

  it('R-SEC-01 a wrong master key cannot open a secret, and says which master key it would need', () => {
    const sealed = new SecretBox(oldKey).seal(CANARY, owner, new SecretBox(oldKey).newDataKey('t1'));
    const other = new SecretBox(newKey);
    const e = failure(() => other.open(sealed, owner));
    expect(e.reason).toBe('UNKNOWN_MASTER_KEY');
    expect(e.message).toContain(masterKeyId(oldKey));
    expect(e.message).toContain(`current ${masterKeyId(newKey)}`);
    expect(e.message).toContain('tenant:t1/directory:d1');
    // The kid relabelled to the other key's id: the wrapping is authenticated, so it still does not open.
    expect(failure(() => other.open({ ...sealed, dek: { ...sealed.dek, kid: other.masterKeyId } } as SealedSecret, owner)).reason).toBe('UNREADABLE');
  });

  it('R-SEC-01 a previous master key still opens (rotation without downtime); only the current one wraps', () => {
    const before = new SecretBox(oldKey);
    const dek = before.newDataKey('t1');
    const sealed = before.seal(CANARY, owner, dek);

    const during = new SecretBox(new MasterKeyRing(newKey, [oldKey]));
    expect(during.keys.ids).toEqual([masterKeyId(newKey), masterKeyId(oldKey)]);
    expect(during.keys.previousIds).toEqual([masterKeyId(oldKey)]);
    expect(during.open(sealed, owner)).toBe(CANARY);
    expect(during.newDataKey('t1').wrapped.kid).toBe(masterKeyId(newKey));
    // The rotation: the same data key re-wrapped under the new key; the secret re-sealed with it.
    const rewrapped = during.rewrap(during.unwrapDataKey('t1', dek.wrapped));
    expect(rewrapped.key.equals(dek.key)).toBe(true);
    expect(rewrapped.wrapped.kid).toBe(masterKeyId(newKey));
    const resealed = during.seal(during.open(sealed, owner), owner, rewrapped);
    expect(during.isCurrent(sealed, rewrapped)).toBe(false);
    expect(during.isCurrent(resealed, rewrapped)).toBe(true);

    // Once the old key is removed: the re-sealed secret opens, the one left behind does not.
    const after = new SecretBox(newKey);
    expect(after.open(resealed, owner)).toBe(CANARY);
    expect(failure(() => after.open(sealed, owner)).reason).toBe('UNKNOWN_MASTER_KEY');
  });

  it('R-SEC-01 refuses any tampered byte, another owner, or a data key of another tenant, without echoing the secret', () => {
    const box = new SecretBox(newKey);
    const dek = box.newDataKey('t1');
    const sealed = box.seal(CANARY, owner, dek);
    const tampered: SealedSecret[] = [
      { ...sealed, data: flip(sealed.data) },
      { ...sealed, tag: flip(sealed.tag) },
      { ...sealed, iv: flip(sealed.iv) },
      { ...sealed, dek: { ...sealed.dek, data: flip(sealed.dek.data) } },
      { ...sealed, dek: { ...sealed.dek, tag: flip(sealed.dek.tag) } },
      { ...sealed, dek: { ...sealed.dek, iv: flip(sealed.dek.iv) } },
    ];
    for (const t of tampered) expect(failure(() => box.open(t, owner)).message).toMatch(/could not be decrypted/);
    expect(failure(() => box.open(sealed, directorySecretOwner('t2', 'd1'))).message).toMatch(/could not be decrypted/);
    expect(failure(() => box.open(sealed, directorySecretOwner('t1', 'd2'))).message).toMatch(/could not be decrypted/);
    // Another tenant's wrapped data key moved into this tenant's secret does not open either.
    const foreign = box.seal(CANARY, directorySecretOwner('t2', 'd1'), box.newDataKey('t2'));
    expect(() => box.open({ ...sealed, dek: foreign.dek }, owner)).toThrow(SecretBoxError);
    expect(() => box.seal(CANARY, directorySecretOwner('t2', 'd1'), dek)).toThrow(/cannot seal a secret of tenant t2/);
  });

  it('R-SEC-01 v1 secrets (sealed directly under the master key) still open, under the current or a previous key', () => {
    const v1 = sealV1(oldKey, CANARY, owner);
    expect(SealedSecretSchema.parse(v1)).toEqual(v1);
    expect(new SecretBox(oldKey).open(v1, owner)).toBe(CANARY);
    expect(new SecretBox(new MasterKeyRing(newKey, [oldKey])).open(v1, owner)).toBe(CANARY);
    expect(failure(() => new SecretBox(newKey).open(v1, owner)).message).toMatch(/could not be decrypted with any configured master key/);
    expect(failure(() => new SecretBox(oldKey).open({ ...v1, data: flip(v1.data) }, owner)).reason).toBe('UNREADABLE');
    expect(failure(() => new SecretBox(oldKey).open(v1, directorySecretOwner('t1', 'd2'))).reason).toBe('UNREADABLE');
    // Never current: a rotation re-seals it as v2.
    const box = new SecretBox(oldKey);
    expect(box.isCurrent(v1, box.newDataKey('t1'))).toBe(false);
  });

  it('R-SEC-01 derives a master key id that names the key without revealing it', () => {
    expect(masterKeyId(oldKey)).toMatch(/^[0-9a-f]{16}$/);
    expect(masterKeyId(oldKey)).toBe(masterKeyId(Buffer.from(oldKey, 'base64')));
    expect(masterKeyId(oldKey)).not.toBe(masterKeyId(newKey));
    expect(Buffer.from(oldKey, 'base64').toString('hex')).not.toContain(masterKeyId(oldKey));
    // The same key twice in the ring is one key.
    expect(new MasterKeyRing(newKey, [oldKey, newKey, oldKey]).ids).toHaveLength(2);
  });

  it('rejects a master key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => new MasterKeyRing(newKey, [randomBytes(31)])).toThrow(/32 bytes/);
  });
});
