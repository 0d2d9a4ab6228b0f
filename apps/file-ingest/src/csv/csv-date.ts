/** The per-directory date format of a CSV source (R-CSV-11). ISO yyyy-mm-dd is accepted whatever the choice. */
export type CsvDateFormat = 'dd/mm/yyyy' | 'mm/dd/yyyy';
export const CSV_DATE_FORMATS: readonly CsvDateFormat[] = ['dd/mm/yyyy', 'mm/dd/yyyy'];

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Day and month may drop their leading zero (Excel writes 1/2/2024); the year is always four digits. */
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function toIso(year: number, month: number, day: number): string | undefined {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * A trimmed cell in the directory's format or ISO -> ISO yyyy-mm-dd, or undefined when it is not a real calendar
 * date in either. Never guesses: 13/01/2024 in mm/dd/yyyy is unreadable, not silently swapped.
 */
export function parseCsvDate(value: string, format: CsvDateFormat): string | undefined {
  const iso = ISO.exec(value);
  if (iso !== null) return toIso(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const slashed = SLASHED.exec(value);
  if (slashed === null) return undefined;
  const [first, second, year] = [Number(slashed[1]), Number(slashed[2]), Number(slashed[3])];
  return format === 'dd/mm/yyyy' ? toIso(year, second, first) : toIso(year, first, second);
}
