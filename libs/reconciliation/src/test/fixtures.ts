import type { CanonicalEmployee } from '@roster/contracts';
import { userContentHash } from '../lib/hash';
import { CSV_USER_POLICY, type PlanContext, type StoredUser, type UserPolicy } from '../lib/types';

export const NOW = new Date('2025-06-15T10:30:00.000Z');
export const DIRECTORY_ID = 'dir-csv';
export const CTX: PlanContext = { directoryId: DIRECTORY_ID, now: NOW };
export const CSV: UserPolicy = CSV_USER_POLICY;

/** A stored user with defaults, owned by the test directory, its hash matching its content. */
export function storedUser(email: string, overrides: Partial<Omit<StoredUser, 'email' | 'contentHash'>> = {}): StoredUser {
  const user: StoredUser = {
    id: `id:${email}`,
    email,
    status: 'active',
    firstName: null,
    lastName: null,
    displayName: null,
    jobTitle: null,
    department: null,
    location: null,
    employeeId: null,
    startDate: null,
    isOrgAdmin: false,
    managerEmail: null,
    customFields: {},
    sourceDirectoryId: DIRECTORY_ID,
    externalId: null,
    deactivateAt: null,
    username: null,
    contentHash: '',
    ...overrides,
  };
  return { ...user, contentHash: userContentHash(user) };
}

export function directory(...users: StoredUser[]): Map<string, StoredUser> {
  return new Map(users.map((user) => [user.email, user]));
}

export function employee(email: string, fields: Omit<CanonicalEmployee, 'email'> = {}): CanonicalEmployee {
  return { email, ...fields };
}
