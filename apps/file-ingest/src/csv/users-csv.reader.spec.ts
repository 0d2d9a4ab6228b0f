import { CanonicalEmployee, RowProblemCode } from '@roster/contracts';
import { recordsJsonOf } from './csv-records.reader';
import { CsvImportExceptionCode } from './csv-import.exception';
import { USERS_CSV_STANDARD_LABELS } from './users-csv.labels';
import { readCsv, rejection, toCsv } from './users-csv.test-helpers';

const HEADER = ['User Email', 'User Name'];

function expectAllCanonical(employees: readonly CanonicalEmployee[]): void {
  for (const employee of employees) expect(CanonicalEmployee.parse(employee)).toEqual(employee);
}

describe('readUsersCsv: header (R-CSV-01, R-CSV-02, R-CSV-04)', () => {
  it('R-CSV-01 labels are trimmed and must equal the standard labels exactly', async () => {
    const { employees, summary } = await readCsv(toCsv([['  User Email ', ' User Name'], ['ann@x.com', 'Ann Lee']]));
    expect(summary.headers).toEqual(['User Email', 'User Name']);
    expect(employees).toEqual([{ rowNumber: 2, email: 'ann@x.com', displayName: 'Ann Lee', firstName: 'Ann', lastName: 'Lee' }]);
  });

  it('R-CSV-01 a header label that differs from the standard label is refused unless mapped', async () => {
    const file = toCsv([['Email', 'Full Name'], ['ann@x.com', 'Ann Lee']]);
    const refused = await rejection(file);
    expect(refused.code).toBe(CsvImportExceptionCode.HEADER_MISSING);
    expect(refused.message).toContain('users.csv');
    expect(refused.message).toContain('"Email"');

    const { employees } = await readCsv(file, { headerMapping: { Email: 'User Email', 'Full Name': 'User Name' } });
    expect(employees).toEqual([{ rowNumber: 2, email: 'ann@x.com', displayName: 'Ann Lee', firstName: 'Ann', lastName: 'Lee' }]);
  });

  it('R-CSV-01 a label that differs from a standard one only by case or spacing is refused, not made a custom field', async () => {
    const refused = await rejection(toCsv([['User Email', 'User Name', 'is org admin'], ['ann@x.com', 'Ann', 'Yes']]));
    expect(refused.code).toBe(CsvImportExceptionCode.HEADER_LABEL_MISMATCH);
    expect(refused.message).toMatch(/column 3 is "is org admin", not the standard label "Is Org Admin"/);
    const mapped = await readCsv(toCsv([['User Email', 'User Name', 'is org admin'], ['ann@x.com', 'Ann', 'Yes']]), {
      headerMapping: { 'is org admin': 'Is Org Admin' },
    });
    expect(mapped.employees[0]?.isOrgAdmin).toBe(true);
  });

  it('R-CSV-01 the header mapping is exact: its keys are not matched case-insensitively', async () => {
    const refused = await rejection(toCsv([['EMAIL', 'User Name'], ['ann@x.com', 'Ann']]), { headerMapping: { Email: 'User Email' } });
    expect(refused.code).toBe(CsvImportExceptionCode.HEADER_MISSING);
  });

  it('R-CSV-02 a file without a User Email column is rejected whole (HEADER_MISSING)', async () => {
    const refused = await rejection(toCsv([['User Name', 'Teams'], ['Ann', 'Sales']]));
    expect(refused.code).toBe(CsvImportExceptionCode.HEADER_MISSING);
    expect(refused.rowNumber).toBe(1);
  });

  it('R-CSV-02 a semicolon-delimited file is rejected with a hint about the delimiter', async () => {
    const refused = await rejection('User Email;User Name\r\nann@x.com;Ann\r\n');
    expect(refused.code).toBe(CsvImportExceptionCode.HEADER_MISSING);
    expect(refused.message).toContain('delimiter');
  });

  it('R-CSV-02 the name columns are User Name, or First Name and Last Name together', async () => {
    expect((await rejection(toCsv([['User Email', 'First Name'], ['ann@x.com', 'Ann']]))).code).toBe(
      CsvImportExceptionCode.NAME_COLUMNS_MISSING,
    );
    expect((await rejection(toCsv([['User Email'], ['ann@x.com']]))).code).toBe(CsvImportExceptionCode.NAME_COLUMNS_MISSING);
    const { employees } = await readCsv(toCsv([['User Email', 'First Name', 'Last Name'], ['ann@x.com', 'Ann', 'Lee']]));
    expect(employees).toEqual([{ rowNumber: 2, email: 'ann@x.com', firstName: 'Ann', lastName: 'Lee' }]);
  });

  it('R-CSV-02 a duplicated label, directly or through the mapping, is rejected (HEADER_DUPLICATE)', async () => {
    const direct = await rejection(toCsv([['User Email', 'User Name', 'User Email'], ['a@x.com', 'A', 'b@x.com']]));
    expect(direct.code).toBe(CsvImportExceptionCode.HEADER_DUPLICATE);
    expect(direct.message).toMatch(/"User Email" appears in column 1 and column 3/);
    const mapped = await rejection(toCsv([['User Email', 'User Name', 'Mail'], ['a@x.com', 'A', 'b@x.com']]), {
      headerMapping: { Mail: 'User Email' },
    });
    expect(mapped.code).toBe(CsvImportExceptionCode.HEADER_DUPLICATE);
    const custom = await rejection(toCsv([['User Email', 'User Name', 'Badge', 'Badge'], ['a@x.com', 'A', '1', '2']]));
    expect(custom.code).toBe(CsvImportExceptionCode.HEADER_DUPLICATE);
  });

  it('R-CSV-02 every standard label is read into its canonical field', async () => {
    const labels = USERS_CSV_STANDARD_LABELS.filter((l) => l !== 'User Name');
    const values: Record<(typeof labels)[number], string> = {
      'User Email': 'Ann.Lee@Example.com',
      'First Name': 'Ann',
      'Last Name': 'Lee',
      'Manager Email': 'Boss@Example.com',
      Teams: 'Sales, EMEA',
      'Is Org Admin': 'No',
      'Deactivation Date': '31/12/2030',
      'Job Title': 'Engineer',
      Department: 'R&D',
      Location: 'Paris',
      'Employee ID': 'E-1',
      'Start Date': '2020-02-29',
    };
    const { employees } = await readCsv(toCsv([labels, labels.map((l) => values[l])]));
    expect(employees).toEqual([
      {
        rowNumber: 2,
        email: 'ann.lee@example.com',
        firstName: 'Ann',
        lastName: 'Lee',
        managerEmail: 'boss@example.com',
        teams: ['Sales', 'EMEA'],
        isOrgAdmin: false,
        deactivationDate: '2030-12-31',
        jobTitle: 'Engineer',
        department: 'R&D',
        location: 'Paris',
        employeeId: 'E-1',
        startDate: '2020-02-29',
      },
    ]);
    expectAllCanonical(employees);
  });

  it('R-CSV-04 any other label is a custom field carried as customFields[label], blank cells left out', async () => {
    const { employees, summary } = await readCsv(
      toCsv([
        ['User Email', 'Cost Center', 'User Name', 'T-shirt size', 'constructor'],
        ['ann@x.com', 'CC-1', 'Ann', ' M ', 'x'],
        ['bob@x.com', '', 'Bob', '  ', ''],
      ]),
    );
    expect(summary.customFieldLabels).toEqual(['Cost Center', 'T-shirt size', 'constructor']);
    expect(employees[0]?.customFields).toEqual({ 'Cost Center': 'CC-1', 'T-shirt size': 'M', constructor: 'x' });
    expect(employees[1]).not.toHaveProperty('customFields');
    expectAllCanonical(employees);
  });

  it('R-CSV-04 a label that cannot be a field name (__proto__) is refused', async () => {
    const refused = await rejection(toCsv([['User Email', 'User Name', '__proto__'], ['ann@x.com', 'Ann', 'x']]));
    expect(refused.code).toBe(CsvImportExceptionCode.HEADER_LABEL_INVALID);
  });

  it('blank header cells (Excel trailing columns) are ignored', async () => {
    const { employees, summary } = await readCsv('User Email,User Name,,\r\nann@x.com,Ann,,\r\n');
    expect(summary.headers).toEqual(['User Email', 'User Name']);
    expect(employees).toHaveLength(1);
  });
});

