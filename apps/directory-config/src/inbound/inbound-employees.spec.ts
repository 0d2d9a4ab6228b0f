import { EmployeeUpsertedV1 } from '@roster/contracts';
import { employeesOf, type InboundEvent } from './inbound-employees';

const DIR = '00000000-0000-4000-8000-000000000001';
/** Events published in the order of their ids: the id is the stream sequence here. */
const upsert = (id: string, employee: Extract<InboundEvent, { kind: 'upserted' }>['data']['employee']): InboundEvent => ({
  id,
  kind: 'upserted',
  data: { directoryId: DIR, employee },
  sequence: Number(id),
});
const terminate = (id: string, email: string, terminationDate: string, externalId?: string): InboundEvent => ({
  id,
  kind: 'terminated',
  data: { directoryId: DIR, email, terminationDate, ...(externalId ? { externalId } : {}) },
  sequence: Number(id),
});

describe('employeesOf', () => {
  it('R-EVT-02 one record per event for different people, in stream order, each with its event\'s sequence', () => {
    expect(employeesOf([upsert('1', { email: 'a@acme.io', firstName: 'A' }), upsert('2', { email: 'b@acme.io' })])).toEqual([
      { email: 'a@acme.io', firstName: 'A', sourceSequence: 1 },
      { email: 'b@acme.io', sourceSequence: 2 },
    ]);
  });

  it('R-EVT-02 a termination becomes the person with a deactivation date', () => {
    expect(employeesOf([terminate('1', 'a@acme.io', '2025-06-01', 'E-1')])).toEqual([
      { email: 'a@acme.io', externalId: 'E-1', deactivationDate: '2025-06-01', sourceSequence: 1 },
    ]);
  });

  it('R-EVT-02 later events of the same person are laid over the earlier ones (by email, case-insensitively)', () => {
    const records = employeesOf([
      upsert('1', { email: 'a@acme.io', firstName: 'A', jobTitle: 'Dev' }),
      upsert('2', { email: 'A@Acme.io', jobTitle: 'Lead' }),
      terminate('3', 'a@acme.io', '2025-07-01'),
    ]);
    expect(records).toEqual([
      {
        email: 'a@acme.io',
        firstName: 'A',
        jobTitle: 'Lead',
        deactivationDate: '2025-07-01',
        sourceSequence: 3,
        // Each field with the event it came from: a late one in the batch still loses field by field.
        fieldSequences: { email: 3, firstName: 1, jobTitle: 2, deactivationDate: 3 },
      },
    ]);
  });

  it('R-EVT-02 an event redelivered after newer ones (a crash) is laid under them: stream order, not arrival order', () => {
    const records = employeesOf([upsert('5', { email: 'a@acme.io', jobTitle: 'Principal' }), upsert('2', { email: 'a@acme.io', jobTitle: 'Analyst', firstName: 'A' })]);
    expect(records).toEqual([{ email: 'a@acme.io', firstName: 'A', jobTitle: 'Principal', sourceSequence: 5, fieldSequences: { email: 5, firstName: 2, jobTitle: 5 } }]);
  });

  it('R-EVT-02 a publisher cannot choose the sequence: the contract drops it and the stream\'s is used', () => {
    const published = EmployeeUpsertedV1.parse({ directoryId: DIR, employee: { email: 'a@acme.io', sourceSequence: 1_000_000 } });
    expect(published.employee).toEqual({ email: 'a@acme.io' });
    expect(employeesOf([{ id: '7', kind: 'upserted', data: published, sequence: 7 }])).toEqual([{ email: 'a@acme.io', sourceSequence: 7 }]);
  });

  it('R-EVT-02 custom fields of one person\'s events merge label by label, each with its event\'s sequence', () => {
    const records = employeesOf([
      upsert('1', { email: 'a@acme.io', customFields: { Level: 'L1', Desk: 'D1' } }),
      upsert('2', { email: 'a@acme.io', customFields: { Level: 'L2' } }),
    ]);
    expect(records).toEqual([
      {
        email: 'a@acme.io',
        customFields: { Level: 'L2', Desk: 'D1' },
        sourceSequence: 2,
        fieldSequences: { email: 2, 'customFields.Level': 2, 'customFields.Desk': 1 },
      },
    ]);
  });

  it('R-API-04 the same external id is the same person, even under a new email (the latest email wins)', () => {
    const records = employeesOf([
      upsert('1', { email: 'old@acme.io', externalId: 'E-1', firstName: 'A' }),
      upsert('2', { email: 'new@acme.io', externalId: 'E-1' }),
      upsert('3', { email: 'b@acme.io', externalId: 'E-2' }),
    ]);
    expect(records).toEqual([
      { email: 'new@acme.io', externalId: 'E-1', firstName: 'A', sourceSequence: 2, fieldSequences: { email: 2, externalId: 2, firstName: 1 } },
      { email: 'b@acme.io', externalId: 'E-2', sourceSequence: 3 },
    ]);
  });
});
