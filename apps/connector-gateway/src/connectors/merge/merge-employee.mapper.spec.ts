import type { Merge } from '@mergeapi/merge-node-client';
import { mapMergeEmployee } from './merge-employee.mapper';

const employee = (over: Partial<Merge.hris.Employee> = {}): Merge.hris.Employee => ({
  id: 'e-1',
  remoteId: 'E1',
  firstName: 'Ada',
  lastName: 'Lovelace',
  workEmail: 'Ada@Example.com',
  personalEmail: 'ada@home.example.org',
  mobilePhoneNumber: '+44 7700 900000',
  employeeNumber: 'EMP-1',
  startDate: new Date('2020-02-01T00:00:00Z'),
  dateOfBirth: new Date('1990-12-10T00:00:00Z'),
  manager: { id: 'm-1', workEmail: 'Boss@Example.com' },
  team: { id: 't-1', name: 'Platform Team' },
  company: { id: 'c-1', legalName: 'Acme Ltd', displayName: 'Acme' },
  employments: [{ id: 'x', jobTitle: 'Engineer' }],
  groups: [
    { id: 'g1', name: 'Platform', type: 'TEAM' },
    { id: 'g2', name: 'Engineering', type: 'DEPARTMENT' },
    { id: 'g3', name: 'CC-1', type: 'COST_CENTER' },
    { id: 'g4', name: 'Products', type: 'BUSINESS_UNIT' },
    { id: 'g5', name: 'Admins', type: 'GROUP' },
  ],
  ...over,
});

