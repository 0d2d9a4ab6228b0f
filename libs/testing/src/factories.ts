export interface CsvOptions {
  /** Line ending (default CRLF, as RFC 4180 and Excel write it). */
  eol?: '\n' | '\r\n';
  /** Prefix a UTF-8 byte order mark, as Excel's "CSV UTF-8" does. */
  bom?: boolean;
}

/** The standard labels of the users file (SPEC R-CSV-02), in the order the factories write them. */
export const USERS_CSV_HEADERS = [
  'User Email',
  'First Name',
  'Last Name',
  'User Name',
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

export type UsersCsvHeader = (typeof USERS_CSV_HEADERS)[number];

/** A users-file row: standard labels, plus any other label as a custom field. */
export type UsersCsvRow = Partial<Record<UsersCsvHeader, string>> & Record<string, string | undefined>;

/**
 * Writes rows as CSV. Columns are `headers`, or every key in order of first appearance; a missing value
 * is an empty cell. A cell is quoted when it holds a comma, quote, CR or LF, quotes doubled (RFC 4180).
 */
export function csv(rows: Record<string, string | undefined>[], headers?: readonly string[], options: CsvOptions = {}): string {
  const eol = options.eol ?? '\r\n';
  const columns = headers ?? keysInOrder(rows);
  const lines = [columns, ...rows.map((row) => columns.map((column) => row[column] ?? ''))].map((cells) =>
    // A lone empty cell is quoted, or the record would be a blank line that parsers skip.
    cells.length === 1 && cells[0] === '' ? '""' : cells.map(quoteCell).join(','),
  );
  return `${options.bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
}

/** A users file with the standard columns the rows use (in standard order), then custom columns. */
export function usersCsv(rows: UsersCsvRow[], options: CsvOptions = {}): string {
  const present = keysInOrder(rows);
  const standard: readonly string[] = USERS_CSV_HEADERS;
  const headers = [...standard.filter((h) => present.includes(h)), ...present.filter((h) => !standard.includes(h))];
  return csv(rows, headers, options);
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Margaret', 'Linus', 'Barbara', 'Dennis', 'Frances', 'Ken', 'Radia', 'Tim', 'Hedy', 'Edsger', 'Karen', 'Donald', 'Sophie', 'José', 'Zoë'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Hamilton', 'Torvalds', 'Liskov', 'Ritchie', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee', 'Lamarr', 'Dijkstra', 'Spärck Jones', 'Knuth', 'Wilson', 'Núñez', "O'Brien"];
const DEPARTMENTS: Array<{ department: string; titles: string[]; teams: string[] }> = [
  { department: 'Engineering', titles: ['Software Engineer', 'Senior Software Engineer', 'Staff Engineer'], teams: ['Platform', 'Payments'] },
  { department: 'Sales', titles: ['Account Executive', 'Sales Manager'], teams: ['EMEA Sales', 'Americas Sales'] },
  { department: 'People', titles: ['HR Business Partner', 'Recruiter'], teams: ['People Ops'] },
  { department: 'Finance', titles: ['Accountant', 'Financial Analyst'], teams: ['Finance'] },
];
const LOCATIONS = ['London', 'New York', 'Berlin', 'Paris, France', 'São Paulo'];

/**
 * A deterministic, realistic users-file row for employee `i` (0-based). Employee 0 is the CEO with no
 * manager; everyone else reports to employee `floor((i - 1) / 5)`, so a range 0..n-1 forms a valid tree.
 * Names and locations include accents, apostrophes and commas, so CSV quoting and UTF-8 get exercised.
 */
export function fakeEmployee(i: number): UsersCsvRow {
  const { first, last } = employeeName(i);
  const unit = pick(DEPARTMENTS, i);
  const start = new Date(Date.UTC(2015, 0, 5) + (i % 3000) * 86_400_000);
  return {
    'User Email': employeeEmail(i),
    'First Name': first,
    'Last Name': last,
    'Manager Email': i === 0 ? '' : employeeEmail(Math.floor((i - 1) / 5)),
    Teams: pick(unit.teams, i),
    'Is Org Admin': i === 0 ? 'Yes' : 'No',
    'Job Title': i === 0 ? 'Chief Executive Officer' : pick(unit.titles, i),
    Department: unit.department,
    Location: pick(LOCATIONS, i),
    'Employee ID': `E${String(i + 1).padStart(6, '0')}`,
    'Start Date': start.toISOString().slice(0, 10),
  };
}

/** The work email of `fakeEmployee(i)`, e.g. `ada.lovelace@example.com`; unique for every i. */
export function employeeEmail(i: number): string {
  const { first, last } = employeeName(i);
  const round = Math.floor(i / (FIRST_NAMES.length * LAST_NAMES.length));
  return `${emailPart(first)}.${emailPart(last)}${round ? round + 1 : ''}@example.com`;
}

function employeeName(i: number): { first: string; last: string } {
  return { first: pick(FIRST_NAMES, i), last: pick(LAST_NAMES, Math.floor(i / FIRST_NAMES.length)) };
}

function emailPart(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9-]/g, '');
}

function pick<T>(values: readonly T[], i: number): T {
  return values[i % values.length] as T;
}

function keysInOrder(rows: Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) keys.add(key);
  return [...keys];
}

function quoteCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
