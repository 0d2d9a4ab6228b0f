import { stringify } from 'csv-stringify/sync';
import { EXPORT_CSV_OPTIONS } from '@roster/contracts';
import { readCsv } from './users-csv.test-helpers';

describe('users.csv and the export escaping (R-EXP-01)', () => {
  it("R-EXP-01 reads an export's escaped cells back to their values: the `'` before a formula trigger is removed", async () => {
    const file = stringify(
      [
        ['User Email', 'User Name', 'Job Title', '=Formula Label', 'Note'],
        ['ann@x.com', 'Ann', "=cmd|' /C calc'!A0", '-5', "'=kept one apostrophe"],
        ['bob@x.com', "'Tis Bob", '@home', '+44 20', "'plain"],
      ],
      EXPORT_CSV_OPTIONS,
    );
    expect(file).toContain(`"'=cmd|' /C calc'!A0"`);
    const { employees, problems } = await readCsv(file);
    expect(problems).toEqual([]);
    expect(employees).toEqual([
      {
        rowNumber: 2,
        email: 'ann@x.com',
        displayName: 'Ann',
        firstName: 'Ann',
        jobTitle: "=cmd|' /C calc'!A0",
        customFields: { '=Formula Label': '-5', Note: "'=kept one apostrophe" },
      },
      {
        rowNumber: 3,
        email: 'bob@x.com',
        displayName: "'Tis Bob",
        firstName: "'Tis",
        lastName: 'Bob',
        jobTitle: '@home',
        customFields: { '=Formula Label': '+44 20', Note: "'plain" },
      },
    ]);
  });
});
