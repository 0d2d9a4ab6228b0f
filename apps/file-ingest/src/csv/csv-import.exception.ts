/**
 * Why a CSV file was rejected whole (R-CSV-15). A bad row is never an exception: it becomes a RowProblem and
 * the rest of the file is applied. Codes are strings so they survive JSON (RunFailure.code).
 */
export enum CsvImportExceptionCode {
  /** Not valid UTF-8 (Latin-1, UTF-16, truncated multi-byte sequence). Carries the byte offset. */
  NOT_UTF8 = 'NOT_UTF8',
  /** Not CSV: binary content (NUL byte) or a structure csv-parse cannot read (unclosed quote, stray quote). */
  NOT_CSV = 'NOT_CSV',
  /** No bytes, only a BOM, or only blank lines. */
  EMPTY_FILE = 'EMPTY_FILE',
  /** No `User Email` column after header mapping. */
  HEADER_MISSING = 'HEADER_MISSING',
  /** Two columns resolve to the same label (directly or through the header mapping). */
  HEADER_DUPLICATE = 'HEADER_DUPLICATE',
  /** A label that differs from a standard label only by case, spaces, `_` or `-` (R-CSV-01): map it or fix it. */
  HEADER_LABEL_MISMATCH = 'HEADER_LABEL_MISMATCH',
  /** A label that cannot be a custom field name (reserved, e.g. `__proto__`). */
  HEADER_LABEL_INVALID = 'HEADER_LABEL_INVALID',
  /** Neither `User Name` nor both `First Name` and `Last Name`. */
  NAME_COLUMNS_MISSING = 'NAME_COLUMNS_MISSING',
  /** A line or record larger than `maxRecordBytes` (wrong delimiter, no newlines, runaway quote). */
  RECORD_TOO_LARGE = 'RECORD_TOO_LARGE',
  /** Larger than the service's maximum file size (ROSTER_MAX_FILE_BYTES, R-SAFE-02); refused before reading. */
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  /** The byte source itself failed (SFTP read error): not the file's fault, worth a retry. */
  READ_FAILED = 'READ_FAILED',
  /** The reader was called with options it cannot honour (a programming or configuration error). */
  INVALID_OPTIONS = 'INVALID_OPTIONS',
}

export interface CsvImportExceptionLocation {
  /** 1-based CSV record number, the header being row 1. */
  rowNumber?: number;
  /** 1-based physical line number. */
  lineNumber?: number;
  /** 0-based offset in the raw file bytes (a BOM included). */
  byteOffset?: number;
  cause?: unknown;
}

export class CsvImportException extends Error {
  override readonly name = 'CsvImportException';
  readonly rowNumber?: number;
  readonly lineNumber?: number;
  readonly byteOffset?: number;

  constructor(
    readonly code: CsvImportExceptionCode,
    readonly fileName: string,
    message: string,
    location: CsvImportExceptionLocation = {},
  ) {
    super(message, location.cause === undefined ? undefined : { cause: location.cause });
    if (location.rowNumber !== undefined) this.rowNumber = location.rowNumber;
    if (location.lineNumber !== undefined) this.lineNumber = location.lineNumber;
    if (location.byteOffset !== undefined) this.byteOffset = location.byteOffset;
  }
}

/** Quote a value from the file for a message, bounded so a runaway cell cannot flood logs or mails. */
export function quoteForMessage(value: string, max = 60): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}