describe('mapMergeEmployee (R-API-03)', () => {
  it('R-API-03 hard-wired: email (lower-cased) ← work email, first and last name; manager by email and id', () => {
    const { employee: e, problems } = mapMergeEmployee(employee(), []);
    expect(problems).toEqual([]);
    expect(e).toEqual({
      externalId: 'e-1',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      managerEmail: 'boss@example.com',
      managerExternalId: 'm-1',
      groups: [
        { externalId: 'g1', name: 'Platform', type: 'TEAM' },
        { externalId: 'g2', name: 'Engineering', type: 'DEPARTMENT' },
        { externalId: 'g3', name: 'CC-1', type: 'COST_CENTER' },
        { externalId: 'g4', name: 'Products', type: 'BUSINESS_UNIT' },
        { externalId: 'g5', name: 'Admins', type: 'GROUP' },
      ],
    });
  });

  it('R-API-03 every optional mapping, switched on, lands on its target', () => {
    const { employee: e } = mapMergeEmployee(employee(), [
      { source: 'teamName', target: 'teams' },
      { source: 'teamGroupName', target: 'teams' },
      { source: 'startDate', target: 'startDate' },
      { source: 'personalEmail', target: 'Personal Email' },
      { source: 'mobilePhone', target: 'Mobile Phone' },
      { source: 'jobTitle', target: 'jobTitle' },
      { source: 'groupGroupName', target: 'User Group' },
      { source: 'employeeNumber', target: 'employeeId' },
      { source: 'departmentGroupName', target: 'department' },
      { source: 'costCenterGroupName', target: 'Cost Center' },
      { source: 'companyLegalName', target: 'Company Legal Name' },
      { source: 'companyDisplayName', target: 'Company' },
      { source: 'businessUnitGroupName', target: 'Business Unit' },
      { source: 'birthday', target: 'Birthday' },
    ]);
    expect(e).toMatchObject({
      teams: ['Platform Team', 'Platform'],
      startDate: '2020-02-01',
      jobTitle: 'Engineer',
      employeeId: 'EMP-1',
      department: 'Engineering',
      customFields: {
        'Personal Email': 'ada@home.example.org',
        'Mobile Phone': '+44 7700 900000',
        'User Group': 'Admins',
        'Cost Center': 'CC-1',
        'Company Legal Name': 'Acme Ltd',
        Company: 'Acme',
        'Business Unit': 'Products',
        Birthday: '1990-12-10',
      },
    });
  });

  it('R-API-03 a switched-off mapping is not applied; a field the provider does not fill is not an error', () => {
    const bare = employee({ employments: undefined, team: undefined, groups: undefined, startDate: undefined, manager: undefined, company: undefined });
    const { employee: e, problems } = mapMergeEmployee(bare, [
      { source: 'jobTitle', target: 'jobTitle' },
      { source: 'teamName', target: 'teams' },
      { source: 'startDate', target: 'startDate' },
      { source: 'companyLegalName', target: 'Company' },
    ]);
    expect(problems).toEqual([]);
    expect(e).toEqual({ externalId: 'e-1', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' });
  });

  it('R-API-03 no work email is a problem with the external id; a deleted employee is skipped', () => {
    expect(mapMergeEmployee(employee({ workEmail: undefined }), [])).toEqual({
      problems: [expect.objectContaining({ externalId: 'e-1', field: 'workEmail', code: 'MISSING_EMAIL' })],
    });
    expect(mapMergeEmployee(employee({ workEmail: 'nope' }), []).problems[0].code).toBe('INVALID_EMAIL');
    expect(mapMergeEmployee(employee({ remoteWasDeleted: true }), [])).toEqual({ problems: [] });
  });

  it('R-API-08 an expanded empty group list says "no groups"; unexpanded group ids say nothing', () => {
    expect(mapMergeEmployee(employee({ groups: [] }), []).employee?.groups).toEqual([]);
    expect(mapMergeEmployee(employee({ groups: ['g1'] }), []).employee).not.toHaveProperty('groups');
    expect(mapMergeEmployee(employee({ groups: undefined }), []).employee).not.toHaveProperty('groups');
  });
});

describe('mapMergeEmployee: username attribute and terminations', () => {
  const TODAY = '2026-11-25';

  it('R-API-04 with workEmail (the default) the record carries no username: the email is the username', () => {
    const { employee: e } = mapMergeEmployee(employee(), [], { usernameAttribute: 'workEmail', today: TODAY });
    expect(e?.username).toBeUndefined();
  });

  it('R-API-04 with personalEmail or employeeNumber the record carries that value as its username', () => {
    expect(mapMergeEmployee(employee({ personalEmail: 'Ada@Home.example.org' }), [], { usernameAttribute: 'personalEmail', today: TODAY }).employee?.username).toBe(
      'ada@home.example.org',
    );
    expect(mapMergeEmployee(employee(), [], { usernameAttribute: 'employeeNumber', today: TODAY }).employee?.username).toBe('EMP-1');
  });

  it('R-API-04 a record without a value for the username attribute still travels (so it is seen), without a username', () => {
    const mapped = mapMergeEmployee(employee({ employeeNumber: undefined }), [], { usernameAttribute: 'employeeNumber', today: TODAY });
    expect(mapped.problems).toEqual([]);
    expect(mapped.employee).toMatchObject({ externalId: 'e-1', email: 'ada@example.com' });
    expect(mapped.employee?.username).toBeUndefined();
  });

  it.each([
    ['INACTIVE with a past termination date', { employmentStatus: 'INACTIVE', terminationDate: new Date('2026-10-31T00:00:00Z') }, '2026-10-31'],
    ['INACTIVE without a termination date', { employmentStatus: 'INACTIVE', terminationDate: null }, TODAY],
    ['INACTIVE with a termination date still ahead (the status wins)', { employmentStatus: 'INACTIVE', terminationDate: new Date('2027-01-31T00:00:00Z') }, TODAY],
    ['ACTIVE with a termination date ahead (notice period)', { employmentStatus: 'ACTIVE', terminationDate: new Date('2026-12-31T00:00:00Z') }, '2026-12-31'],
    ['ACTIVE with a past termination date (a rehire)', { employmentStatus: 'ACTIVE', terminationDate: new Date('2025-01-31T00:00:00Z') }, undefined],
    ['PENDING without a termination date', { employmentStatus: 'PENDING', terminationDate: null }, undefined],
    ['no status, a past termination date', { employmentStatus: null, terminationDate: new Date('2026-11-01T00:00:00Z') }, '2026-11-01'],
  ] as const)('a termination the HR system states becomes the deactivation date: %s', (_, over, expected) => {
    const { employee: e } = mapMergeEmployee(employee(over as Partial<Merge.hris.Employee>), [], { usernameAttribute: 'workEmail', today: TODAY });
    expect(e?.deactivationDate).toBe(expected);
  });
});
