import { randomUUID } from 'node:crypto';
import { UuidList } from './safeguard';

describe('UuidList (R-SAFE-01 keeps the users a run would remove in 16 bytes each)', () => {
  it('gives back every uuid pushed, in order, in chunks, across its growth', () => {
    const ids = Array.from({ length: 5000 }, () => randomUUID());
    const list = new UuidList();
    for (const id of ids) list.push(id);
    expect(list.size).toBe(5000);
    const chunks = [...list.chunks(1000)];
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(chunks.flat()).toEqual(ids);
  });

  it('refuses what is not a uuid', () => {
    expect(() => new UuidList().push('not-a-uuid')).toThrow(/not a uuid/);
  });
});
