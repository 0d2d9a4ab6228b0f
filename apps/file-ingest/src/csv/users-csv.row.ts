import { CanonicalEmployee, RowProblem, RowProblemCode, unescapeCsvCell } from '@roster/contracts';
import { quoteForMessage } from './csv-import.exception';
import { CsvDateFormat, parseCsvDate } from './csv-date';
import { EmailRowIndex } from './email-row-index';
import { UsersCsvHeader } from './users-csv.header';
import {
  CANONICAL_MAX_LENGTH,
  USERS_CSV_DATE_COLUMNS,
  USERS_CSV_TEXT_COLUMNS,
  UsersCsvStandardLabel,
} from './users-csv.labels';

/** The same validator CanonicalEmployee applies, so every emitted record passes CanonicalEmployee.parse. */
const emailSchema = CanonicalEmployee.shape.email;
const isEmail = (value: string): boolean => emailSchema.safeParse(value).success;

/** `Is Org Admin` (R-CSV-12): Yes / No as the spec says, and TRUE / FALSE as Excel writes booleans. */
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['yes', true],
  ['no', false],
  ['true', true],
  ['false', false],
]);

/** Empty and whitespace-only cells are blank: they say nothing (R-CSV-07). */
export function isBlankRow(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}

/** `Teams` is comma-separated: trimmed, empties dropped, exact duplicates dropped, order kept. */
export function splitTeams(value: string): string[] {
  const teams: string[] = [];
  for (const part of value.split(',')) {
    const team = part.trim();
    if (team !== '' && !teams.includes(team)) teams.push(team);
  }
  return teams;
}

/**
 * Maps data rows of one file to CanonicalEmployee. A row is skipped (undefined) when it has no usable or a
 * duplicate email, or non-blank cells past the header; a bad optional field is reported and left out while the
 * rest of the row applies (R-CSV-15). A blank cell leaves its field out: the stored value stays (R-CSV-07).
 *
 * Holds the emails seen so far (their first row) for DUPLICATE_EMAIL: the one piece of state that grows with the
 * file, kept as 64-bit hashes in typed arrays (EmailRowIndex: ~12 bytes per distinct email, 24 MB for a million).
 */
export class UsersCsvRowMapper {
  private readonly seenEmails = new EmailRowIndex();
  // Per-row state, kept on the instance so a row allocates no closures.
  private cells: readonly string[] = [];
  private rowNumber = 0;
  private problems: RowProblem[] = [];

  constructor(
    private readonly fileName: string,
    private readonly dateFormat: CsvDateFormat,
    private readonly header: UsersCsvHeader,
  ) {}

  /** Maps one non-blank data row; its problems are pushed onto `problems`. */
  map(cells: readonly string[], rowNumber: number, problems: RowProblem[]): CanonicalEmployee | undefined {
    this.cells = cells;
    this.rowNumber = rowNumber;
    this.problems = problems;
    const { header } = this;

    for (let i = header.columnCount; i < cells.length; i++) {
      if ((cells[i] ?? '').trim() !== '') {
        this.report(
          undefined,
          RowProblemCode.INVALID_VALUE,
          `${cells.length} cells but the header has ${header.columnCount}, and the extra cells are not blank ` +
            '(an unquoted comma?); row skipped',
        );
        return undefined;
      }
    }

    const email = this.email();
    if (email === undefined) return undefined;
    const employee: CanonicalEmployee = { rowNumber, email };
    this.names(employee);
    this.managerEmail(employee);
    this.teams(employee);
    this.isOrgAdmin(employee);
    for (const [label, field] of USERS_CSV_DATE_COLUMNS) {
      const raw = this.cell(label);
      if (raw === '') continue;
      const iso = parseCsvDate(raw, this.dateFormat);
      if (iso !== undefined) employee[field] = iso;
      else {
        const why = `${quoteForMessage(raw)} is not a date in ${this.dateFormat} or yyyy-mm-dd; field ignored`;
        this.report(label, RowProblemCode.INVALID_DATE, why);
      }
    }
    for (const [label, field] of USERS_CSV_TEXT_COLUMNS) {
      const value = this.text(label, CANONICAL_MAX_LENGTH[field]);
      if (value !== undefined) employee[field] = value;
    }
    this.customFields(employee);
    return employee;
  }

  private email(): string | undefined {
    const raw = this.cell('User Email');
    if (raw === '') {
      this.report('User Email', RowProblemCode.MISSING_EMAIL, 'no email; row skipped');
      return undefined;
    }
    const email = raw.toLowerCase();
    if (!isEmail(email)) {
      this.report('User Email', RowProblemCode.INVALID_EMAIL, `${quoteForMessage(raw)} is not a valid email address; row skipped`);
      return undefined;
    }
    const firstRow = this.seenEmails.firstRowOrAdd(email, this.rowNumber);
    if (firstRow !== undefined) {
      this.report('User Email', RowProblemCode.DUPLICATE_EMAIL, `${email} already appears in row ${firstRow}; row skipped`);
      return undefined;
    }
    return email;
  }

