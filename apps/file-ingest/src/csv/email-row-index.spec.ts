import fc from 'fast-check';
import { EmailRowIndex, hash64 } from './email-row-index';

describe('EmailRowIndex (R-CSV-02 unique emails, in bounded memory)', () => {
  it('R-CSV-02 answers the first row of an email seen before, across growth, exactly like a Map', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a@x.io', 'b@x.io', 'c@x.io', 'd@x.io', 'é@x.io', ''), { maxLength: 60 }), fc.array(fc.emailAddress(), { maxLength: 200 }), (few, many) => {
        const index = new EmailRowIndex(16);
        const map = new Map<string, number>();
        [...few, ...many, ...few].forEach((email, i) => {
          const row = i + 2;
          const expected = map.get(email);
          if (expected === undefined) map.set(email, row);
          expect(index.firstRowOrAdd(email, row)).toBe(expected);
        });
        expect(index.count).toBe(map.size);
      }),
      { numRuns: 200 },
    );
  });

  it('R-CSV-02 keeps 100k distinct emails apart (no false duplicate) in typed arrays', () => {
    const index = new EmailRowIndex();
    for (let i = 0; i < 100_000; i++) expect(index.firstRowOrAdd(`user${i}@acme.test`, i + 2)).toBeUndefined();
    expect(index.firstRowOrAdd('user99999@acme.test', 1)).toBe(100_001);
    expect(index.count).toBe(100_000);
  });

  it('hashes differ for strings that differ in one code unit or in length', () => {
    expect(hash64('ann@acme.io')).not.toEqual(hash64('anm@acme.io'));
    expect(hash64('a')).not.toEqual(hash64('a\u0000'));
  });
});
