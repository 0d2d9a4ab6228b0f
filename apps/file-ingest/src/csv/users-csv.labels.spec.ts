import { CanonicalEmployee } from '@roster/contracts';
import { CANONICAL_MAX_LENGTH, USERS_CSV_DATE_COLUMNS, USERS_CSV_STANDARD_LABELS, USERS_CSV_TEXT_COLUMNS } from './users-csv.labels';

describe('users CSV labels', () => {
  it('R-CSV-02 the standard labels are exactly those of the spec', () => {
    expect(USERS_CSV_STANDARD_LABELS).toEqual([
      'User Email',
      'User Name',
      'First Name',
      'Last Name',
      'Manager Email',
      'Teams',
      'Is Org Admin',
      'Deactivation Date',
      'Job Title',
      'Department',
      'Location',
      'Employee ID',
      'Start Date',
    ]);
    for (const [label] of [...USERS_CSV_TEXT_COLUMNS, ...USERS_CSV_DATE_COLUMNS]) expect(USERS_CSV_STANDARD_LABELS).toContain(label);
  });

  it('the length limits used for row problems are those CanonicalEmployee enforces', () => {
    const base = { email: 'a@x.com' };
    const fits = (patch: Record<string, unknown>): boolean => CanonicalEmployee.safeParse({ ...base, ...patch }).success;
    for (const field of ['firstName', 'lastName', 'displayName', 'jobTitle', 'department', 'location', 'employeeId'] as const) {
      const max = CANONICAL_MAX_LENGTH[field];
      expect([field, fits({ [field]: 'x'.repeat(max) })]).toEqual([field, true]);
      expect([field, fits({ [field]: 'x'.repeat(max + 1) })]).toEqual([field, false]);
    }
    expect(fits({ teams: ['x'.repeat(CANONICAL_MAX_LENGTH.team)] })).toBe(true);
    expect(fits({ teams: ['x'.repeat(CANONICAL_MAX_LENGTH.team + 1)] })).toBe(false);
  });
});
