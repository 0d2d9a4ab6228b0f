import { CSV_STANDARD_LABELS, DirectoryUserStatus, HRIS_SOURCE_FIELDS, HRIS_USERNAME_ATTRIBUTES, RunStatus, Streams, SyncPolicy } from '@roster/contracts';
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
});
