import { posix } from 'node:path';
import fc from 'fast-check';
import { SftpSourceException } from './sftp-source.exception';
import { resolveWithin } from './sftp-path';

const outcome = (folder: string, path: string): { path: string } | { error: unknown } => {
  try {
    return { path: resolveWithin(folder, path) };
  } catch (e) {
    return { error: e };
  }
};

describe('resolveWithin: SFTP paths cannot leave the configured folder (R-SAFE-02, issue 8)', () => {
  it.each([
    ['users.csv', '/hr/in/users.csv'],
    ['processed/2026-users.csv', '/hr/in/processed/2026-users.csv'],
    ['./a/../users.csv', '/hr/in/users.csv'],
    ['/users.csv', '/hr/in/users.csv'],
    ['', '/hr/in/'],
  ])('%s stays under the folder', (path, expected) => {
    expect(resolveWithin('/hr/in/', path)).toBe(expected);
  });

  it.each(['..', '../etc/passwd', 'a/../../x', 'processed/../../../root/.ssh/authorized_keys', 'users.csv\0.txt', '../in-other/users.csv'])(
    '%j is refused with PATH_ESCAPE',
    (path) => {
      expect(() => resolveWithin('/hr/in', path)).toThrow(expect.objectContaining({ code: 'PATH_ESCAPE' }));
    },
  );

  it('a sibling folder sharing the prefix is not inside (/hr/in vs /hr/inbox)', () => {
    expect(() => resolveWithin('/hr/in', '../inbox/users.csv')).toThrow(SftpSourceException);
  });

  it('property: for any folder and any path, the answer is a path inside the folder or PATH_ESCAPE, nothing else', () => {
    const segment = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('..', '.', '', 'processed', 'users.csv', '~', '\0', ' ', '...', '..\\..') },
      { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
    );
    const path = fc.array(segment, { maxLength: 8 }).map((parts) => parts.join('/'));
    const folder = fc.array(fc.constantFrom('hr', 'in', 'a b', 'üñï', '..', '.'), { minLength: 0, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(folder, fc.boolean(), path, (root, leadingSlash, relative) => {
        const result = outcome(root, leadingSlash ? `/${relative}` : relative);
        const normalRoot = posix.normalize(root);
        if ('path' in result) {
          expect(result.path === normalRoot || result.path.startsWith(`${normalRoot.replace(/\/$/, '')}/`)).toBe(true);
          expect(result.path.split('/')).not.toContain('..');
          expect(result.path).not.toContain('\0');
        } else {
          expect(result.error).toMatchObject({ code: 'PATH_ESCAPE' });
        }
      }),
      { numRuns: 1000 },
    );
  });
});
