export * from './csv-import.exception';
export * from './csv-date';
export { USERS_CSV_STANDARD_LABELS, type UsersCsvStandardLabel, isUsersCsvStandardLabel } from './users-csv.labels';
export type { HeaderMapping } from './users-csv.header';
export * from './users-csv.reader';
export * from './teams-csv.reader';
export { readCsvRecords, recordsJsonOf, type CsvSummary, type ReadCsvOptions } from './csv-records.reader';
