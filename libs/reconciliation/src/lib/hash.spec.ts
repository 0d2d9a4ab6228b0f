import { createHash } from 'node:crypto';
import { storedUser } from '../test/fixtures';
import { userContentHash } from './hash';
import { USER_CONTENT_FIELDS, type StoredUser } from './types';

describe('userContentHash', () => {
  const base = storedUser('ann@acme.io', { firstName: 'Ann', customFields: { A: '1', B: '2' } });

  it('is a stable sha-256 hex digest', () => {
    expect(userContentHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(userContentHash({ ...base })).toBe(userContentHash(base));
  });

  it('does not depend on the order of custom field keys', () => {
    expect(userContentHash({ ...base, customFields: { B: '2', A: '1' } })).toBe(userContentHash(base));
  });

  it.each(USER_CONTENT_FIELDS.filter((field) => field !== 'customFields'))('changes when %s changes', (field) => {
    const changed: StoredUser = { ...base, [field]: field === 'isOrgAdmin' ? true : field === 'status' ? 'inactive' : 'other' };
    expect(userContentHash(changed)).not.toBe(userContentHash(base));
  });

  it('changes when a custom field is added, removed or changed', () => {
    const hash = userContentHash(base);
    expect(userContentHash({ ...base, customFields: { A: '1', B: '2', C: '3' } })).not.toBe(hash);
    expect(userContentHash({ ...base, customFields: { A: '1' } })).not.toBe(hash);
    expect(userContentHash({ ...base, customFields: { A: '1', B: '3' } })).not.toBe(hash);
  });

  it('tells a null from the string "null" and a value from a shifted one', () => {
    expect(userContentHash({ ...base, jobTitle: 'null' })).not.toBe(userContentHash({ ...base, jobTitle: null }));
    expect(userContentHash({ ...base, firstName: 'a', lastName: 'b' })).not.toBe(
      userContentHash({ ...base, firstName: null, lastName: 'ab' }),
    );
  });

  it('leaves out the id and the manager link (phase 2 diffs links on its own)', () => {
    const relinked: StoredUser = { ...base, id: 'other', managerEmail: 'boss@acme.io' };
    expect(userContentHash(relinked)).toBe(userContentHash(base));
  });

  it('R-API-04 a null username leaves the layout hashed before usernames existed, so stored hashes stay valid', () => {
    const u = storedUser('ann@acme.io', { firstName: 'Ann', customFields: { B: '2', A: '1' }, externalId: 'e-1' });
    const before = [1, u.email, u.status, u.firstName, u.lastName, u.displayName, u.jobTitle, u.department, u.location, u.employeeId, u.startDate,
      u.isOrgAdmin, [['A', '1'], ['B', '2']], u.sourceDirectoryId, u.externalId, u.deactivateAt];
    expect(userContentHash(u)).toBe(createHash('sha256').update(JSON.stringify(before)).digest('hex'));
    expect(userContentHash({ ...u, username: 'EMP-1' })).not.toBe(userContentHash(u));
  });
});
