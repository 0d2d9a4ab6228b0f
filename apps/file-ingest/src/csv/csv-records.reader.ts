import { pipeline, Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { RECORDS_BATCH_MAX_BYTES, type RowProblem } from '@roster/contracts';
import { CsvByteGuard } from './csv-byte-guard';
import { CSV_DATE_FORMATS, CsvDateFormat } from './csv-date';
import { CsvImportException, CsvImportExceptionCode } from './csv-import.exception';
import { HeaderMapping, normaliseHeaderMapping } from './users-csv.header';
import { isBlankRow } from './users-csv.row';

export interface ReadCsvOptions {
  /** Shown in every message ("users.csv row 12, …"). */
  fileName: string;
  /** The directory's date format (R-CSV-11); ISO yyyy-mm-dd is always accepted too. */
  dateFormat: CsvDateFormat;
  /** Customer label -> standard label (R-CSV-01); exact and case-sensitive after trimming. */
  headerMapping?: HeaderMapping;
  /** A batch holds at most this many entries (records + problems; a row's entries stay together). Default 1000. */
  batchSize?: number;
  /**
   * A batch closes before its JSON ({ <records>, problems }) would pass this many UTF-8 bytes (exact, not an
   * estimate); a single row larger than this is yielded alone. Default 1 MiB − 64 KiB.
   */
  maxBatchBytes?: number;
  /** Longest record content and longest physical line, in bytes. Default 64 KiB. */
  maxRecordBytes?: number;
}

export interface CsvSummary {
  fileName: string;
  /** Data rows after the header, blank rows included. */
  rows: number;
  /** Records emitted. rows − blankRows − records = rows skipped with a problem. */
  records: number;
  /** Row problems reported (a row can have several). */
  problems: number;
  blankRows: number;
  batches: number;
  /** Resolved header labels in file order (after mapping; blank header cells left out). */
  headers: string[];
  /** The custom field labels (R-CSV-04), in file order. */
  customFieldLabels: string[];
}

export const CSV_READER_DEFAULTS = {
  batchSize: 1000,
  maxBatchBytes: RECORDS_BATCH_MAX_BYTES,
  maxRecordBytes: 64 * 1024,
} as const;

/** The JSON text of each batch's records, as the reader serialised them to count the batch's bytes. */
const recordsJson = new WeakMap<object, string>();

/**
 * A batch's records as JSON text (`[…]`, equal to `JSON.stringify` of its records), so the batch can be published
 * without serialising every record a second time; undefined for an object the reader did not yield.
 */
export function recordsJsonOf(batch: object): string | undefined {
  return recordsJson.get(batch);
}

/** Maps the data rows of one file; a row's problems are pushed onto `problems`. */
export interface CsvRowMapper<T> {
  map(cells: readonly string[], rowNumber: number, problems: RowProblem[]): T | undefined;
}

/** What differs between the users and the teams file: the header, the row mapping and the batch shape. */
export interface CsvRecordKind<T, B> {
  /** The batch's property holding the records, so batch sizes are exact. */
  itemKey: string;
  /** Resolves the header row (or throws a CsvImportException) and returns the row mapper. */
  start(
    cells: readonly string[],
    context: { fileName: string; mapping: ReadonlyMap<string, string>; dateFormat: CsvDateFormat },
  ): { mapper: CsvRowMapper<T>; headers: readonly string[]; customFieldLabels: readonly string[] };
  batch(items: T[], problems: RowProblem[]): B;
}

/**
 * Streams a CSV file (R-CSV-01..15) into bounded batches of records + RowProblem; the record shape comes from
 * `kind` (readUsersCsv, readTeamsCsv).
 *
 * Lazy and back-pressured: nothing is read until the first `next()`, and the parse pauses while the consumer
 * holds a batch. Memory is O(batch + maxRecordBytes) plus what the mapper keeps (keys seen, for duplicates).
 * Throws only CsvImportException: a file that cannot be read (NOT_UTF8, NOT_CSV, header codes,
 * RECORD_TOO_LARGE, EMPTY_FILE) or a failing source (READ_FAILED). Batches already yielded must then be
 * discarded by the caller: the file is rejected whole. Returning early (`return()`) destroys `input`.
 */
export async function* readCsvRecords<T, B>(
  input: Readable,
  options: ReadCsvOptions,
  kind: CsvRecordKind<T, B>,
): AsyncGenerator<B, CsvSummary, undefined> {
  const settings = validateOptions(options);
  const { fileName } = settings;
  const mapping = normaliseHeaderMapping(fileName, options.headerMapping);

  const parser = parse({
    bom: true,
    columns: false,
    delimiter: ',',
    quote: '"',
    escape: '"',
    // Explicit list: auto-detection locks onto the first line ending and would glue mixed-ending lines.
    record_delimiter: ['\r\n', '\n', '\r'],
    // Short rows (trailing empties dropped) are fine; long ones are checked per row (extra cells must be blank).
    relax_column_count: true,
    skip_empty_lines: false,
    trim: true,
    max_record_size: settings.maxRecordBytes,
  });
  pipeline(input, new CsvByteGuard(fileName, settings.maxRecordBytes), parser, () => {
    // Errors reach us through the parser's iterator; nothing to do here.
  });
  const records: AsyncIterator<string[]> = parser[Symbol.asyncIterator]();

  let mapper: CsvRowMapper<T> | undefined;
  let rowNumber = 0;
  let headerRowBlank = false;
  let sawAnyRecord = false;
  const summary: CsvSummary = {
    fileName,
    rows: 0,
    records: 0,
    problems: 0,
    blankRows: 0,
    batches: 0,
    headers: [],
    customFieldLabels: [],
  };
  const emptyBatchBytes = jsonBytes({ [kind.itemKey]: [], problems: [] });
  let batch: { items: T[]; json: string[]; problems: RowProblem[] } = { items: [], json: [], problems: [] };
  let batchBytes = emptyBatchBytes;
  const held = (): number => batch.items.length + batch.problems.length;
  const takeBatch = (): B => {
    const full = batch;
    batch = { items: [], json: [], problems: [] };
    batchBytes = emptyBatchBytes;
    summary.batches += 1;
    const yielded = kind.batch(full.items, full.problems);
    recordsJson.set(yielded as object, `[${full.json.join(',')}]`);
    return yielded;
  };
  const rowProblems: RowProblem[] = [];
  let finished = false;

  try {
    for (;;) {
      let step: IteratorResult<string[]>;
      try {
        step = await records.next();
      } catch (error) {
        throw toCsvImportException(error, fileName, settings.maxRecordBytes);
      }
      if (step.done) break;
      const cells = step.value;
      rowNumber += 1;
      sawAnyRecord = true;

      if (mapper === undefined) {
        if (isBlankRow(cells)) {
          // Keep looking only to tell an all-blank file (EMPTY_FILE) from a misplaced header.
          headerRowBlank = true;
          continue;
        }
        if (headerRowBlank) {
          throw new CsvImportException(
            CsvImportExceptionCode.HEADER_MISSING,
            fileName,
            `${fileName} has no header: row 1 is blank (row ${rowNumber} is the first with content); ` +
              'the header must be the first row',
            { rowNumber: 1, lineNumber: 1 },
          );
        }
        const started = kind.start(cells, { fileName, mapping, dateFormat: settings.dateFormat });
        mapper = started.mapper;
        summary.headers = [...started.headers];
        summary.customFieldLabels = [...started.customFieldLabels];
        continue;
      }

      summary.rows += 1;
      if (isBlankRow(cells)) {
        summary.blankRows += 1;
        continue;
      }
      rowProblems.length = 0;
      const record = mapper.map(cells, rowNumber, rowProblems);
      let entryBytes = 0;
      const recordJson = record === undefined ? '' : JSON.stringify(record);
      if (record !== undefined) entryBytes += Buffer.byteLength(recordJson) + 1;
      for (const problem of rowProblems) entryBytes += jsonBytes(problem) + 1;

      // A row's entries are never split across batches: close the batch first if they would not fit.
      const entries = (record === undefined ? 0 : 1) + rowProblems.length;
      if (held() > 0 && (batchBytes + entryBytes > settings.maxBatchBytes || held() + entries > settings.batchSize)) {
        yield takeBatch();
      }
      if (record !== undefined) {
        batch.items.push(record);
        batch.json.push(recordJson);
        summary.records += 1;
      }
      for (const problem of rowProblems) batch.problems.push(problem);
      summary.problems += rowProblems.length;
      batchBytes += entryBytes;
      if (held() >= settings.batchSize) yield takeBatch();
    }

    if (mapper === undefined) {
      throw new CsvImportException(
        CsvImportExceptionCode.EMPTY_FILE,
        fileName,
        sawAnyRecord ? `${fileName} is empty: it has only blank lines` : `${fileName} is empty`,
      );
    }
    if (held() > 0) yield takeBatch();
    finished = true;
    return summary;
  } finally {
    // Early return or a rejected file: stop reading and release the source.
    if (!finished) parser.destroy();
  }
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

interface ReaderSettings {
  fileName: string;
  dateFormat: CsvDateFormat;
  batchSize: number;
  maxBatchBytes: number;
  maxRecordBytes: number;
}

function validateOptions(options: ReadCsvOptions): ReaderSettings {
  const fileName = options.fileName;
  const fail = (why: string): never => {
    throw new CsvImportException(CsvImportExceptionCode.INVALID_OPTIONS, fileName, `cannot read ${fileName}: ${why}`);
  };
  if (typeof fileName !== 'string' || fileName.trim() === '') fail('fileName is blank');
  if (!CSV_DATE_FORMATS.includes(options.dateFormat)) fail(`unknown date format ${JSON.stringify(options.dateFormat)}`);
  const positive = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const chosen = value ?? fallback;
    if (!Number.isSafeInteger(chosen) || chosen < min) fail(`${name} must be an integer of at least ${min}, got ${chosen}`);
    return chosen;
  };
  return {
    fileName,
    dateFormat: options.dateFormat,
    batchSize: positive('batchSize', options.batchSize, CSV_READER_DEFAULTS.batchSize, 1),
    maxBatchBytes: positive('maxBatchBytes', options.maxBatchBytes, CSV_READER_DEFAULTS.maxBatchBytes, 1024),
    maxRecordBytes: positive('maxRecordBytes', options.maxRecordBytes, CSV_READER_DEFAULTS.maxRecordBytes, 64),
  };
}

/** Maps whatever the stream pipeline raised to the file-level codes (R-CSV-15). */
function toCsvImportException(error: unknown, fileName: string, maxRecordBytes: number): CsvImportException {
  if (error instanceof CsvImportException) return error;
  if (error instanceof CsvError) {
    // csv-parse counts records including the header, so the failing record is the next one.
    const rowNumber = typeof error['records'] === 'number' ? error['records'] + 1 : undefined;
    const lineNumber = typeof error['lines'] === 'number' ? error['lines'] : undefined;
    const where = [rowNumber === undefined ? '' : `row ${rowNumber}`, lineNumber === undefined ? '' : `line ${lineNumber}`]
      .filter(Boolean)
      .join(', ');
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      return new CsvImportException(
        CsvImportExceptionCode.RECORD_TOO_LARGE,
        fileName,
        `${fileName}${where === '' ? '' : ` ${where}`}: a record is larger than ${maxRecordBytes} bytes ` +
          '(a quote left open, or a delimiter other than comma?)',
        { rowNumber, lineNumber, cause: error },
      );
    }
    return new CsvImportException(
      CsvImportExceptionCode.NOT_CSV,
      fileName,
      `${fileName} is not readable CSV${where === '' ? '' : ` at ${where}`}: ${describeCsvError(error)}`,
      { rowNumber, lineNumber, cause: error },
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new CsvImportException(CsvImportExceptionCode.READ_FAILED, fileName, `could not read ${fileName}: ${detail}`, {
    cause: error,
  });
}

function describeCsvError(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'text follows a closing quote (quotes inside a quoted cell must be doubled)';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote inside an unquoted cell (quote the cell and double the quote)';
    default:
      return error.message;
  }
}
