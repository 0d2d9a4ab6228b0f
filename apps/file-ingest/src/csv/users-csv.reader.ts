import type { Readable } from 'node:stream';
import type { CanonicalEmployee, RowProblem } from '@roster/contracts';
import { CSV_READER_DEFAULTS, CsvRecordKind, CsvSummary, ReadCsvOptions, readCsvRecords } from './csv-records.reader';
import { resolveUsersCsvHeader } from './users-csv.header';
import { UsersCsvRowMapper } from './users-csv.row';

export type ReadUsersCsvOptions = ReadCsvOptions;
export type UsersCsvSummary = CsvSummary;
export const USERS_CSV_DEFAULTS = CSV_READER_DEFAULTS;

export interface UsersCsvBatch {
  employees: CanonicalEmployee[];
  problems: RowProblem[];
}

const USERS_FILE: CsvRecordKind<CanonicalEmployee, UsersCsvBatch> = {
  itemKey: 'employees',
  start(cells, { fileName, mapping, dateFormat }) {
    const header = resolveUsersCsvHeader(cells, fileName, mapping);
    return {
      mapper: new UsersCsvRowMapper(fileName, dateFormat, header),
      headers: header.labels,
      customFieldLabels: header.custom.map((column) => column.label),
    };
  },
  batch: (employees, problems) => ({ employees, problems }),
};

/**
 * Streams a users CSV (R-CSV-01..15) into bounded batches of CanonicalEmployee + RowProblem (see
 * readCsvRecords for streaming, memory and errors).
 *
 * ```ts
 * const reader = readUsersCsv(stream, { fileName, dateFormat });
 * for (let step = await reader.next(); !step.done; step = await reader.next()) await publish(step.value);
 * ```
 */
export function readUsersCsv(input: Readable, options: ReadUsersCsvOptions): AsyncGenerator<UsersCsvBatch, UsersCsvSummary, undefined> {
  return readCsvRecords(input, options, USERS_FILE);
}
