import { Readable } from 'node:stream';
import { CanonicalEmployee } from '@roster/contracts';
import { CsvImportException, CsvImportExceptionCode } from './csv-import.exception';
import { UsersCsvBatch, readUsersCsv } from './users-csv.reader';
import { baseOptions, byteStream, toCsv } from './users-csv.test-helpers';

const HEADER = ['User Email', 'First Name', 'Last Name', 'Teams', 'Is Org Admin', 'Start Date', 'Note'];

/** Generates rows on demand and counts the bytes handed out, so tests can see how far the reader has read. */
class GeneratedUsersCsv extends Readable {
  bytesRead = 0;
  /** rowEnd[n - 1]: bytes up to the end of CSV row n (row 1 = header). */
  readonly rowEnd: Float64Array;
  private nextRow = 0;

  constructor(
    readonly rows: number,
    private readonly failAtRow?: number,
  ) {
    super({ highWaterMark: 16 * 1024 });
    this.rowEnd = new Float64Array(rows + 1);
  }

  override _read(): void {
    let text = '';
    if (this.nextRow === 0) {
      text = toCsv([HEADER]);
      this.rowEnd[0] = text.length;
      this.nextRow = 1;
    }
    while (text.length < 16 * 1024 && this.nextRow <= this.rows) {
      if (this.nextRow === this.failAtRow) {
        this.destroy(new Error('connection reset by SFTP server'));
        return;
      }
      const i = this.nextRow++;
      // Every 997th row carries a 10 KB note, so the batches holding one close on bytes before the count.
      const note = i % 997 === 0 ? 'n'.repeat(10_000) : `note ${i}`;
      text += `user${i}@example.com,First${i},"Last, ${i}","Team ${i % 13}, All",${i % 2 ? 'Yes' : 'No'},01/02/2020,${note}\r\n`;
      this.rowEnd[i] = this.bytesRead + text.length; // ASCII only: characters are bytes
    }
    if (text !== '') {
      this.bytesRead += text.length;
      this.push(Buffer.from(text));
    }
    if (this.nextRow > this.rows) this.push(null);
  }
}

const entries = (batch: UsersCsvBatch): number => batch.employees.length + batch.problems.length;
const jsonBytes = (batch: UsersCsvBatch): number => Buffer.byteLength(JSON.stringify(batch));
const eventLoopTurns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('readUsersCsv streaming', () => {
  it('200k rows: batches bounded by count and by JSON bytes, the source read lazily and in step with the consumer', async () => {
    const source = new GeneratedUsersCsv(200_000);
    const batchSize = 500;
    const maxBatchBytes = 108 * 1024;
    const reader = readUsersCsv(source, { ...baseOptions, batchSize, maxBatchBytes });

    expect(source.bytesRead).toBe(0); // nothing is read before the first next()
    const first = await reader.next();
    expect(first.done).toBe(false);
    await eventLoopTurns(50); // let every buffer in the pipeline fill while we hold the batch
    const readWhileHolding = source.bytesRead;
    expect(readWhileHolding).toBeLessThan(1024 * 1024);

    let records = first.done ? 0 : first.value.employees.length;
    let closedByCount = 0;
    let closedByBytes = 0;
    let maxAhead = 0;
    let largestCount = 0;
    let largestBytes = 0;
    let previousRow = 1;
    let step = first;
    const batches: UsersCsvBatch[] = [];
    while (!step.done) {
      const batch = step.value;
      largestCount = Math.max(largestCount, entries(batch));
      largestBytes = Math.max(largestBytes, jsonBytes(batch));
      if (entries(batch) === batchSize) closedByCount += 1;
      else closedByBytes += 1;
      for (const employee of batch.employees) {
        if (employee.rowNumber !== previousRow + 1) throw new Error(`row ${employee.rowNumber} after ${previousRow}`);
        previousRow += 1;
      }
      batches.push(batch);
      step = await reader.next();
      if (!step.done) records += step.value.employees.length;
      // Bytes read beyond the rows handed out stay bounded: the parse follows the consumer.
      maxAhead = Math.max(maxAhead, source.bytesRead - (source.rowEnd[previousRow - 1] ?? 0));
    }
    const summary = step.value;

    expect(records).toBe(200_000);
    expect(summary).toMatchObject({ rows: 200_000, records: 200_000, problems: 0, batches: batches.length });
    expect(largestCount).toBe(batchSize);
    expect(largestBytes).toBeLessThanOrEqual(maxBatchBytes);
    expect(closedByCount).toBeGreaterThan(0);
    expect(closedByBytes).toBeGreaterThan(100); // those holding a long note
    expect(maxAhead).toBeLessThan(1024 * 1024);
    expect(source.bytesRead).toBeGreaterThan(20 * readWhileHolding);
    for (const employee of batches[0]?.employees ?? []) expect(CanonicalEmployee.parse(employee)).toEqual(employee);
    // csv-parse runs several times slower inside jest's vm sandbox (global lookups per character) than in node.
  }, 120_000);

  it('returning early stops the read and destroys the source', async () => {
    const source = new GeneratedUsersCsv(100_000);
    const reader = readUsersCsv(source, baseOptions);
    await reader.next();
    await reader.return(undefined as never);
    await eventLoopTurns(5);
    expect(source.destroyed).toBe(true);
    expect(source.bytesRead).toBeLessThan(1024 * 1024);
  });

  it('R-CSV-15 a source that fails mid-file rejects the file as READ_FAILED, with the cause', async () => {
    const reader = readUsersCsv(new GeneratedUsersCsv(10_000, 5_000), baseOptions);
    const error = await (async () => {
      try {
        for (let step = await reader.next(); !step.done; step = await reader.next());
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CsvImportException);
    expect((error as CsvImportException).code).toBe(CsvImportExceptionCode.READ_FAILED);
    expect((error as CsvImportException).message).toBe('could not read users.csv: connection reset by SFTP server');
  });

  it('a file with a bad byte late in the file is rejected after batches were yielded (callers discard them)', async () => {
    const good = toCsv([['User Email', 'User Name'], ...Array.from({ length: 50_000 }, (_, i) => [`u${i}@x.com`, `U ${i}`])]);
    const file = Buffer.concat([Buffer.from(good), Buffer.from([0xff])]);
    const reader = readUsersCsv(byteStream(file, 16 * 1024), { ...baseOptions, batchSize: 1000 });
    let yielded = 0;
    await expect(
      (async () => {
        for (let step = await reader.next(); !step.done; step = await reader.next()) yielded += 1;
      })(),
    ).rejects.toMatchObject({ code: CsvImportExceptionCode.NOT_UTF8, byteOffset: Buffer.byteLength(good) });
    expect(yielded).toBeGreaterThan(0);
  });
});
