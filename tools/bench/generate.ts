// Writes the bench's users files by streaming to disk (never the whole file in memory): 13 standard columns of
// the users file + 7 custom ones, a 5-wide manager tree, teams, ~0.6 % bad rows. The same employees can be
// written in another row order (bytes differ, records do not) or with 10 % of them changed.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { USERS_CSV_HEADERS, employeeEmail, fakeEmployee } from '@roster/testing';

export const CUSTOM_COLUMNS = ['Cost Center', 'Division', 'Employment Type', 'Level', 'Office', 'Pronouns', 'Hire Source'] as const;
export const HEADERS: readonly string[] = [...USERS_CSV_HEADERS, ...CUSTOM_COLUMNS];

export type Variant = 'base' | 'reordered' | 'changed';

export interface GeneratedFile {
  path: string;
  variant: Variant;
  /** Data rows (header excluded). */
  rows: number;
  bytes: number;
  /** Rows the reader or the planner reports a problem for (skipped rows and ignored fields). */
  badRows: number;
  /** Rows whose user differs from the base file (changed variant only). */
  changedRows: number;
}

/** One bad row in BAD_EVERY employees (kinds in turn), one duplicated row in DUP_EVERY rows: ~0.6 % in all. */
const BAD_EVERY = 200;
const DUP_EVERY = 1000;
/** In the changed variant, one employee in CHANGE_EVERY gets a new title and level; one in 10 of those a new manager. */
const CHANGE_EVERY = 10;
const BAD_KINDS = ['INVALID_EMAIL', 'MISSING_EMAIL', 'INVALID_DATE', 'INVALID_BOOLEAN'] as const;
const EMPLOYMENT = ['Full-time', 'Full-time', 'Full-time', 'Part-time', 'Contractor'];
const PRONOUNS = ['she/her', 'he/him', 'they/them', ''];
const HIRE_SOURCES = ['Referral', 'LinkedIn', 'Agency', 'Careers site', 'University'];

/** How many employees and duplicate rows make `rows` data rows. */
export function layout(rows: number): { employees: number; duplicates: number } {
  const duplicates = Math.floor(rows / DUP_EVERY);
  return { employees: rows - duplicates, duplicates };
}

/** The employee whose row the d-th duplicate repeats: spread over the file, never a bad row. */
export function duplicateOf(d: number): number {
  const employee = d * (DUP_EVERY - 3) + 11;
  return badKindOf(employee) ? employee + 1 : employee;
}

export function badKindOf(employee: number): (typeof BAD_KINDS)[number] | undefined {
  return employee % BAD_EVERY === 7 ? BAD_KINDS[Math.floor(employee / BAD_EVERY) % BAD_KINDS.length] : undefined;
}

export function isChanged(employee: number): boolean {
  return employee % CHANGE_EVERY === 3;
}

/** Streams `rows` data rows of `variant` to `path`, waiting for the disk when the stream's buffer is full. */
export async function writeUsersFile(path: string, rows: number, variant: Variant, seed = 42): Promise<GeneratedFile> {
  const { employees, duplicates } = layout(rows);
  if (duplicates > 0 && duplicateOf(duplicates - 1) >= employees) throw new Error(`too few rows (${rows}) for the duplicates`);
  const order = variant === 'reordered' ? shuffled(rows, seed) : undefined;
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const done = once(out, 'finish');
  let bytes = 0;
  const write = async (line: string) => {
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(`${HEADERS.map(quoteCell).join(',')}\r\n`);
  let badRows = 0;
  let changedRows = 0;
  for (let k = 0; k < rows; k++) {
    const slot = order ? order[k] : k;
    // Slots past the employees repeat an earlier employee's row exactly (DUPLICATE_EMAIL on the later one).
    const employee = slot < employees ? slot : duplicateOf(slot - employees);
    const changed = variant === 'changed' && isChanged(employee);
    if (slot >= employees || badKindOf(employee)) badRows++;
    if (changed && slot < employees) changedRows++;
    await write(`${employeeCells(employee, changed).map(quoteCell).join(',')}\r\n`);
  }
  out.end();
  await done;
  return { path, variant, rows, bytes, badRows, changedRows };
}

/** The 20 cells of employee `i` in HEADERS order. */
export function employeeCells(i: number, changed = false): string[] {
  const e = fakeEmployee(i);
  const bad = badKindOf(i);
  const level = 1 + (i % 7) + (changed ? 1 : 0);
  const row: Record<string, string> = {
    ...(e as Record<string, string>),
    'User Name': `${e['First Name']} ${e['Last Name']}`,
    // Two teams for one in seven employees (a quoted cell with a comma).
    Teams: i % 7 === 0 ? `${e.Teams}, Guild ${i % 13}` : (e.Teams ?? ''),
    // Scheduled far in the future, so every re-sync computes the same deactivation (dd/mm/yyyy, the directory's format).
    'Deactivation Date': i % 500 === 42 ? `31/12/20${40 + (i % 50)}` : '',
    'Job Title': changed ? `Principal ${e['Job Title']}` : (e['Job Title'] ?? ''),
    'Cost Center': `CC-${1000 + (i % 250)}`,
    Division: `${e.Department} ${['North', 'South', 'East', 'West'][i % 4]}`,
    'Employment Type': EMPLOYMENT[i % EMPLOYMENT.length],
    Level: `L${level}`,
    Office: `${e.Location} / Floor ${1 + (i % 12)}`,
    Pronouns: PRONOUNS[i % PRONOUNS.length],
    'Hire Source': HIRE_SOURCES[i % HIRE_SOURCES.length],
  };
  // Managers outside the file become placeholder users (R-CSV-08); one employee in 997.
  if (i % 997 === 5) row['Manager Email'] = `interim.lead${i % 3}@partner.example`;
  // A changed manager moves up the tree (the grand-manager), so no loop can form.
  if (changed && i % (CHANGE_EVERY * 10) === 3 && i > 6) row['Manager Email'] = employeeEmail(Math.floor((Math.floor((i - 1) / 5) - 1) / 5));
  if (bad === 'INVALID_EMAIL') row['User Email'] = `not-an-email-${i}`;
  if (bad === 'MISSING_EMAIL') row['User Email'] = '';
  if (bad === 'INVALID_DATE') row['Start Date'] = '2021-02-30';
  if (bad === 'INVALID_BOOLEAN') row['Is Org Admin'] = 'Maybe';
  return HEADERS.map((h) => row[h] ?? '');
}

/** A seeded permutation of 0..n-1 (Fisher-Yates over mulberry32): 4 bytes per row. */
export function shuffled(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  return order;
}

function quoteCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
