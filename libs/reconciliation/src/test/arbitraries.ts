import fc from 'fast-check';
import type { CanonicalEmployee } from '@roster/contracts';
import { userContentHash } from '../lib/hash';
import type { StoredUser } from '../lib/types';
import { DIRECTORY_ID } from './fixtures';

/** A small pool, so generated records collide with stored users and with each other. */
export const EMAILS = ['ann@acme.io', 'bob@acme.io', 'cy@acme.io', 'dee@acme.io', 'eve@acme.io', 'fay@acme.io'];
export const CUSTOM_KEYS = ['Shoe Size', 'Cost Center', 'Pronouns'];
/** Around NOW (2025-06-15): past, today, future, and one that is not a calendar date. */
export const DATES = ['2020-01-01', '2025-06-14', '2025-06-15', '2025-06-16', '2031-12-31', '2025-02-30'];

const BLANKS = ['', '  '];
const value = fc.constantFrom('Ann', 'Lee', 'Engineering', 'Paris', 'E-42', 'x');
/** A cell as a source may send it: absent, blank, or a value. */
const cell = fc.option(fc.oneof(fc.constantFrom(...BLANKS), value), { nil: undefined });
const storedValue = fc.option(value, { nil: null });

export const mixedCaseEmail = fc.mixedCase(fc.constantFrom(...EMAILS));

const customFields = (values: fc.Arbitrary<string>) =>
  fc.dictionary(fc.constantFrom(...CUSTOM_KEYS), values, { maxKeys: CUSTOM_KEYS.length });

export const storedUserArb = (email: string): fc.Arbitrary<StoredUser> =>
  fc
    .record({
      status: fc.constantFrom('active' as const, 'inactive' as const),
      firstName: storedValue,
      lastName: storedValue,
      displayName: storedValue,
      jobTitle: storedValue,
      department: storedValue,
      location: storedValue,
      employeeId: storedValue,
      startDate: fc.option(fc.constantFrom('2019-03-01', '2024-11-30'), { nil: null }),
      isOrgAdmin: fc.boolean(),
      customFields: customFields(value),
      sourceDirectoryId: fc.constantFrom(null, DIRECTORY_ID, 'dir-other'),
      externalId: fc.option(fc.constantFrom('ext-1', 'ext-2'), { nil: null }),
      deactivateAt: fc.option(fc.constantFrom('2025-06-16T10:30:00.000Z', '2025-06-15T00:00:00.000Z', '2030-01-01T00:00:00.000Z'), {
        nil: null,
      }),
    })
    .map((fields) => {
      const user: StoredUser = { ...fields, id: `id:${email}`, email, username: null, managerEmail: null, contentHash: '' };
      return { ...user, contentHash: userContentHash(user) };
    });

/** Stored users for a random subset of the pool, keyed by lower-case email. */
export const directoryArb: fc.Arbitrary<Map<string, StoredUser>> = fc
  .subarray(EMAILS)
  .chain((emails) => fc.tuple(...emails.map(storedUserArb)))
  .map((users) => new Map(users.map((user) => [user.email, user])));

export const employeeArb = (email: fc.Arbitrary<string>): fc.Arbitrary<CanonicalEmployee> =>
  fc.record({
    email,
    firstName: cell,
    lastName: cell,
    displayName: cell,
    jobTitle: cell,
    department: cell,
    location: cell,
    employeeId: cell,
    startDate: fc.option(fc.constantFrom('2019-03-01', '2025-01-02'), { nil: undefined }),
    isOrgAdmin: fc.option(fc.boolean(), { nil: undefined }),
    deactivationDate: fc.option(fc.constantFrom(...DATES), { nil: undefined }),
    managerEmail: fc.option(mixedCaseEmail, { nil: undefined }),
    customFields: fc.option(customFields(fc.oneof(fc.constantFrom(...BLANKS), value)), { nil: undefined }),
  });

/** A chunk of records, row numbers from 2 (row 1 is the header), emails in any case. */
export const chunkArb: fc.Arbitrary<CanonicalEmployee[]> = fc
  .array(employeeArb(mixedCaseEmail), { maxLength: 10 })
  .map((records) => records.map((record, index) => ({ ...record, rowNumber: index + 2 })));

export const RUNS = { numRuns: 300 };
