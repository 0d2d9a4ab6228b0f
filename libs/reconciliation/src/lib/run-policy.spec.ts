import type { SyncPolicy } from '@roster/contracts';
import { CTX, directory, employee, storedUser } from '../test/fixtures';
import { planUserChunk } from './plan-users';
import { runGroupPolicyOf } from './plan-groups';
import { DEFAULT_SAFEGUARD } from './api-policy';
import { runUserPolicyOf } from './run-policy';
import { CSV_USER_POLICY } from './types';

const API_POLICY: SyncPolicy = {
  usernameAttribute: 'workEmail',
  activateUsers: true,
  orphans: 'deactivate',
  restore: false,
  synchronizeGroups: false,
  preserveGroups: true,
  removeLocalGroups: false,
  removeOtherDirectoryGroups: false,
  safeguard: { count: 0, percent: 0 },
};

describe('runUserPolicyOf', () => {
  it('R-EVT-02 an event run never orphans anybody, whatever policy it carries (a micro-batch is not a snapshot)', () => {
    const policy = runUserPolicyOf({ directoryType: 'event', policy: API_POLICY });
    expect(policy.orphans).toBe('ignore');
    expect(policy.safeguard).toBeNull();
    expect(policy.matchByExternalId).toBe(true);
    expect(runUserPolicyOf({ directoryType: 'event' }).orphans).toBe('ignore');
  });

  it('R-API-06 R-SAFE-01 an incremental fetch orphans nobody but keeps the safeguard (its terminations count); a full one keeps the directory\'s policy', () => {
    const incremental = runUserPolicyOf({ directoryType: 'hris-api', policy: API_POLICY, fetch: 'incremental' });
    expect(incremental).toMatchObject({ orphans: 'ignore', safeguard: API_POLICY.safeguard, matchByExternalId: true });
    expect(runUserPolicyOf({ directoryType: 'hris-api', policy: API_POLICY, fetch: 'full' }).orphans).toBe('deactivate');
    expect(runGroupPolicyOf({ directoryType: 'hris-api', policy: { ...API_POLICY, synchronizeGroups: true }, fetch: 'incremental' })?.snapshot).toBe(false);
    expect(runGroupPolicyOf({ directoryType: 'hris-api', policy: { ...API_POLICY, synchronizeGroups: true }, fetch: 'full' })?.snapshot).toBe(true);
  });

  it('R-API-06 other directory types keep their own policy', () => {
    expect(runUserPolicyOf({ directoryType: 'hris-api', policy: API_POLICY }).orphans).toBe('deactivate');
    expect(runUserPolicyOf({ directoryType: 'sftp-csv' })).toEqual({ ...CSV_USER_POLICY, safeguard: DEFAULT_SAFEGUARD });
  });

  it('R-SAFE-01 a file directory\'s run carries its own threshold (the default when its completion has none)', () => {
    const threshold = { count: 5, percent: 10 };
    expect(runUserPolicyOf({ directoryType: 'sftp-csv', safeguard: threshold })).toEqual({ ...CSV_USER_POLICY, safeguard: threshold });
  });

  it('R-EVT-02 a termination dated today or earlier deactivates the user at once', () => {
    const policy = runUserPolicyOf({ directoryType: 'event', policy: API_POLICY });
    const ann = storedUser('ann@acme.io');
    for (const date of ['2025-06-15', '2025-06-01']) {
      const [op] = planUserChunk(directory(ann), [employee('ann@acme.io', { deactivationDate: date })], policy, CTX).operations;
      expect(op).toMatchObject({ kind: 'update', next: { status: 'inactive', deactivateAt: null } });
    }
  });

  it('R-EVT-02 a termination dated later schedules the deactivation for that day', () => {
    const policy = runUserPolicyOf({ directoryType: 'event', policy: API_POLICY });
    const [op] = planUserChunk(directory(storedUser('ann@acme.io')), [employee('ann@acme.io', { deactivationDate: '2025-07-01' })], policy, CTX)
      .operations;
    expect(op).toMatchObject({ kind: 'update', next: { status: 'active', deactivateAt: '2025-07-01T00:00:00.000Z' } });
  });

  it('R-CSV-10 the CSV rules keep their 24-hour grace and schedule a date of today', () => {
    const ann = storedUser('ann@acme.io');
    const [past] = planUserChunk(directory(ann), [employee('ann@acme.io', { deactivationDate: '2025-06-01' })], CSV_USER_POLICY, CTX).operations;
    expect(past).toMatchObject({ kind: 'update', next: { status: 'active', deactivateAt: '2025-06-16T10:30:00.000Z' } });
    const [today] = planUserChunk(directory(ann), [employee('ann@acme.io', { deactivationDate: '2025-06-15' })], CSV_USER_POLICY, CTX).operations;
    expect(today).toMatchObject({ kind: 'update', next: { status: 'active', deactivateAt: '2025-06-15T00:00:00.000Z' } });
  });
});
