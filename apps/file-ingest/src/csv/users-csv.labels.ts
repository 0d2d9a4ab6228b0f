import { USERS_CSV_STANDARD_LABELS, type CanonicalEmployee, type UsersCsvStandardLabel } from '@roster/contracts';

// The standard labels live in the contracts (directory-config validates header mappings against them too).
export { USERS_CSV_STANDARD_LABELS, type UsersCsvStandardLabel } from '@roster/contracts';

const STANDARD_LABEL_SET: ReadonlySet<string> = new Set(USERS_CSV_STANDARD_LABELS);

export function isUsersCsvStandardLabel(label: string): label is UsersCsvStandardLabel {
  return STANDARD_LABEL_SET.has(label);
}

/** Plain-text standard columns and the CanonicalEmployee field each fills. */
export const USERS_CSV_TEXT_COLUMNS = [
  ['Job Title', 'jobTitle'],
  ['Department', 'department'],
  ['Location', 'location'],
  ['Employee ID', 'employeeId'],
] as const satisfies readonly (readonly [UsersCsvStandardLabel, keyof CanonicalEmployee])[];

/** Date columns (R-CSV-11) and the CanonicalEmployee field each fills. */
export const USERS_CSV_DATE_COLUMNS = [
  ['Deactivation Date', 'deactivationDate'],
  ['Start Date', 'startDate'],
] as const satisfies readonly (readonly [UsersCsvStandardLabel, keyof CanonicalEmployee])[];

/**
 * Longest value CanonicalEmployee accepts per field (kept equal to the zod schema; a spec checks it), so a
 * too-long cell becomes a row problem for that field instead of a record that fails validation downstream.
 * Emails are checked with the schema's own validator instead.
 */
export const CANONICAL_MAX_LENGTH = {
  firstName: 200,
  lastName: 200,
  displayName: 400,
  jobTitle: 200,
  department: 200,
  location: 200,
  employeeId: 200,
  team: 200,
} as const;