describe('readUsersCsv: rows', () => {
  it('R-CSV-02 emails are trimmed and lower-cased; a repeat (any case) is a DUPLICATE_EMAIL on the later row', async () => {
    const { employees, problems } = await readCsv(
      toCsv([HEADER, [' Ann@X.com ', 'Ann'], ['bob@x.com', 'Bob'], ['ANN@x.COM', 'Ann again']]),
    );
    expect(employees.map((e) => [e.rowNumber, e.email])).toEqual([
      [2, 'ann@x.com'],
      [3, 'bob@x.com'],
    ]);
    expect(problems).toEqual([
      {
        rowNumber: 4,
        field: 'User Email',
        code: RowProblemCode.DUPLICATE_EMAIL,
        message: 'users.csv row 4, User Email: ann@x.com already appears in row 2; row skipped',
      },
    ]);
  });

  it('R-CSV-07 a blank cell (empty or whitespace) leaves the field out, so the stored value is kept', async () => {
    const { employees } = await readCsv(
      toCsv([
        ['User Email', 'User Name', 'Job Title', 'Teams', 'Is Org Admin', 'Start Date', 'Manager Email'],
        ['ann@x.com', ' ', '', '  ', '', ' ', ''],
      ]),
    );
    expect(employees).toEqual([{ rowNumber: 2, email: 'ann@x.com' }]);
  });

  it('R-CSV-07 a Teams cell of only commas names no team and is treated as blank', async () => {
    const { employees } = await readCsv(toCsv([['User Email', 'User Name', 'Teams'], ['ann@x.com', 'Ann', ' , ,']]));
    expect(employees[0]).not.toHaveProperty('teams');
  });

  it('R-CSV-07 a short row (trailing empty cells dropped) reads the missing cells as blank', async () => {
    const { employees, problems } = await readCsv('User Email,User Name,Job Title,Location\r\nann@x.com,Ann\r\n');
    expect(problems).toEqual([]);
    expect(employees).toEqual([{ rowNumber: 2, email: 'ann@x.com', displayName: 'Ann', firstName: 'Ann' }]);
  });

  it('R-CSV-09 Teams is split on commas, trimmed, empties and duplicates dropped', async () => {
    const { employees } = await readCsv(toCsv([['User Email', 'User Name', 'Teams'], ['ann@x.com', 'Ann', ' Sales ,, EMEA,Sales , sales']]));
    expect(employees[0]?.teams).toEqual(['Sales', 'EMEA', 'sales']);
  });

  it('R-CSV-12 Is Org Admin: Yes grants, No revokes, blank keeps (case-insensitive; TRUE/FALSE accepted too)', async () => {
    const { employees, problems } = await readCsv(
      toCsv([
        ['User Email', 'User Name', 'Is Org Admin'],
        ['a@x.com', 'A', 'Yes'],
        ['b@x.com', 'B', 'no'],
        ['c@x.com', 'C', ''],
        ['d@x.com', 'D', 'TRUE'],
        ['e@x.com', 'E', 'false'],
      ]),
    );
    expect(problems).toEqual([]);
    expect(employees.map((e) => e.isOrgAdmin)).toEqual([true, false, undefined, true, false]);
    expect(employees[2]).not.toHaveProperty('isOrgAdmin');
  });

  it('R-CSV-12 an unreadable Is Org Admin is an INVALID_BOOLEAN problem for that field only', async () => {
    const { employees, problems } = await readCsv(
      toCsv([['User Email', 'User Name', 'Is Org Admin', 'Job Title'], ['a@x.com', 'A', 'Maybe', 'Engineer']]),
    );
    expect(employees).toEqual([{ rowNumber: 2, email: 'a@x.com', displayName: 'A', firstName: 'A', jobTitle: 'Engineer' }]);
    expect(problems).toEqual([
      {
        rowNumber: 2,
        field: 'Is Org Admin',
        code: RowProblemCode.INVALID_BOOLEAN,
        message: 'users.csv row 2, Is Org Admin: "Maybe" is not Yes or No; field ignored',
      },
    ]);
  });

  it('R-CSV-11 dates follow the directory format, ISO is always accepted, output is ISO', async () => {
    const file = toCsv([
      ['User Email', 'User Name', 'Start Date', 'Deactivation Date'],
      ['a@x.com', 'A', '03/04/2021', '2022-01-31'],
      ['b@x.com', 'B', '1/2/2021', ''],
    ]);
    const dmy = await readCsv(file, { dateFormat: 'dd/mm/yyyy' });
    expect(dmy.employees.map((e) => [e.startDate, e.deactivationDate])).toEqual([
      ['2021-04-03', '2022-01-31'],
      ['2021-02-01', undefined],
    ]);
    const mdy = await readCsv(file, { dateFormat: 'mm/dd/yyyy' });
    expect(mdy.employees.map((e) => e.startDate)).toEqual(['2021-03-04', '2021-01-02']);
  });

  it('R-CSV-11 a date that cannot be read is an INVALID_DATE problem for that field, never a guess', async () => {
    const { employees, problems } = await readCsv(
      toCsv([
        ['User Email', 'User Name', 'Start Date', 'Deactivation Date'],
        ['a@x.com', 'A', '31/02/2021', '2021-06-01'],
        ['b@x.com', 'B', '13/01/2021', 'tomorrow'],
      ]),
      { dateFormat: 'mm/dd/yyyy' },
    );
    expect(employees).toEqual([
      { rowNumber: 2, email: 'a@x.com', displayName: 'A', firstName: 'A', deactivationDate: '2021-06-01' },
      { rowNumber: 3, email: 'b@x.com', displayName: 'B', firstName: 'B' },
    ]);
    expect(problems.map((p) => [p.rowNumber, p.field, p.code])).toEqual([
      [2, 'Start Date', RowProblemCode.INVALID_DATE],
      [3, 'Deactivation Date', RowProblemCode.INVALID_DATE],
      [3, 'Start Date', RowProblemCode.INVALID_DATE],
    ]);
    expect(problems[2]?.message).toBe('users.csv row 3, Start Date: "13/01/2021" is not a date in mm/dd/yyyy or yyyy-mm-dd; field ignored');
  });

  it('R-CSV-15 bad rows are reported with row number, field and reason, and the rest is applied', async () => {
    const { employees, problems, summary } = await readCsv(
      toCsv([
        ['User Email', 'User Name', 'Manager Email', 'Job Title'],
        ['ann@x.com', 'Ann', 'boss@x.com', 'CEO'],
        ['', 'No Email', '', ''],
        ['not-an-email', 'Bad', '', ''],
        ['bob@x.com', 'Bob', 'boss@', 'x'.repeat(201)],
        ['', '', '', ''],
        ['cid@x.com', 'Cid', 'CID@x.com', ''],
      ]),
    );
    expect(employees).toEqual([
      { rowNumber: 2, email: 'ann@x.com', displayName: 'Ann', firstName: 'Ann', managerEmail: 'boss@x.com', jobTitle: 'CEO' },
      { rowNumber: 5, email: 'bob@x.com', displayName: 'Bob', firstName: 'Bob' },
      // Own email as manager is left for the reconciler (SELF_MANAGER), not special-cased here.
      { rowNumber: 7, email: 'cid@x.com', displayName: 'Cid', firstName: 'Cid', managerEmail: 'cid@x.com' },
    ]);
    expect(problems.map((p) => [p.rowNumber, p.field, p.code])).toEqual([
      [3, 'User Email', RowProblemCode.MISSING_EMAIL],
      [4, 'User Email', RowProblemCode.INVALID_EMAIL],
      [5, 'Manager Email', RowProblemCode.INVALID_EMAIL],
      [5, 'Job Title', RowProblemCode.INVALID_VALUE],
    ]);
    expect(summary).toMatchObject({ rows: 6, records: 3, problems: 4, blankRows: 1 });
    expectAllCanonical(employees);
  });

  it('R-CSV-15 a row with non-blank cells past the header is skipped with a problem; blank extras are fine', async () => {
    const { employees, problems } = await readCsv(
      'User Email,User Name,Job Title\r\nann@x.com,Ann,Engineer,,\r\nbob@x.com,Bob,Head of Sales, EMEA\r\ncid@x.com,Cid,\r\n',
    );
    expect(employees.map((e) => e.email)).toEqual(['ann@x.com', 'cid@x.com']);
    expect(problems).toEqual([
      expect.objectContaining({ rowNumber: 3, code: RowProblemCode.INVALID_VALUE, message: expect.stringContaining('unquoted comma') }),
    ]);
    expect(problems[0]).not.toHaveProperty('field');
  });

  it('User Name alone: displayName is the whole name, first word -> firstName, the rest -> lastName', async () => {
    const { employees } = await readCsv(toCsv([HEADER, ['a@x.com', '  Mary  Ann   Smith '], ['b@x.com', 'Cher']]));
    expect(employees).toEqual([
      { rowNumber: 2, email: 'a@x.com', displayName: 'Mary  Ann   Smith', firstName: 'Mary', lastName: 'Ann Smith' },
      { rowNumber: 3, email: 'b@x.com', displayName: 'Cher', firstName: 'Cher' },
    ]);
  });

  it('User Name with First and Last Name columns: the columns win, nothing is split', async () => {
    const { employees } = await readCsv(
      toCsv([['User Email', 'User Name', 'First Name', 'Last Name'], ['a@x.com', 'Dr Ann Lee', '', 'Lee']]),
    );
    expect(employees).toEqual([{ rowNumber: 2, email: 'a@x.com', displayName: 'Dr Ann Lee', lastName: 'Lee' }]);
  });
});

