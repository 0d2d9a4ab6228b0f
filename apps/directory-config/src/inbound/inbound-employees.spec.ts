import { employeesOf, type InboundEvent } from './inbound-employees';

const DIR = '00000000-0000-4000-8000-000000000001';
const upsert = (id: string, employee: Extract<InboundEvent, { kind: 'upserted' }>['data']['employee']): InboundEvent => ({
  id,
  kind: 'upserted',
  data: { directoryId: DIR, employee },
});
const terminate = (id: string, email: string, terminationDate: string, externalId?: string): InboundEvent => ({
  id,
  kind: 'terminated',
  data: { directoryId: DIR, email, terminationDate, ...(externalId ? { externalId } : {}) },
});

describe('employeesOf', () => {
  it('R-EVT-02 one record per event for different people, in arrival order', () => {
    expect(employeesOf([upsert('1', { email: 'a@acme.io', firstName: 'A' }), upsert('2', { email: 'b@acme.io' })])).toEqual([
      { email: 'a@acme.io', firstName: 'A' },
      { email: 'b@acme.io' },
    ]);
  });

  it('R-EVT-02 a termination becomes the person with a deactivation date', () => {
    expect(employeesOf([terminate('1', 'a@acme.io', '2025-06-01', 'E-1')])).toEqual([
      { email: 'a@acme.io', externalId: 'E-1', deactivationDate: '2025-06-01' },
    ]);
  });

  it('R-EVT-02 later events of the same person are laid over the earlier ones (by email, case-insensitively)', () => {
    const records = employeesOf([
      upsert('1', { email: 'a@acme.io', firstName: 'A', jobTitle: 'Dev' }),
      upsert('2', { email: 'A@Acme.io', jobTitle: 'Lead' }),
      terminate('3', 'a@acme.io', '2025-07-01'),
    ]);
    expect(records).toEqual([{ email: 'a@acme.io', firstName: 'A', jobTitle: 'Lead', deactivationDate: '2025-07-01' }]);
  });

  it('R-API-04 the same external id is the same person, even under a new email (the latest email wins)', () => {
    const records = employeesOf([
      upsert('1', { email: 'old@acme.io', externalId: 'E-1', firstName: 'A' }),
      upsert('2', { email: 'new@acme.io', externalId: 'E-1' }),
      upsert('3', { email: 'b@acme.io', externalId: 'E-2' }),
    ]);
    expect(records).toEqual([
      { email: 'new@acme.io', externalId: 'E-1', firstName: 'A' },
      { email: 'b@acme.io', externalId: 'E-2' },
    ]);
  });
});
