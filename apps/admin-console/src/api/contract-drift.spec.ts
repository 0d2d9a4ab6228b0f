import { CSV_STANDARD_LABELS, DirectoryUserStatus, Events, HRIS_SOURCE_FIELDS, HRIS_USERNAME_ATTRIBUTES, RunStatus, Streams, SyncPolicy, subjectOf } from '@roster/contracts';
import { EVENT_POLICY_KEYS, inboundSubjectsOf } from '../directory-form.model';
import * as ui from './types';

/**
 * The console is an HTTP client and imports no service code at run time; the lists it offers in its forms are
 * copies, held to the contracts here so a new label, field or status cannot be missing from the console.
 */
describe('admin console lists match the contracts (issue 9)', () => {
  it('offers every standard CSV label, HRIS source field, username attribute, orphan policy and run status', () => {
    expect([...ui.CSV_STANDARD_LABELS]).toEqual([...CSV_STANDARD_LABELS]);
    expect([...ui.HRIS_SOURCE_FIELDS]).toEqual([...HRIS_SOURCE_FIELDS]);
    expect([...ui.USERNAME_ATTRIBUTES]).toEqual([...HRIS_USERNAME_ATTRIBUTES]);
    expect([...ui.ORPHAN_POLICIES]).toEqual(SyncPolicy.shape.orphans.options);
    expect([...ui.RUN_STATUSES]).toEqual(RunStatus.options);
    expect([...ui.USER_STATUSES]).toEqual(DirectoryUserStatus.options);
    expect(ui.REPLAY_STREAMS.every((s) => s in Streams)).toBe(true);
  });

  it('R-EVT-02 shows the inbound subjects, event types and stream an event directory\'s services publish on', () => {
    for (const kind of ['upserted', 'terminated'] as const) {
      const contract = Events[`inbound.employee.${kind}`];
      expect({ subject: ui.INBOUND_SUBJECTS[kind], type: ui.INBOUND_EVENT_TYPES[kind], stream: ui.INBOUND_STREAM }).toEqual({
        subject: contract.subject,
        type: contract.type,
        stream: contract.stream,
      });
    }
    const tenant = '6f1c2a9e-0000-4000-8000-000000000002';
    expect(inboundSubjectsOf(tenant)).toEqual({
      upserted: subjectOf('inbound.employee.upserted', { tenant }),
      terminated: subjectOf('inbound.employee.terminated', { tenant }),
    });
  });

  it('R-EVT-02 the event form offers every policy setting an event run acts on', () => {
    // Everything but what an event directory's runs ignore (runUserPolicyOf): matching key, orphans, safeguard.
    const ignored = ['usernameAttribute', 'orphans', 'safeguard'];
    expect([...EVENT_POLICY_KEYS].sort()).toEqual(Object.keys(SyncPolicy.shape).filter((k) => !ignored.includes(k)).sort());
  });
});
