import fc from 'fast-check';
import { RowProblemCode, groupKeyOf, type CanonicalGroup, type CanonicalGroupType, type SyncPolicy } from '@roster/contracts';
import { CTX, employee, storedUser } from '../test/fixtures';
import { userPolicyOf } from './api-policy';
import { planGroupMemberships, planGroups, runGroupPolicyOf, type GroupPolicy, type StoredGroup } from './plan-groups';
import { planUserChunk } from './plan-users';

const SYNC_POLICY: SyncPolicy = {
  usernameAttribute: 'workEmail',
  activateUsers: true,
  orphans: 'ignore',
  restore: false,
  synchronizeGroups: true,
  preserveGroups: true,
  removeLocalGroups: false,
  removeOtherDirectoryGroups: false,
  safeguard: { count: 50, percent: 20 },
};
const SYNC: GroupPolicy = { mode: 'sync', snapshot: true, removeLocalGroups: false, removeOtherDirectoryGroups: false };
const TYPES: CanonicalGroupType[] = ['TEAM', 'DEPARTMENT', 'COST_CENTER', 'BUSINESS_UNIT', 'GROUP'];

const group = (externalId: string, name: string, type: CanonicalGroupType): CanonicalGroup => ({ externalId, name, type });
const stored = (...groups: CanonicalGroup[]) =>
  new Map<string, StoredGroup>(groups.map((g) => [groupKeyOf(g), { id: `id:${groupKeyOf(g)}`, key: groupKeyOf(g), name: g.name, type: g.type }]));

/** The stored groups after applying a plan (ids of new groups derived from their key). */
function applied(current: ReadonlyMap<string, StoredGroup>, plan: ReturnType<typeof planGroups>): Map<string, StoredGroup> {
  const next = new Map(current);
  for (const g of plan.create) next.set(g.key, { ...g, id: `id:${g.key}` });
  for (const { group: g } of plan.update) next.set(g.key, g);
  for (const { group: g } of plan.remove) next.delete(g.key);
  return next;
}

describe('runGroupPolicyOf', () => {
  it('R-API-08 synchronize on → sync; off + preserve → freeze; off + off → remove; no policy → none', () => {
    expect(runGroupPolicyOf({ directoryType: 'hris-api', policy: SYNC_POLICY })?.mode).toBe('sync');
    expect(runGroupPolicyOf({ directoryType: 'hris-api', policy: { ...SYNC_POLICY, synchronizeGroups: false } })?.mode).toBe('freeze');
    expect(runGroupPolicyOf({ directoryType: 'hris-api', policy: { ...SYNC_POLICY, synchronizeGroups: false, preserveGroups: false } })?.mode).toBe('remove');
    expect(runGroupPolicyOf({ directoryType: 'sftp-csv' })).toBeNull();
  });

  it('R-API-08 an event micro-batch is not a snapshot: unseen groups stay', () => {
    expect(runGroupPolicyOf({ directoryType: 'event', policy: SYNC_POLICY })?.snapshot).toBe(false);
    expect(runGroupPolicyOf({ directoryType: 'hris-api', policy: SYNC_POLICY })?.snapshot).toBe(true);
  });

  it('R-API-09 carries both removal switches', () => {
    const policy = runGroupPolicyOf({ directoryType: 'hris-api', policy: { ...SYNC_POLICY, removeLocalGroups: true } });
    expect(policy).toMatchObject({ removeLocalGroups: true, removeOtherDirectoryGroups: false });
  });
});

