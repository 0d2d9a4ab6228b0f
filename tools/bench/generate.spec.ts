import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADERS, badKindOf, duplicateOf, layout, writeUsersFile } from './generate';

describe('bench users files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roster-bench-gen-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const lines = (path: string) => readFileSync(path, 'utf8').split('\r\n').filter(Boolean);

  it('duplicates repeat a valid earlier employee at every size', () => {
    for (const rows of [1_000, 2_500, 100_000, 300_000, 1_000_000, 10_000_000]) {
      const { employees, duplicates } = layout(rows);
      expect(duplicateOf(duplicates - 1)).toBeLessThan(employees);
      for (let d = 0; d < duplicates; d += 97) expect(badKindOf(duplicateOf(d))).toBeUndefined();
    }
  });

  it('writes 20 columns, the requested rows and ~0.6 % bad rows', async () => {
    const file = await writeUsersFile(join(dir, 'base.csv'), 5_000, 'base');
    const all = lines(file.path);
    expect(all[0]).toBe(HEADERS.join(','));
    expect(HEADERS).toHaveLength(20);
    expect(all).toHaveLength(5_001);
    expect(file.badRows / file.rows).toBeGreaterThan(0.004);
    expect(file.badRows / file.rows).toBeLessThan(0.008);
    expect(file.bytes).toBe(readFileSync(file.path).length);
  });

  it('the reordered file has the same rows in another order; the changed one differs in ~10 % of rows', async () => {
    const base = lines((await writeUsersFile(join(dir, 'a.csv'), 5_000, 'base')).path);
    const reordered = lines((await writeUsersFile(join(dir, 'b.csv'), 5_000, 'reordered')).path);
    const changedFile = await writeUsersFile(join(dir, 'c.csv'), 5_000, 'changed');
    const changed = lines(changedFile.path);
    expect(reordered).not.toEqual(base);
    expect([...reordered].sort()).toEqual([...base].sort());
    const differing = base.filter((line, i) => line !== changed[i]).length;
    expect(differing).toBe(changedFile.changedRows);
    expect(differing / 5_000).toBeCloseTo(0.1, 2);
  });
});