describe('readUsersCsv: CSV dialect', () => {
  it('strips a UTF-8 BOM from the first label', async () => {
    const { summary, employees } = await readCsv(`\uFEFF${toCsv([HEADER, ['ann@x.com', 'Ann']])}`);
    expect(summary.headers).toEqual(HEADER);
    expect(employees).toHaveLength(1);
  });

  it('reads CRLF, LF, CR and mixed line endings, quoted commas, quotes and newlines', async () => {
    const text =
      'User Email,User Name,Job Title\r\n' +
      'a@x.com,"Lee, Ann","Head of ""R&D"""\n' +
      'b@x.com,Bob,"two\r\nlines"\r' +
      'c@x.com,  Cid  ,"  spaced  "\r\n';
    const { employees } = await readCsv(text);
    expect(employees).toEqual([
      { rowNumber: 2, email: 'a@x.com', displayName: 'Lee, Ann', firstName: 'Lee,', lastName: 'Ann', jobTitle: 'Head of "R&D"' },
      { rowNumber: 3, email: 'b@x.com', displayName: 'Bob', firstName: 'Bob', jobTitle: 'two\r\nlines' },
      { rowNumber: 4, email: 'c@x.com', displayName: 'Cid', firstName: 'Cid', jobTitle: 'spaced' },
    ]);
  });

  it('row numbers count CSV records (a multi-line cell is one row) and blank lines', async () => {
    const text = 'User Email,User Name,Job Title\n\na@x.com,A,"1\n2\n3"\nbad,B,\n';
    const { problems, summary } = await readCsv(text);
    expect(problems.map((p) => p.rowNumber)).toEqual([4]);
    expect(summary).toMatchObject({ rows: 3, blankRows: 1, records: 1 });
  });

  it('a file with no final newline reads its last row', async () => {
    const { employees } = await readCsv('User Email,User Name\r\na@x.com,A');
    expect(employees).toHaveLength(1);
  });

  it('a header-only file is valid and yields no batch', async () => {
    const { batches, summary } = await readCsv('User Email,User Name\r\n');
    expect(batches).toEqual([]);
    expect(summary).toMatchObject({ rows: 0, records: 0, batches: 0 });
  });

  it('works whatever the chunking (1-byte chunks)', async () => {
    const text = `\uFEFF${toCsv([['User Email', 'User Name', 'Ville'], ['zoe@x.com', 'Zoë Ørsted', 'Zürich 🏔'], ['b@x.com', 'B', 'a,"b"']])}`;
    const whole = await readCsv(text);
    const bytewise = await readCsv(text, {}, 1);
    expect(bytewise.employees).toEqual(whole.employees);
    expect(bytewise.problems).toEqual(whole.problems);
    expect(whole.employees.map((e) => e.customFields)).toEqual([{ Ville: 'Zürich 🏔' }, { Ville: 'a,"b"' }]);
  });
});