describe('planGroups', () => {
  it('R-API-08 every group type becomes a directory group, keyed by the source id; a repeat is one group', () => {
    const seen = TYPES.map((type, i) => group(`g-${i}`, `${type} group`, type));
    const plan = planGroups(new Map(), [...seen, ...seen], SYNC);
    expect(plan.create.map((g) => g.type)).toEqual(TYPES);
    expect(plan.create.map((g) => g.key)).toEqual(['g-0', 'g-1', 'g-2', 'g-3', 'g-4']);
    expect(plan.update).toEqual([]);
    expect(plan.remove).toEqual([]);
  });

  it('R-API-08 a renamed or retyped source group is updated, not recreated', () => {
    const plan = planGroups(stored(group('g-1', 'Platform', 'TEAM')), [group('g-1', 'Platform Eng', 'DEPARTMENT')], SYNC);
    expect(plan.create).toEqual([]);
    expect(plan.update).toEqual([
      { group: { id: 'id:g-1', key: 'g-1', name: 'Platform Eng', type: 'DEPARTMENT' }, changes: { name: { from: 'Platform', to: 'Platform Eng' }, type: { from: 'TEAM', to: 'DEPARTMENT' } } },
    ]);
  });

  it('R-API-08 a group no record carries left the source: removed after a snapshot, kept after a micro-batch', () => {
    const current = stored(group('g-1', 'Platform', 'TEAM'), group('g-2', 'Sales', 'DEPARTMENT'));
    expect(planGroups(current, [group('g-1', 'Platform', 'TEAM')], SYNC).remove).toEqual([{ group: current.get('g-2'), reason: 'not-in-source' }]);
    expect(planGroups(current, [group('g-1', 'Platform', 'TEAM')], { ...SYNC, snapshot: false }).remove).toEqual([]);
  });

  it('R-API-08 off + preserve freezes everything; off + off removes every group of the directory', () => {
    const current = stored(group('g-1', 'Platform', 'TEAM'), group('g-2', 'Sales', 'DEPARTMENT'));
    const seen = [group('g-3', 'New', 'GROUP'), group('g-1', 'Renamed', 'TEAM')];
    expect(planGroups(current, seen, { ...SYNC, mode: 'freeze' })).toEqual({ create: [], update: [], remove: [] });
    const removed = planGroups(current, seen, { ...SYNC, mode: 'remove' });
    expect(removed.create).toEqual([]);
    expect(removed.remove.map((r) => [r.group.key, r.reason])).toEqual([
      ['g-1', 'synchronization-off'],
      ['g-2', 'synchronization-off'],
    ]);
  });

  it('R-API-08 a group without a source id is keyed by its type and name', () => {
    expect(groupKeyOf({ name: ' Sales ', type: 'DEPARTMENT' })).toBe('DEPARTMENT:sales');
    expect(planGroups(new Map(), [{ name: 'Sales', type: 'DEPARTMENT' }, { name: 'sales', type: 'DEPARTMENT' }], SYNC).create).toHaveLength(1);
  });

  it('R-API-08 property: in sync mode the result holds exactly the seen groups, and planning it again is empty', () => {
    const groupArb = fc.record({ externalId: fc.constantFrom('a', 'b', 'c', 'd'), name: fc.constantFrom('One', 'Two', 'Three'), type: fc.constantFrom(...TYPES) });
    fc.assert(
      fc.property(fc.array(groupArb, { maxLength: 6 }), fc.array(groupArb, { maxLength: 8 }), (before, seen) => {
        const current = stored(...before);
        const after = applied(current, planGroups(current, seen, SYNC));
        expect([...after.keys()].sort()).toEqual([...new Set(seen.map(groupKeyOf))].sort());
        expect(planGroups(after, seen, SYNC)).toEqual({ create: [], update: [], remove: [] });
        // Freeze never changes anything; remove leaves nothing.
        expect(applied(current, planGroups(current, seen, { ...SYNC, mode: 'freeze' }))).toEqual(current);
        expect(applied(current, planGroups(current, seen, { ...SYNC, mode: 'remove' })).size).toBe(0);
      }),
    );
  });
});

describe('planGroupMemberships', () => {
  const platform = group('g-1', 'Platform', 'TEAM');
  const sales = group('g-2', 'Sales', 'DEPARTMENT');

  it('R-API-08 memberships follow the source exactly: a group gone from the record is left', () => {
    const current = new Map([['ann@acme.io', new Set(['g-1', 'g-2'])]]);
    const plan = planGroupMemberships([{ email: 'ann@acme.io', groups: [platform] }, { email: 'bob@acme.io', groups: [platform, sales] }], (e) => current.get(e) ?? new Set());
    expect(plan.add).toEqual([
      { email: 'bob@acme.io', key: 'g-1' },
      { email: 'bob@acme.io', key: 'g-2' },
    ]);
    expect(plan.remove).toEqual([{ email: 'ann@acme.io', key: 'g-2' }]);
  });

  it('R-API-08 an empty list leaves every group; a record that says nothing about groups keeps them', () => {
    const current = new Map([
      ['ann@acme.io', new Set(['g-1'])],
      ['bob@acme.io', new Set(['g-2'])],
    ]);
    const plan = planGroupMemberships([{ email: 'ann@acme.io', groups: [] }, { email: 'bob@acme.io', groups: null }], (e) => current.get(e) ?? new Set());
    expect(plan).toEqual({ add: [], remove: [{ email: 'ann@acme.io', key: 'g-1' }] });
  });
});

describe('R-API-10 one work email, one user', () => {
  const api = userPolicyOf(SYNC_POLICY);

  it("R-API-10 an email another directory's user has is an EMAIL_TAKEN problem, never a take-over", () => {
    const foreign = storedUser('ann@acme.io', { sourceDirectoryId: 'dir-other', externalId: 'x-9' });
    const plan = planUserChunk(new Map([[foreign.email, foreign]]), [employee('ann@acme.io', { externalId: 'e-1' })], api, CTX);
    expect(plan.operations).toEqual([]);
    expect(plan.problems).toEqual([expect.objectContaining({ externalId: 'e-1', field: 'User Email', code: RowProblemCode.EMAIL_TAKEN })]);
  });

  it('R-API-10 a local user with the email is adopted (R-DIR-05), not refused', () => {
    const local = storedUser('ann@acme.io', { sourceDirectoryId: null });
    const plan = planUserChunk(new Map([[local.email, local]]), [employee('ann@acme.io', { externalId: 'e-1' })], api, CTX);
    expect(plan.problems).toEqual([]);
    expect(plan.operations).toEqual([expect.objectContaining({ kind: 'update', userId: local.id })]);
  });

  it('R-API-10 an email an earlier batch of the run claimed is a DUPLICATE_EMAIL problem naming the first record', () => {
    const claimed = new Map([['ann@acme.io', { externalId: 'e-1' }]]);
    const plan = planUserChunk(new Map(), [employee('Ann@acme.io', { externalId: 'e-2' }), employee('bob@acme.io', { externalId: 'e-3' })], api, CTX, new Map(), claimed);
    expect(plan.operations.map((op) => op.kind)).toEqual(['create']);
    expect(plan.problems).toEqual([expect.objectContaining({ externalId: 'e-2', code: RowProblemCode.DUPLICATE_EMAIL, message: expect.stringContaining('record e-1') })]);
  });
});
