import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { EXPORT_CSV_OPTIONS, escapeCsvCell, startsWithFormulaTrigger, unescapeCsvCell } from './csv-cell';

const TRIGGERS = ['=', '+', '-', '@', '\t', '\r'];
/** Arbitrary strings, half of them pushed towards the interesting starts (triggers, apostrophes, quotes, commas). */
const cell = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc
    .tuple(fc.array(fc.constantFrom("'", ...TRIGGERS, '"', ',', '\n', ' '), { maxLength: 4 }), fc.string({ unit: 'binary' }))
    .map(([start, rest]) => start.join('') + rest),
);
const RUNS = { numRuns: 2000 };

describe('R-EXP-01 formula-injection escaping of CSV cells', () => {
  it('R-EXP-01 an escaped cell never starts with a formula trigger', () => {
    fc.assert(
      fc.property(cell, (value) => {
        expect(startsWithFormulaTrigger(escapeCsvCell(value))).toBe(false);
      }),
      RUNS,
    );
  });

  it('R-EXP-01 unescape undoes escape for every string (an export re-imports unchanged)', () => {
    fc.assert(
      fc.property(cell, (value) => {
        expect(unescapeCsvCell(escapeCsvCell(value))).toBe(value);
      }),
      RUNS,
    );
  });

  it('R-EXP-01 the quoting round-trips through csv-parse, and escaped cells are quoted', () => {
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const text = stringify(rows, EXPORT_CSV_OPTIONS);
        const parsed = parse(text, { bom: true }) as string[][];
        expect(parsed).toEqual(rows.map((row) => row.map(escapeCsvCell)));
        expect(parsed.map((row) => row.map(unescapeCsvCell))).toEqual(rows);
        // An escaped cell is written quoted, `"'…"`; no record starts with a trigger.
        for (const value of rows.flat()) {
          const written = stringify([[value]], { ...EXPORT_CSV_OPTIONS, bom: false }).slice(0, -2); // without CRLF
          if (escapeCsvCell(value) !== value) expect(written.startsWith(`"'`)).toBe(true);
          expect(startsWithFormulaTrigger(written)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('R-EXP-01 escapes the OWASP triggers and leaves ordinary text and plain apostrophes alone', () => {
    expect(escapeCsvCell("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(escapeCsvCell('-5')).toBe("'-5");
    expect(escapeCsvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(escapeCsvCell('\tx')).toBe("'\tx");
    expect(escapeCsvCell("'=x")).toBe("''=x");
    expect(escapeCsvCell("'Tis")).toBe("'Tis");
    expect(escapeCsvCell('Ann')).toBe('Ann');
    expect(unescapeCsvCell("'Tis")).toBe("'Tis");
    expect(stringify([['=1+1', 'a', 'b\nc']], EXPORT_CSV_OPTIONS)).toBe(`\uFEFF"'=1+1",a,"b\nc"\r\n`);
  });
});