describe('readUsersCsv: files rejected whole (R-CSV-15)', () => {
  it('R-CSV-15 an unclosed quote is NOT_CSV with the row and line', async () => {
    const refused = await rejection('User Email,User Name\r\na@x.com,A\r\nb@x.com,"B\r\nc@x.com,C\r\n');
    expect(refused.code).toBe(CsvImportExceptionCode.NOT_CSV);
    expect(refused.message).toMatch(/^users\.csv is not readable CSV at .*a quoted cell is never closed/);
  });

  it('R-CSV-15 text after a closing quote is NOT_CSV at its row and line', async () => {
    const refused = await rejection('User Email,User Name\na@x.com,A\nb@x.com,"B"x\n');
    expect(refused.code).toBe(CsvImportExceptionCode.NOT_CSV);
    expect(refused.rowNumber).toBe(3);
    expect(refused.lineNumber).toBe(3);
    expect(refused.message).toContain('row 3, line 3');
  });

  it('R-CSV-15 a quoted cell that runs away past maxRecordBytes is RECORD_TOO_LARGE', async () => {
    const refused = await rejection(`User Email,User Name\r\na@x.com,"${'x\r\n'.repeat(400)}`, { maxRecordBytes: 1024 });
    expect(refused.code).toBe(CsvImportExceptionCode.RECORD_TOO_LARGE);
    expect(refused.rowNumber).toBe(2);
  });

  it('R-CSV-15 an empty file, a BOM-only file and a blank-lines-only file are EMPTY_FILE', async () => {
    for (const content of ['', '\uFEFF', '\r\n\r\n  \r\n']) {
      expect((await rejection(content)).code).toBe(CsvImportExceptionCode.EMPTY_FILE);
    }
  });

  it('R-CSV-15 a blank first line is HEADER_MISSING: the header must be row 1', async () => {
    const refused = await rejection('\r\nUser Email,User Name\r\na@x.com,A\r\n');
    expect(refused.code).toBe(CsvImportExceptionCode.HEADER_MISSING);
  });

  it('invalid options are refused before reading (INVALID_OPTIONS)', async () => {
    expect((await rejection('x', { batchSize: 0 })).code).toBe(CsvImportExceptionCode.INVALID_OPTIONS);
    expect((await rejection('x', { headerMapping: { ' ': 'User Email' } })).code).toBe(CsvImportExceptionCode.INVALID_OPTIONS);
    expect((await rejection('x', { dateFormat: 'yyyy/mm/dd' as 'dd/mm/yyyy' })).code).toBe(CsvImportExceptionCode.INVALID_OPTIONS);
  });
});

