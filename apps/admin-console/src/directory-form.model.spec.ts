import type { EventDirectory, HrisDirectory, SftpDirectory } from './api/types';
import {
  emptyEventForm,
  emptyHrisForm,
  eventCreateBody,
  eventFormOf,
  eventPatchBody,
  emptySftpForm,
  fieldId,
  hrisCreateBody,
  hrisFormOf,
  hrisPatchBody,
  inboundSubjectsOf,
  numberOrText,
  recipientList,
  scheduleBody,
  scheduleForm,
  sftpCreateBody,
  sftpFormOf,
  sftpPatchBody,
  sftpTestBody,
} from './directory-form.model';

const sftpDirectory: SftpDirectory = {
  id: '6f1c2a9e-0000-4000-8000-000000000001',
  tenantId: '6f1c2a9e-0000-4000-8000-000000000002',
  name: 'HR drop',
  type: 'sftp-csv',
  enabled: true,
  recipients: ['ann@acme.test', 'bob@acme.test'],
  schedule: { kind: 'weekly', day: 'friday', time: '06:30', timeZone: 'Europe/Paris' },
  nextRunAt: null,
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
  sftp: { host: 'sftp.acme.test', port: 2222, username: 'hr', folder: '/drop', hostKeyFingerprint: 'SHA256:abc', hasPassword: true, hasPrivateKey: false },
  dateFormat: 'mm/dd/yyyy',
  headerMapping: { 'E-mail': 'User Email' },
};

