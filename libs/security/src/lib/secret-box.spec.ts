import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { SecretBox, SecretBoxError, directorySecretOwner } from './secret-box';

const key = randomBytes(32).toString('base64');
const owner = directorySecretOwner('t1', 'd1');

describe('SecretBox (R-SEC-01 secrets encrypted at rest)', () => {
  it('R-SEC-01 round-trips any secret and never stores the plaintext', () => {
    const box = new SecretBox(key);
    fc.assert(
      fc.property(fc.string({ minLength: 4 }), (secret) => {
        const sealed = box.seal(secret, owner);
        expect(JSON.stringify(sealed)).not.toContain(secret.length > 6 ? secret : '\u0000never');
        expect(box.open(sealed, owner)).toBe(secret);
      }),
      { numRuns: 200 },
    );
  });

  it('R-SEC-01 uses a fresh nonce per encryption', () => {
    const box = new SecretBox(key);
    expect(box.seal('same', owner).iv).not.toBe(box.seal('same', owner).iv);
  });

  it('R-SEC-01 refuses a flipped byte, another owner, or another key, without echoing the secret', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('hunter2-canary', owner);
    const data = Buffer.from(sealed.data, 'base64');
    data[0] ^= 1;
    expect(() => box.open({ ...sealed, data: data.toString('base64') }, owner)).toThrow(SecretBoxError);
    expect(() => box.open(sealed, directorySecretOwner('t2', 'd1'))).toThrow(/could not be decrypted/);
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed, owner)).toThrow(SecretBoxError);
    try {
      box.open(sealed, 'other');
    } catch (e) {
      expect(String(e)).not.toContain('hunter2');
    }
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
