import { csvCell, describeSchedule, personName, problemsCsv, utcInstant } from './format';

describe('admin console formatting (issue 9)', () => {
  it('R-DIR-03 downloads problems as CSV: quoted where needed, formulas defused as the API export does', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, "b"')).toBe('"a, ""b"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(-3)).toBe('-3');
    expect(problemsCsv([{ rowNumber: 4, field: 'User Email', code: 'INVALID_EMAIL', message: 'not an email, row skipped' }])).toBe(
      '\ufeffRow,External ID,Field,Code,Message\r\n4,,User Email,INVALID_EMAIL,"not an email, row skipped"\r\n',
    );
  });

  it('R-DIR-04 describes schedules in words', () => {
    expect(describeSchedule({ kind: 'weekly', day: 'monday', time: '06:00', timeZone: 'Europe/Paris' })).toBe('Every Monday at 06:00 (Europe/Paris)');
    expect(describeSchedule({ kind: 'every', hours: 1 })).toBe('Every 1 hour');
  });

  it('names people and turns the replay form’s UTC times into instants, leaving the rest to the API', () => {
    expect(personName({ displayName: null, firstName: 'Ada', lastName: 'Lovelace' })).toBe('Ada Lovelace');
    expect(personName({ displayName: ' Amazing Grace ', firstName: 'Grace', lastName: null })).toBe('Amazing Grace');
    expect(personName({ displayName: '', firstName: null, lastName: ' ' })).toBeNull();
    expect(utcInstant('2026-11-25T10:30')).toBe('2026-11-25T10:30:00Z');
    expect(utcInstant('2026-11-25T10:30:15')).toBe('2026-11-25T10:30:15Z');
    expect(utcInstant('  ')).toBeUndefined();
    expect(utcInstant('yesterday')).toBe('yesterday');
  });
});