describe('admin console directory forms (issue 9)', () => {
  it('sends what the admin typed: a number when it is one, the text otherwise, so the API says what is wrong', () => {
    expect(numberOrText(' 22 ')).toBe(22);
    expect(numberOrText('2.5')).toBe(2.5);
    expect(numberOrText('twenty')).toBe('twenty');
    expect(numberOrText('')).toBe('');
  });

  it('R-DIR-01 builds an sftp-csv create body: secrets only when typed, header mapping and recipients parsed', () => {
    const form = { ...emptySftpForm(), name: 'HR drop', host: 'h', port: '', username: 'u', password: 'pw', folder: '/in', hostKeyFingerprint: ' SHA256:x ' };
    form.headerMapping = [
      { from: ' E-mail ', to: 'User Email' },
      { from: '', to: '' },
    ];
    form.recipients = 'a@x.test, b@x.test;\nc@x.test';
    expect(sftpCreateBody(form)).toEqual({
      name: 'HR drop',
      type: 'sftp-csv',
      sftp: { host: 'h', port: 22, username: 'u', password: 'pw', folder: '/in', hostKeyFingerprint: 'SHA256:x' },
      dateFormat: 'dd/mm/yyyy',
      headerMapping: { 'E-mail': 'User Email' },
      recipients: ['a@x.test', 'b@x.test', 'c@x.test'],
      schedule: { kind: 'daily', time: '02:00', timeZone: 'UTC' },
      enabled: true,
    });
  });

  it('R-SFTP-01 edits keep the stored secrets unless retyped or removed; the unsaved test asks for the key to pin', () => {
    const form = sftpFormOf(sftpDirectory);
    expect(form).toMatchObject({ port: '2222', password: '', recipients: 'ann@acme.test, bob@acme.test', headerMapping: [{ from: 'E-mail', to: 'User Email' }] });
    expect(scheduleBody(form.schedule)).toEqual(sftpDirectory.schedule);
    const patch = sftpPatchBody(form);
    expect(patch).not.toHaveProperty('type');
    expect(patch['sftp']).not.toHaveProperty('password');
    expect(sftpPatchBody({ ...form, removePassword: true })['sftp']).toMatchObject({ password: null });
    expect(sftpPatchBody({ ...form, removePassword: true, password: 'new' })['sftp']).toMatchObject({ password: 'new' });
    expect(sftpTestBody({ ...form, hostKeyFingerprint: '', password: 'pw' })).toEqual({
      type: 'sftp-csv',
      sftp: { host: 'sftp.acme.test', port: 2222, username: 'hr', password: 'pw', folder: '/drop' },
    });
  });

  it('R-API-01 R-API-03 builds an hris-api body with the policy and mappings; the token is write-only on edit', () => {
    const form = { ...emptyHrisForm(), name: 'Bridge', baseUrl: 'https://api.merge.dev/api', accountToken: 'tok', pageSize: '0' };
    form.fieldMappings = [{ source: 'jobTitle', target: ' jobTitle ' }];
    form.policy = { ...form.policy, orphans: 'deactivate', safeguardCount: '2', safeguardPercent: 'ten' };
    expect(hrisCreateBody(form)).toMatchObject({
      type: 'hris-api',
      hris: { provider: 'merge', baseUrl: 'https://api.merge.dev/api', accountToken: 'tok', pageSize: 0, fieldMappings: [{ source: 'jobTitle', target: 'jobTitle' }] },
      policy: { orphans: 'deactivate', safeguard: { count: 2, percent: 'ten' }, usernameAttribute: 'workEmail', preserveGroups: true },
    });
    const saved = {
      ...sftpDirectory,
      type: 'hris-api',
      hris: { provider: 'merge', baseUrl: 'https://b.test/api', pageSize: 40, fieldMappings: [], hasAccountToken: true },
      policy: { ...hrisCreateBody(emptyHrisForm())['policy'] as object, safeguard: { count: 5, percent: 10 } },
    } as unknown as HrisDirectory;
    const edit = hrisFormOf(saved);
    expect(edit.policy).toMatchObject({ safeguardCount: '5', safeguardPercent: '10' });
    expect(hrisPatchBody(edit)['hris']).toEqual({ provider: 'merge', baseUrl: 'https://b.test/api', pageSize: 40, fieldMappings: [] });
  });

  it('R-EVT-02 R-DIR-02 builds an event directory body: name, the policy its runs act on, recipients; no source, no schedule', () => {
    const form = { ...emptyEventForm(), name: 'Payroll events', recipients: 'ann@acme.test; bob@acme.test' };
    form.policy = { ...form.policy, restore: true, synchronizeGroups: true };
    expect(eventCreateBody(form)).toEqual({
      name: 'Payroll events',
      type: 'event',
      policy: { activateUsers: true, restore: true, synchronizeGroups: true, preserveGroups: true, removeLocalGroups: false, removeOtherDirectoryGroups: false },
      recipients: ['ann@acme.test', 'bob@acme.test'],
      enabled: true,
    });
  });

  it('R-EVT-02 edits an event directory: its settings back into the form; the PATCH names no type, schedule, orphans, matching key or safeguard', () => {
    const saved: EventDirectory = {
      ...sftpDirectory,
      type: 'event',
      schedule: { kind: 'disabled' },
      enabled: false,
      policy: {
        usernameAttribute: 'employeeNumber',
        activateUsers: false,
        orphans: 'ignore',
        restore: true,
        synchronizeGroups: false,
        preserveGroups: false,
        removeLocalGroups: true,
        removeOtherDirectoryGroups: false,
        safeguard: { count: 5, percent: 10 },
      },
      inbound: { upserted: 'u', terminated: 't' },
    } as EventDirectory;
    const form = eventFormOf(saved);
    expect(form).toEqual({
      name: 'HR drop',
      policy: { activateUsers: false, restore: true, synchronizeGroups: false, preserveGroups: false, removeLocalGroups: true, removeOtherDirectoryGroups: false },
      recipients: 'ann@acme.test, bob@acme.test',
      enabled: false,
    });
    const patch = eventPatchBody({ ...form, name: 'Renamed' });
    expect(Object.keys(patch).sort()).toEqual(['enabled', 'name', 'policy', 'recipients']);
    expect(patch['policy']).not.toHaveProperty('orphans');
    expect(patch['policy']).not.toHaveProperty('usernameAttribute');
    expect(patch['policy']).not.toHaveProperty('safeguard');
  });

  it('R-EVT-02 shows the tenant\'s inbound subjects before the directory exists', () => {
    expect(inboundSubjectsOf('6f1c2a9e-0000-4000-8000-000000000002')).toEqual({
      upserted: 'roster.inbound.6f1c2a9e-0000-4000-8000-000000000002.employee.upserted.v1',
      terminated: 'roster.inbound.6f1c2a9e-0000-4000-8000-000000000002.employee.terminated.v1',
    });
  });

  it('R-DIR-04 turns every schedule kind into its body and back', () => {
    for (const s of [
      { kind: 'disabled' },
      { kind: 'every', hours: 6 },
      { kind: 'daily', time: '02:00', timeZone: 'UTC' },
      { kind: 'weekly', day: 'monday', time: '07:15', timeZone: 'America/New_York' },
      { kind: 'cron', expression: '0 */4 * * 1-5', timeZone: 'Asia/Tokyo' },
    ] as const) {
      expect(scheduleBody(scheduleForm(s))).toEqual(s);
    }
  });

  it('maps API error paths to input ids and splits recipient lists', () => {
    expect(fieldId('sftp.host')).toBe('field-sftp-host');
    expect(fieldId('headerMapping.E mail')).toBe('field-headerMapping-E-mail');
    expect(recipientList(' a@x.test ,, b@x.test ')).toEqual(['a@x.test', 'b@x.test']);
  });
});
