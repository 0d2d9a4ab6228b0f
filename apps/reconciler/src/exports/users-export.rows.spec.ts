import { USERS_CSV_STANDARD_LABELS } from '@roster/contracts';
import { ExportUserDbRow, sortedCustomLabels, usersExportHeader, usersExportRow } from './users-export.rows';

const user = (over: Partial<ExportUserDbRow> = {}): ExportUserDbRow => ({
  id: '00000000-0000-4000-8000-000000000001',
  email: 'ann@acme.test',
  first_name: 'Ann',
  last_name: 'Archer',
  display_name: 'Ann Archer',
  job_title: 'Engineer',
  department: 'Platform',
  location: 'Paris, France',
  employee_id: 'E-1',
  start_date: '2021-03-01',
  is_org_admin: true,
  custom_fields: { 'Cost Center': 'CC-7', Badge: '=cmd' },
  deactivate_at: new Date('2027-01-31T00:00:00.000Z'),
  manager_email: 'ceo@acme.test',
  teams: ['Backend', 'Platform'],
  ...over,
});

const asRecord = (labels: string[], row: string[]) => Object.fromEntries(labels.map((l, i) => [l, row[i]]));

describe('users export rows (R-EXP-01)', () => {
  it('R-EXP-01 the header is every standard label of the users file, then the custom labels sorted', () => {
    const custom = sortedCustomLabels(['b', 'Cost Center', 'Badge', 'a']);
    expect(custom).toEqual(['Badge', 'Cost Center', 'a', 'b']);
    expect(usersExportHeader(custom)).toEqual([...USERS_CSV_STANDARD_LABELS, 'Badge', 'Cost Center', 'a', 'b']);
  });

  it('R-EXP-01 maps every stored field to the label the import reads', () => {
    const labels = sortedCustomLabels(['Cost Center', 'Badge', 'Shoe Size']);
    expect(asRecord(usersExportHeader(labels), usersExportRow(user(), labels))).toEqual({
      'User Email': 'ann@acme.test',
      'User Name': 'Ann Archer',
      'First Name': 'Ann',
      'Last Name': 'Archer',
      'Manager Email': 'ceo@acme.test',
      Teams: 'Backend, Platform',
      'Is Org Admin': 'Yes',
      'Deactivation Date': '2027-01-31',
      'Job Title': 'Engineer',
      Department: 'Platform',
      Location: 'Paris, France',
      'Employee ID': 'E-1',
      'Start Date': '2021-03-01',
      // Escaping is the stringifier's (EXPORT_CSV_OPTIONS), not the mapping's.
      Badge: '=cmd',
      'Cost Center': 'CC-7',
      'Shoe Size': '',
    });
  });

  it('R-EXP-01 R-CSV-07 nulls are blank cells (a blank keeps the stored value on re-import); No for a non-admin', () => {
    const placeholder = user({
      first_name: null,
      last_name: null,
      display_name: null,
      job_title: null,
      department: null,
      location: null,
      employee_id: null,
      start_date: null,
      is_org_admin: false,
      custom_fields: {},
      deactivate_at: null,
      manager_email: null,
      teams: [],
    });
    expect(usersExportRow(placeholder, ['Cost Center'])).toEqual(['ann@acme.test', '', '', '', '', '', 'No', '', '', '', '', '', '', '']);
  });

  it('R-EXP-01 R-CSV-10 the Deactivation Date is the UTC day of the scheduled instant, also from a string column', () => {
    const labels: string[] = [];
    const at = (deactivate_at: ExportUserDbRow['deactivate_at']) => asRecord(usersExportHeader(labels), usersExportRow(user({ deactivate_at }), labels))['Deactivation Date'];
    expect(at(new Date('2026-11-26T10:30:00.000Z'))).toBe('2026-11-26');
    expect(at('2026-11-26T23:59:59.999Z')).toBe('2026-11-26');
    expect(at(null)).toBe('');
  });
});
