import type { Merge } from '@mergeapi/merge-node-client';
import fc from 'fast-check';
import { CanonicalEmployee, HRIS_SOURCE_FIELDS, HRIS_USERNAME_ATTRIBUTES, RowProblem } from '@roster/contracts';
import { mapMergeEmployee } from './merge-employee.mapper';

/** Text biased towards what breaks mappers: blanks, huge strings, emails that are almost emails, unicode. */
const text = fc.oneof(
  fc.constantFrom('', ' ', 'a@b', 'Ada@Example.com', ' x@y.io ', '@', 'not an email', '2020-02-30', '😀', '\u0000', 'x'.repeat(500)),
  fc.string({ maxLength: 40 }),
  fc.emailAddress(),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const date = fc.oneof(fc.date({ noInvalidDate: false }), text as fc.Arbitrary<unknown>);
const group = fc.oneof(
  fc.record({ id: maybe(text), name: maybe(text), type: maybe(fc.constantFrom('TEAM', 'DEPARTMENT', 'COST_CENTER', 'BUSINESS_UNIT', 'GROUP', 'OTHER', '')) }),
  text,
);
const employee = fc.record(
  {
    id: maybe(text),
    remoteId: maybe(text),
    workEmail: maybe(text),
    personalEmail: maybe(text),
    firstName: maybe(text),
    lastName: maybe(text),
    employeeNumber: maybe(text),
    mobilePhoneNumber: maybe(text),
    startDate: maybe(date),
    dateOfBirth: maybe(date),
    terminationDate: maybe(date),
    employmentStatus: maybe(fc.constantFrom('ACTIVE', 'PENDING', 'INACTIVE', 'UNKNOWN')),
    remoteWasDeleted: maybe(fc.boolean()),
    manager: maybe(fc.oneof(text, fc.record({ id: maybe(text), workEmail: maybe(text) }))),
    team: maybe(fc.oneof(text, fc.record({ id: maybe(text), name: maybe(text) }))),
    company: maybe(fc.oneof(text, fc.record({ legalName: maybe(text), displayName: maybe(text) }))),
    employments: maybe(fc.array(fc.oneof(text, fc.record({ jobTitle: maybe(text) })), { maxLength: 3 })),
    groups: maybe(fc.array(group, { maxLength: 4 })),
  },
  { requiredKeys: [] },
) as unknown as fc.Arbitrary<Merge.hris.Employee>;
const mappings = fc.array(
  fc.record({ source: fc.constantFrom(...HRIS_SOURCE_FIELDS), target: fc.constantFrom('teams', 'jobTitle', 'startDate', 'employeeId', 'displayName', 'Custom Label', 'x'.repeat(200)) }),
  { maxLength: 6 },
);

describe('mapMergeEmployee over arbitrary provider payloads (fast-check, hostile input)', () => {
  it('R-API-03 never throws: a valid canonical record, or problems with a code and the employee named; never both missing', () => {
    fc.assert(
      fc.property(employee, mappings, fc.constantFrom(...HRIS_USERNAME_ATTRIBUTES), (e, m, usernameAttribute) => {
        const mapped = mapMergeEmployee(e, m, { usernameAttribute, today: '2026-11-25' });
        for (const problem of mapped.problems) {
          expect(RowProblem.parse(problem)).toEqual(problem);
          expect(problem.message.length).toBeGreaterThan(0);
        }
        if (mapped.employee) expect(CanonicalEmployee.parse(mapped.employee)).toEqual(mapped.employee);
        else if (!e.remoteWasDeleted) expect(mapped.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});