describe('readUsersCsv: batches', () => {
  const rows = (n: number, admin: string): string[][] => Array.from({ length: n }, (_, i) => [`u${i}@x.com`, `User ${i}`, admin]);

  it('a batch holds at most batchSize entries and keeps a row\'s employee and problems together', async () => {
    const { batches, summary } = await readCsv(toCsv([['User Email', 'User Name', 'Is Org Admin'], ...rows(7, 'Maybe')]), { batchSize: 3 });
    expect(batches.map((b) => [b.employees.length, b.problems.length])).toEqual(Array.from({ length: 7 }, () => [1, 1]));
    expect(batches.map((b) => [b.employees[0]?.rowNumber, b.problems[0]?.rowNumber])).toEqual(
      Array.from({ length: 7 }, (_, i) => [i + 2, i + 2]),
    );
    expect(summary).toMatchObject({ records: 7, problems: 7, batches: 7 });
  });

  it('a batch closes before its JSON passes maxBatchBytes', async () => {
    const { batches, employees } = await readCsv(toCsv([['User Email', 'User Name', 'Is Org Admin'], ...rows(100, 'Yes')]), {
      maxBatchBytes: 1024,
    });
    expect(employees).toHaveLength(100);
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(1024);
    // Nearly full: the next row would not have fitted.
    expect(Buffer.byteLength(JSON.stringify(batches[0]))).toBeGreaterThan(1024 - 120);
  });

  it('each batch carries its records as the JSON text they were counted as, which file-ingest publishes unchanged', async () => {
    const file = toCsv([['User Email', 'User Name', 'Is Org Admin', 'Bio "quoted"'], ...rows(9, 'Maybe').map((r, i) => [...r, i % 2 ? 'Zürich, "🏔"\\n' : ''])]);
    const { batches } = await readCsv(file, { batchSize: 4 });
    expect(batches.length).toBeGreaterThan(2);
    for (const batch of batches) expect(recordsJsonOf(batch)).toBe(JSON.stringify(batch.employees));
    expect(recordsJsonOf({ employees: [], problems: [] })).toBeUndefined();
  });
});
