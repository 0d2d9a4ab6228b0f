import fc from 'fast-check';
import { parseCsvDate } from './csv-date';

describe('parseCsvDate (R-CSV-11)', () => {
  it('R-CSV-11 reads the directory format, with or without leading zeros', () => {
    expect(parseCsvDate('03/04/2021', 'dd/mm/yyyy')).toBe('2021-04-03');
    expect(parseCsvDate('03/04/2021', 'mm/dd/yyyy')).toBe('2021-03-04');
    expect(parseCsvDate('3/4/2021', 'dd/mm/yyyy')).toBe('2021-04-03');
    expect(parseCsvDate('12/31/1999', 'mm/dd/yyyy')).toBe('1999-12-31');
  });

  it('R-CSV-11 always accepts ISO yyyy-mm-dd', () => {
    expect(parseCsvDate('2024-02-29', 'dd/mm/yyyy')).toBe('2024-02-29');
    expect(parseCsvDate('2024-02-29', 'mm/dd/yyyy')).toBe('2024-02-29');
  });

  it('R-CSV-11 refuses dates that do not exist instead of rolling them over', () => {
    for (const value of ['31/02/2021', '29/02/2023', '31/04/2021', '00/01/2021', '01/13/2021', '2021-02-30', '2023-02-29', '1900-02-29', '0000-01-01']) {
      expect(parseCsvDate(value, 'dd/mm/yyyy')).toBeUndefined();
    }
    expect(parseCsvDate('29/02/2000', 'dd/mm/yyyy')).toBe('2000-02-29');
  });

  it('R-CSV-11 never guesses: a day above 12 in the month position is unreadable, not swapped', () => {
    expect(parseCsvDate('13/01/2021', 'mm/dd/yyyy')).toBeUndefined();
    expect(parseCsvDate('01/13/2021', 'dd/mm/yyyy')).toBeUndefined();
  });

  it('R-CSV-11 refuses other shapes: two-digit years, other separators, times, words', () => {
    for (const value of ['03/04/21', '03-04-2021', '03.04.2021', '2021/04/03', '2021-4-3', '2021-04-03T00:00:00Z', 'tomorrow', '', '44927']) {
      expect(parseCsvDate(value, 'dd/mm/yyyy')).toBeUndefined();
    }
  });

  it('R-CSV-11 agrees with the calendar for every day in 1899..2101, in both formats', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1899-01-01T00:00:00Z'), max: new Date('2101-12-31T00:00:00Z'), noInvalidDate: true }), (date) => {
        const iso = date.toISOString().slice(0, 10);
        const [y, m, d] = iso.split('-');
        expect(parseCsvDate(`${d}/${m}/${y}`, 'dd/mm/yyyy')).toBe(iso);
        expect(parseCsvDate(`${m}/${d}/${y}`, 'mm/dd/yyyy')).toBe(iso);
        expect(parseCsvDate(iso, 'dd/mm/yyyy')).toBe(iso);
      }),
      { numRuns: 1000 },
    );
  });
});
