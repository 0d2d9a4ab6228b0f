import { unescapeCsvCell } from '@roster/contracts';
import { CsvImportException, CsvImportExceptionCode, quoteForMessage } from './csv-import.exception';
import { USERS_CSV_STANDARD_LABELS, UsersCsvStandardLabel, isUsersCsvStandardLabel } from './users-csv.labels';

/** Customer label -> label used by the reader (normally a standard label, R-CSV-01). Exact, case-sensitive. */
export type HeaderMapping = Readonly<Record<string, string>>;

export interface CustomColumn {
  readonly index: number;
  readonly label: string;
}

/** The users header resolved once; rows are then read by column index (arrays mode, no per-row objects). */
export interface UsersCsvHeader {
  /** Column index of each standard label present. */
  readonly standard: Readonly<Partial<Record<UsersCsvStandardLabel, number>>>;
  readonly custom: readonly CustomColumn[];
  /** Resolved labels in file order; blank header cells are left out (their columns are ignored). */
  readonly labels: readonly string[];
  /** True when `User Name` is the only name source, so first / last names are split from it. */
  readonly splitUserName: boolean;
  readonly columnCount: number;
}

/** Labels that cannot become a key of `customFields` (zod and JSON.parse treat them specially). */
const RESERVED_LABELS: ReadonlySet<string> = new Set(['__proto__']);

const looseKey = (label: string): string => label.toLowerCase().replace(/[\s_-]+/g, '');

/**
 * A guard for one file kind's header: refuses a label that is one of `standardLabels` but for case, spaces, `_`
 * or `-` (e.g. `is org admin`), instead of letting it silently become something else.
 */
export function nearMissGuard(standardLabels: readonly string[]): (fileName: string, column: number, label: string) => void {
  const loose = new Map(standardLabels.map((label) => [looseKey(label), label]));
  return (fileName, column, label) => {
    const nearMiss = loose.get(looseKey(label));
    if (nearMiss === undefined) return;
    throw headerError(
      fileName,
      CsvImportExceptionCode.HEADER_LABEL_MISMATCH,
      `column ${column} is ${quoteForMessage(label)}, not the standard label ${quoteForMessage(nearMiss)} ` +
        `(labels are case-sensitive); rename the column or add a header mapping`,
    );
  };
}
const refuseNearMiss = nearMissGuard(USERS_CSV_STANDARD_LABELS);

/** Trimmed customer label -> trimmed target label; refuses a mapping that is ambiguous or maps to nothing. */
export function normaliseHeaderMapping(fileName: string, mapping: HeaderMapping | undefined): Map<string, string> {
  const normalised = new Map<string, string>();
  if (mapping === undefined) return normalised;
  for (const [from, to] of Object.entries(mapping)) {
    const key = from.trim();
    const target = typeof to === 'string' ? to.trim() : '';
    if (key === '' || target === '') {
      throw new CsvImportException(
        CsvImportExceptionCode.INVALID_OPTIONS,
        fileName,
        `header mapping for ${fileName} has a blank label: ${quoteForMessage(from)} -> ${quoteForMessage(String(to))}`,
      );
    }
    const previous = normalised.get(key);
    if (previous !== undefined && previous !== target) {
      throw new CsvImportException(
        CsvImportExceptionCode.INVALID_OPTIONS,
        fileName,
        `header mapping for ${fileName} maps ${quoteForMessage(key)} to both ${quoteForMessage(previous)} and ${quoteForMessage(target)}`,
      );
    }
    normalised.set(key, target);
  }
  return normalised;
}

export function headerError(fileName: string, code: CsvImportExceptionCode, why: string): CsvImportException {
  return new CsvImportException(code, fileName, `${fileName} has an unusable header (row 1): ${why}`, {
    rowNumber: 1,
    lineNumber: 1,
  });
}

/**
 * R-CSV-01/02/04: trim each label, apply the mapping, then a label equal to a standard label is that column,
 * a near miss of one (case, spaces, `_`, `-`) is refused, and anything else is a custom field.
 */
export function resolveUsersCsvHeader(
  cells: readonly string[],
  fileName: string,
  mapping: ReadonlyMap<string, string>,
): UsersCsvHeader {
  const standard: Partial<Record<UsersCsvStandardLabel, number>> = {};
  const custom: CustomColumn[] = [];
  const labels: string[] = [];
  const seen = new Map<string, { column: number; original: string }>();

  cells.forEach((cell, index) => {
    // An export escapes a label that starts with a formula trigger (R-EXP-01); the label is the unescaped one.
    const original = unescapeCsvCell(cell.trim());
    if (original === '') return;
    const label = mapping.get(original) ?? original;
    const column = index + 1;

    const earlier = seen.get(label);
    if (earlier !== undefined) {
      const via = (o: string): string => (o === label ? '' : ` (${quoteForMessage(o)} mapped)`);
      throw headerError(
        fileName,
        CsvImportExceptionCode.HEADER_DUPLICATE,
        `${quoteForMessage(label)} appears in column ${earlier.column}${via(earlier.original)} and column ${column}${via(original)}`,
      );
    }
    seen.set(label, { column, original });
    labels.push(label);

    if (isUsersCsvStandardLabel(label)) {
      standard[label] = index;
      return;
    }
    refuseNearMiss(fileName, column, label);
    if (RESERVED_LABELS.has(label)) {
      throw headerError(
        fileName,
        CsvImportExceptionCode.HEADER_LABEL_INVALID,
        `column ${column} is ${quoteForMessage(label)}, which cannot be used as a custom field name`,
      );
    }
    custom.push({ index, label });
  });

  if (standard['User Email'] === undefined) {
    const shown = labels.slice(0, 8).map((l) => quoteForMessage(l, 40));
    if (labels.length > 8) shown.push('…');
    const found = labels.length === 0 ? 'no labels' : `labels ${shown.join(', ')}`;
    throw headerError(
      fileName,
      CsvImportExceptionCode.HEADER_MISSING,
      `no "User Email" column (found ${found}); is the delimiter a comma, or does the label need a header mapping?`,
    );
  }
  const hasUserName = standard['User Name'] !== undefined;
  const hasFirstAndLast = standard['First Name'] !== undefined && standard['Last Name'] !== undefined;
  if (!hasUserName && !hasFirstAndLast) {
    throw headerError(
      fileName,
      CsvImportExceptionCode.NAME_COLUMNS_MISSING,
      'it needs a "User Name" column or both "First Name" and "Last Name"',
    );
  }

  return {
    standard,
    custom,
    labels,
    splitUserName: standard['First Name'] === undefined && standard['Last Name'] === undefined,
    columnCount: cells.length,
  };
}
