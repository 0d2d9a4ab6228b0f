import { Events, subjectOf } from './contracts';
import { createEnvelope } from './envelope';
import { ContractViolation, parseEvent } from './parse';

const TENANT = '00000000-0000-4000-8000-0000000000aa';
const DIRECTORY = '00000000-0000-4000-8000-0000000000bb';

describe('inbound employee events (R-EVT-02)', () => {
  it('R-EVT-02 documents versioned subjects on ROSTER_INBOUND with the tenant in them', () => {
    expect(subjectOf('inbound.employee.upserted', { tenant: TENANT })).toBe(`roster.inbound.${TENANT}.employee.upserted.v1`);
    expect(subjectOf('inbound.employee.terminated', { tenant: TENANT })).toBe(`roster.inbound.${TENANT}.employee.terminated.v1`);
    expect(Events['inbound.employee.upserted'].stream).toBe('ROSTER_INBOUND');
    expect(Events['inbound.employee.terminated'].stream).toBe('ROSTER_INBOUND');
  });

  it('R-EVT-02 parses an upsert and a termination that follow the contract', () => {
    const upsert = createEnvelope({
      type: Events['inbound.employee.upserted'].type,
      source: 'payroll',
      tenantId: TENANT,
      id: 'evt-1',
      data: { directoryId: DIRECTORY, employee: { email: 'ann@acme.io', externalId: 'E-1', firstName: 'Ann', teams: ['R&D'] } },
    });
    expect(parseEvent(JSON.stringify(upsert))).toMatchObject({ name: 'inbound.employee.upserted', event: { id: 'evt-1' } });
    const termination = createEnvelope({
      type: Events['inbound.employee.terminated'].type,
      source: 'payroll',
      tenantId: TENANT,
      data: { directoryId: DIRECTORY, email: 'ann@acme.io', terminationDate: '2025-06-30' },
    });
    expect(parseEvent(JSON.stringify(termination)).name).toBe('inbound.employee.terminated');
  });

  it('R-SAFE-02 names the field of a malformed inbound event', () => {
    const bad = (data: unknown, type = Events['inbound.employee.upserted'].type) =>
      JSON.stringify(createEnvelope({ type, source: 'payroll', tenantId: TENANT, data }));
    expect(() => parseEvent(bad({ directoryId: DIRECTORY, employee: { email: 'not-an-email' } }))).toThrow(/employee\.email/);
    expect(() => parseEvent(bad({ employee: { email: 'ann@acme.io' } }))).toThrow(/directoryId/);
    expect(() => parseEvent(bad({ directoryId: DIRECTORY, email: 'ann@acme.io', terminationDate: '30/06/2025' }, Events['inbound.employee.terminated'].type))).toThrow(
      /terminationDate: expected an ISO date/,
    );
    expect(() => parseEvent(bad({ directoryId: DIRECTORY }))).toThrow(ContractViolation);
  });
});
