import { Readable } from 'node:stream';
import { CsvImportException } from './csv-import.exception';
import { ReadUsersCsvOptions, UsersCsvBatch, UsersCsvSummary, readUsersCsv } from './users-csv.reader';

/** Test-only helpers (candidates for libs/testing's CSV factories). */

/** One cell per RFC 4180: quoted when it holds a comma, quote, CR or LF (or edge whitespace), quotes doubled. */
export function csvCell(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(rows: readonly (readonly string[])[], eol = '\r\n'): string {
  return rows.map((row) => row.map(csvCell).join(',')).join(eol) + eol;
}

/** A byte stream of `content`, cut into `chunkSize`-byte chunks (to split lines and characters). */
export function byteStream(content: string | Buffer, chunkSize = 64 * 1024): Readable {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks, { objectMode: false });
}

export const baseOptions: ReadUsersCsvOptions = { fileName: 'users.csv', dateFormat: 'dd/mm/yyyy' };

export interface ReadResult {
  batches: UsersCsvBatch[];
  summary: UsersCsvSummary;
}

export async function readAll(input: Readable, options: Partial<ReadUsersCsvOptions> = {}): Promise<ReadResult> {
  const reader = readUsersCsv(input, { ...baseOptions, ...options });
  const batches: UsersCsvBatch[] = [];
  for (let step = await reader.next(); ; step = await reader.next()) {
    if (step.done === true) return { batches, summary: step.value };
    batches.push(step.value);
  }
}

export async function readCsv(content: string | Buffer, options: Partial<ReadUsersCsvOptions> = {}, chunkSize?: number) {
  const result = await readAll(byteStream(content, chunkSize), options);
  return {
    ...result,
    employees: result.batches.flatMap((b) => b.employees),
    problems: result.batches.flatMap((b) => b.problems),
  };
}

/** The CsvImportException a read rejects with; fails the test if it resolves or throws anything else. */
export async function rejection(content: string | Buffer, options: Partial<ReadUsersCsvOptions> = {}, chunkSize?: number): Promise<CsvImportException> {
  try {
    await readCsv(content, options, chunkSize);
  } catch (error) {
    if (error instanceof CsvImportException) return error;
    throw error;
  }
  throw new Error('expected the file to be rejected');
}