  /**
   * displayName = `User Name`. First / last names come from their own columns when the header has either;
   * with `User Name` alone they are split from it: first word, then the rest (absent for a single word).
   */
  private names(employee: CanonicalEmployee): void {
    const userName = this.text('User Name', CANONICAL_MAX_LENGTH.displayName);
    if (userName !== undefined) employee.displayName = userName;
    if (!this.header.splitUserName) {
      const firstName = this.text('First Name', CANONICAL_MAX_LENGTH.firstName);
      if (firstName !== undefined) employee.firstName = firstName;
      const lastName = this.text('Last Name', CANONICAL_MAX_LENGTH.lastName);
      if (lastName !== undefined) employee.lastName = lastName;
      return;
    }
    if (userName === undefined) return;
    const [first = '', ...rest] = userName.split(/\s+/);
    const last = rest.join(' ');
    if (first.length > CANONICAL_MAX_LENGTH.firstName || last.length > CANONICAL_MAX_LENGTH.lastName) {
      const why = `cannot be split into first and last names of at most ${CANONICAL_MAX_LENGTH.firstName} characters; names ignored`;
      this.report('User Name', RowProblemCode.INVALID_VALUE, why);
      return;
    }
    employee.firstName = first;
    if (last !== '') employee.lastName = last;
  }

  /** Invalid -> problem, field left out. Equal to the row's own email: left for the reconciler (SELF_MANAGER). */
  private managerEmail(employee: CanonicalEmployee): void {
    const raw = this.cell('Manager Email');
    if (raw === '') return;
    const managerEmail = raw.toLowerCase();
    if (isEmail(managerEmail)) employee.managerEmail = managerEmail;
    else {
      const why = `${quoteForMessage(raw)} is not a valid email address; field ignored`;
      this.report('Manager Email', RowProblemCode.INVALID_EMAIL, why);
    }
  }

  private teams(employee: CanonicalEmployee): void {
    const raw = this.cell('Teams');
    if (raw === '') return;
    const teams = splitTeams(raw);
    const tooLong = teams.find((team) => team.length > CANONICAL_MAX_LENGTH.team);
    if (tooLong !== undefined) {
      // A partial list would take the user out of the unreadable team (R-CSV-09): leave the whole field out.
      const why = `team name ${quoteForMessage(tooLong)} is longer than ${CANONICAL_MAX_LENGTH.team} characters; field ignored`;
      this.report('Teams', RowProblemCode.INVALID_VALUE, why);
    } else if (teams.length > 0) {
      // A cell of only commas names no team: treated as blank rather than as "member of nothing".
      employee.teams = teams;
    }
  }

  private isOrgAdmin(employee: CanonicalEmployee): void {
    const raw = this.cell('Is Org Admin');
    if (raw === '') return;
    const isOrgAdmin = BOOLEANS.get(raw.toLowerCase());
    if (isOrgAdmin !== undefined) employee.isOrgAdmin = isOrgAdmin;
    else this.report('Is Org Admin', RowProblemCode.INVALID_BOOLEAN, `${quoteForMessage(raw)} is not Yes or No; field ignored`);
  }

  private customFields(employee: CanonicalEmployee): void {
    let customFields: Record<string, string> | undefined;
    for (const { index, label } of this.header.custom) {
      const value = (this.cells[index] ?? '').trim();
      if (value === '') continue;
      // Assignment makes "constructor" or "toString" own keys; "__proto__", the one that would not be, is
      // refused in the header.
      customFields ??= {};
      customFields[label] = unescapeCsvCell(value);
    }
    if (customFields !== undefined) employee.customFields = customFields;
  }

  /**
   * The trimmed cell, with the `'` an export put before a formula trigger removed (R-EXP-01: `'=x` is read as
   * `=x`, so an export re-imports unchanged; see unescapeCsvCell). Other apostrophes are kept.
   */
  private cell(label: UsersCsvStandardLabel): string {
    const index = this.header.standard[label];
    return index === undefined ? '' : unescapeCsvCell((this.cells[index] ?? '').trim());
  }

  private text(label: UsersCsvStandardLabel, max: number): string | undefined {
    const value = this.cell(label);
    if (value === '') return undefined;
    if (value.length <= max) return value;
    this.report(label, RowProblemCode.INVALID_VALUE, `longer than ${max} characters; field ignored`);
    return undefined;
  }

  private report(field: string | undefined, code: RowProblemCode, why: string): void {
    const { fileName, rowNumber } = this;
    if (field === undefined) {
      this.problems.push({ rowNumber, code, message: `${fileName} row ${rowNumber}: ${why}` });
    } else {
      this.problems.push({ rowNumber, field, code, message: `${fileName} row ${rowNumber}, ${field}: ${why}` });
    }
  }
}
