import fc from 'fast-check';
import { CanonicalEmployee, unescapeCsvCell } from '@roster/contracts';
import { CsvImportException, CsvImportExceptionCode } from './csv-import.exception';
import { USERS_CSV_STANDARD_LABELS } from './users-csv.labels';
import { readCsv, toCsv } from './users-csv.test-helpers';

const CUSTOM_LABELS = ['Cost Center', 'Badge, "quoted"', 'Bio\nmulti-line', 'Ünïcødé 🏷'];
const STANDARD = USERS_CSV_STANDARD_LABELS.filter((label) => label !== 'User Email' && label !== 'User Name');
const HEADER = ['User Email', 'User Name', ...STANDARD, ...CUSTOM_LABELS];

/** Arbitrary text, biased towards what breaks CSV: delimiters, quotes, line breaks, edge spaces, unicode. */
const cellText = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
    { weight: 3, arbitrary: fc.constantFrom(',', '"', '""', '\r', '\n', '\r\n', ' ', '\t', '\u00a0', '\uFEFF', ';', '=') },
  ),
  maxLength: 24,
});
const email = fc.oneof(
  { weight: 4, arbitrary: fc.nat(50).map((n) => `User${n}@Example.COM`) },
  { weight: 1, arbitrary: cellText },
);
const row = fc.tuple(email, cellText, fc.array(cellText, { minLength: STANDARD.length, maxLength: STANDARD.length }), fc.array(cellText, { minLength: CUSTOM_LABELS.length, maxLength: CUSTOM_LABELS.length }));

describe('readUsersCsv over arbitrary cells (fast-check)', () => {
  it('R-CSV-04 custom values round-trip trimmed through RFC 4180 quoting; every record is canonical; only CsvImportException is thrown', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 12 }),
        fc.constantFrom('\r\n', '\n'),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom('dd/mm/yyyy' as const, 'mm/dd/yyyy' as const),
        async (rows, eol, chunkSize, dateFormat) => {
          const cells = rows.map(([mail, name, standard, custom]) => [mail, name, ...standard, ...custom]);
          const file = toCsv([HEADER, ...cells], eol);
          const hasNul = file.includes('\u0000');

          let result: Awaited<ReturnType<typeof readCsv>>;
          try {
            result = await readCsv(file, { dateFormat }, chunkSize);
          } catch (error) {
            if (!(error instanceof CsvImportException)) throw error;
            // The only reason such a file may be refused: a NUL character is binary content.
            expect(error.code).toBe(CsvImportExceptionCode.NOT_CSV);
            expect(hasNul).toBe(true);
            return;
          }
          expect(hasNul).toBe(false);

          const byRow = new Map(result.employees.map((employee) => [employee.rowNumber, employee]));
          cells.forEach((rowCells, i) => {
            const employee = byRow.get(i + 2);
            if (employee === undefined) return; // skipped: blank row or a problem with its email
            const expected: Record<string, string> = {};
            CUSTOM_LABELS.forEach((label, c) => {
              const value = (rowCells[HEADER.length - CUSTOM_LABELS.length + c] ?? '').trim();
              // R-EXP-01: a `'` an export put before a formula trigger is not part of the value.
              if (value !== '') expected[label] = unescapeCsvCell(value);
            });
            expect({ ...employee.customFields }).toEqual(expected);
            expect(employee.email).toBe(unescapeCsvCell((rowCells[0] ?? '').trim()).toLowerCase());
          });
          for (const employee of result.employees) expect(CanonicalEmployee.parse(employee)).toEqual(employee);
          for (const problem of result.problems) {
            expect(problem.rowNumber).toBeGreaterThanOrEqual(2);
            expect(problem.message.startsWith(`users.csv row ${problem.rowNumber}`)).toBe(true);
          }
          const skipped = result.summary.rows - result.summary.blankRows - result.summary.records;
          expect(new Set(result.problems.filter((p) => p.field === 'User Email' || p.field === undefined).map((p) => p.rowNumber)).size).toBe(skipped);
        },
      ),
      { numRuns: 1000 },
    );
  }, 120_000);

  it('R-CSV-15 arbitrary bytes: the reader returns or throws a CsvImportException, nothing else', async () => {
    const header = Buffer.from('User Email,User Name,Note\r\n');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.integer({ min: 1, max: 32 }), async (bytes, withHeader, chunkSize) => {
        const file = withHeader ? Buffer.concat([header, bytes]) : Buffer.from(bytes);
        try {
          const { employees } = await readCsv(file, {}, chunkSize);
          for (const employee of employees) expect(CanonicalEmployee.parse(employee)).toEqual(employee);
        } catch (error) {
          expect(error).toBeInstanceOf(CsvImportException);
        }
      }),
      { numRuns: 1000 },
    );
  }, 120_000);
});
