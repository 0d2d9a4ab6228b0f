import { USERS_CSV_STANDARD_LABELS, type UsersCsvStandardLabel } from '@roster/contracts';

/** One user as the export query reads it (snake_case columns, as the SQL returns them). */
export interface ExportUserDbRow {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  job_title: string | null;
  department: string | null;
  location: string | null;
  employee_id: string | null;
  start_date: string | null;
  is_org_admin: boolean;
  custom_fields: Record<string, string> | null;
  deactivate_at: Date | string | null;
  manager_email: string | null;
  /** Names of every team the user is a member of (through any directory), sorted. */
  teams: string[] | null;
}

/** The custom field labels in the export's order: sorted by code point, so the order never depends on a locale. */
export function sortedCustomLabels(labels: Iterable<string>): string[] {
  return [...labels].sort();
}

/** The export's header: every standard label of the users file, then the custom labels (already sorted). */
export function usersExportHeader(customLabels: readonly string[]): string[] {
  return [...USERS_CSV_STANDARD_LABELS, ...customLabels];
}

const isoDate = (value: Date | string | null): string => {
  if (value === null) return '';
  return (typeof value === 'string' ? new Date(value) : value).toISOString().slice(0, 10);
};

/**
 * R-EXP-01: a stored user as a users-file row the import reads back to the same stored values. Null is a blank
 * cell (a blank keeps, R-CSV-07). Dates are ISO (always accepted, R-CSV-11); `Deactivation Date` is the UTC day
 * of `deactivate_at`. `Teams` is every membership, comma-separated (csv-stringify quotes the cell). Cells are
 * not escaped here: the stringifier's cast does that for every cell (EXPORT_CSV_OPTIONS). `customLabels` are
 * the header's, in its order.
 */
export function usersExportRow(user: ExportUserDbRow, customLabels: readonly string[]): string[] {
  const standard: Record<UsersCsvStandardLabel, string> = {
    'User Email': user.email,
    'User Name': user.display_name ?? '',
    'First Name': user.first_name ?? '',
    'Last Name': user.last_name ?? '',
    'Manager Email': user.manager_email ?? '',
    Teams: (user.teams ?? []).join(', '),
    'Is Org Admin': user.is_org_admin ? 'Yes' : 'No',
    'Deactivation Date': isoDate(user.deactivate_at),
    'Job Title': user.job_title ?? '',
    Department: user.department ?? '',
    Location: user.location ?? '',
    'Employee ID': user.employee_id ?? '',
    'Start Date': user.start_date ?? '',
  };
  const custom = user.custom_fields ?? {};
  return [
    ...USERS_CSV_STANDARD_LABELS.map((label) => standard[label]),
    ...customLabels.map((label) => (Object.hasOwn(custom, label) ? (custom[label] ?? '') : '')),
  ];
}
