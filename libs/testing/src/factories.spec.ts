import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csv, employeeEmail, fakeEmployee, usersCsv, USERS_CSV_HEADERS } from './factories';

describe('csv', () => {
  it('writes a header and rows with CRLF by default, quoting only cells with comma, quote, CR or LF', () => {
    const text = csv([
      { name: 'Ada', note: 'plain' },
      { name: 'Lovelace, Ada', note: 'said "hi"\nthen left' },
    ]);
    expect(text).toBe('name,note\r\nAda,plain\r\n"Lovelace, Ada","said ""hi""\nthen left"\r\n');
  });

  it('uses the given headers in order, leaves missing values empty, and honours eol and bom', () => {
    expect(csv([{ b: '2', a: '1' }, { a: '3' }], ['a', 'b', 'c'], { eol: '\n', bom: true })).toBe('\uFEFFa,b,c\n1,2,\n3,,\n');
  });

  it('quotes a lone empty cell so the record is not a blank line', () => {
    expect(csv([{ a: '' }, { a: 'x' }], undefined, { eol: '\n' })).toBe('a\n""\nx\n');
  });

  it('round-trips arbitrary cell text through an RFC 4180 parser', () => {
    const cell = fc.string({ unit: 'grapheme', maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 5 }), (pairs) => {
        const rows = pairs.map(([x, y]) => ({ x, y }));
        const parsed = parse(csv(rows), { columns: true, relax_column_count: false }) as Record<string, string>[];
        expect(parsed).toEqual(rows);
      }),
    );
  });
});

describe('usersCsv', () => {
  it('orders the standard columns the rows use as the users file does, then custom columns', () => {
    const text = usersCsv([
      { 'Cost Center': 'CC-1', 'Last Name': 'Lovelace', 'User Email': 'ada@example.com' },
      { 'User Email': 'alan@example.com', Teams: 'Platform,Payments', Badge: '7' },
    ]);
    expect(text.split('\r\n')[0]).toBe('User Email,Last Name,Teams,Cost Center,Badge');
    expect(text.split('\r\n')[2]).toBe('alan@example.com,,"Platform,Payments",,7');
  });
});

describe('fakeEmployee', () => {
  it('is deterministic and uses only standard users-file labels', () => {
    expect(fakeEmployee(7)).toEqual(fakeEmployee(7));
    for (const key of Object.keys(fakeEmployee(7))) expect(USERS_CSV_HEADERS).toContain(key);
  });

  it('gives 2 000 employees unique emails and ids, and a manager tree rooted at employee 0', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => fakeEmployee(i));
    expect(new Set(rows.map((r) => r['User Email'])).size).toBe(2000);
    expect(new Set(rows.map((r) => r['Employee ID'])).size).toBe(2000);
    expect(rows[0]!['Manager Email']).toBe('');
    rows.slice(1).forEach((row, index) => {
      const managerIndex = rows.findIndex((r) => r['User Email'] === row['Manager Email']);
      expect(managerIndex).toBeGreaterThanOrEqual(0);
      expect(managerIndex).toBeLessThanOrEqual(index);
    });
    expect(rows.every((r) => /^[a-z0-9.-]+@example\.com$/.test(r['User Email']!))).toBe(true);
    expect(employeeEmail(0)).toBe('ada.lovelace@example.com');
  });

  it('produces a users file that parses back to the same rows', () => {
    const rows = Array.from({ length: 50 }, (_, i) => fakeEmployee(i));
    expect(parse(usersCsv(rows), { columns: true })).toEqual(rows);
  });
});
