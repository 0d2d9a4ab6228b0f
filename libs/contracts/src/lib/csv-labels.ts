/**
 * Standard header labels of the CSV files (R-CSV-02, R-CSV-03), shared by file-ingest (the reader) and
 * directory-config (which validates a directory's header mapping against them).
 */
export const USERS_CSV_STANDARD_LABELS = [
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
] as const;
export type UsersCsvStandardLabel = (typeof USERS_CSV_STANDARD_LABELS)[number];

export const TEAMS_CSV_STANDARD_LABELS = ['Team Name', 'Team Owner', 'Parent Team', 'Team Type', 'Team Description'] as const;
export type TeamsCsvStandardLabel = (typeof TEAMS_CSV_STANDARD_LABELS)[number];

/** Every label a header mapping may translate to: one mapping serves the users and the teams file. */
export const CSV_STANDARD_LABELS: readonly string[] = [...USERS_CSV_STANDARD_LABELS, ...TEAMS_CSV_STANDARD_LABELS];

const STANDARD = new Set<string>(CSV_STANDARD_LABELS);
export const isCsvStandardLabel = (label: string): boolean => STANDARD.has(label);
