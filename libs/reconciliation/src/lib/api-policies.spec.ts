import fc from 'fast-check';
import { RowProblemCode, type CanonicalEmployee, type SyncPolicy } from '@roster/contracts';
import { CTX, DIRECTORY_ID, NOW, employee, storedUser } from '../test/fixtures';
import { userPolicyOf } from './api-policy';
import { summarize } from './counts';
import { isOrphan, planOrphans } from './orphans';
import { planRun } from './plan-run';
import { planUserChunk } from './plan-users';
import { checkSafeguard, removalOf, withoutRemoval } from './safeguard';
import { CSV_USER_POLICY, type StoredUser, type UserOperation, type UserStatus } from './types';

const SYNC: SyncPolicy = {
  usernameAttribute: 'workEmail',
  activateUsers: true,
  orphans: 'deactivate',
  restore: true,
  synchronizeGroups: false,
  preserveGroups: true,
  removeLocalGroups: false,
  removeOtherDirectoryGroups: false,
  safeguard: { count: 50, percent: 20 },
};
const api = (overrides: Partial<SyncPolicy> = {}) => userPolicyOf({ ...SYNC, ...overrides });
const byEmail = (...users: StoredUser[]) => new Map(users.map((u) => [u.email, u]));
const byExternalId = (...users: StoredUser[]) => new Map(users.map((u) => [u.externalId as string, u]));
const only = (ops: UserOperation[]) => {
  expect(ops).toHaveLength(1);
  return ops[0] as UserOperation;
};
const idOf = (op: UserOperation) => (op.kind === 'create' ? `new:${op.user.email}` : op.userId);
const update = (op: UserOperation) => {
  if (op.kind !== 'update') throw new Error(`expected an update, got ${op.kind}`);
  return op;
};

describe('API directory policies (pure rules)', () => {
  it('file sources keep the CSV rules: no policy means no external-id matching, no restore, no orphans, no safeguard', () => {
    expect(userPolicyOf(undefined)).toMatchObject({ matchByExternalId: false, restoreStatus: null, orphans: 'ignore', safeguard: null });
  });

  describe('R-API-05 activation', () => {
    it('R-API-05 creates new users active when activation is on and inactive when it is off', () => {
      for (const [activateUsers, status] of [[true, 'active'], [false, 'inactive']] as const) {
        const plan = planUserChunk(new Map(), [employee('new@acme.io', { externalId: 'e-1' })], api({ activateUsers }), CTX);
        const op = only(plan.operations);
        expect(op.kind === 'create' && op.user.status).toBe(status);
      }
    });

    it('R-API-05 R-API-07 a restored user becomes active with activation on, inactive (but no longer deleted) with it off', () => {
      const deleted = storedUser('gone@acme.io', { status: 'deleted', externalId: 'e-9' });
      const on = update(only(planUserChunk(byEmail(deleted), [employee('gone@acme.io', { externalId: 'e-9' })], api(), CTX).operations));
      expect(on.next.status).toBe('active');
      const off = update(only(planUserChunk(byEmail(deleted), [employee('gone@acme.io', { externalId: 'e-9' })], api({ activateUsers: false }), CTX).operations));
      expect(off.next.status).toBe('inactive');
      expect(summarize([on], []).restored).toBe(1);
      expect(summarize([off], []).restored).toBe(1);
    });
  });

  describe('R-API-04 matching', () => {
    const linked = storedUser('old@acme.io', { externalId: 'e-1', firstName: 'Ann' });

    it('R-API-04 an email change with the same external id updates the linked user instead of creating one', () => {
      const plan = planUserChunk(new Map(), [employee('new@acme.io', { externalId: 'e-1' })], api(), CTX, byExternalId(linked));
      const op = update(only(plan.operations));
      expect(op.userId).toBe(linked.id);
      expect(op.next.email).toBe('new@acme.io');
      expect(op.changes.email).toEqual({ from: 'old@acme.io', to: 'new@acme.io' });
    });

    it('R-API-04 without a link the user is matched by work email (the default username attribute) and gets linked', () => {
      const unlinked = storedUser('ann@acme.io');
      const op = update(only(planUserChunk(byEmail(unlinked), [employee('ANN@acme.io', { externalId: 'e-7' })], api(), CTX).operations));
      expect(op.userId).toBe(unlinked.id);
      expect(op.next.externalId).toBe('e-7');
    });

    it("R-API-04 an email change onto another user's email is a problem, not a merge of two users", () => {
      const other = storedUser('new@acme.io', { externalId: 'e-2' });
      const plan = planUserChunk(byEmail(other), [employee('new@acme.io', { externalId: 'e-1' })], api(), CTX, byExternalId(linked));
      expect(plan.operations).toEqual([]);
      expect(plan.problems.map((p) => p.code)).toEqual([RowProblemCode.EMAIL_TAKEN]);
    });

    it('R-API-04 CSV directories never match by external id (the email is the key)', () => {
      const plan = planUserChunk(new Map(), [employee('new@acme.io', { externalId: 'e-1' })], userPolicyOf(undefined), CTX, byExternalId(linked));
      expect(only(plan.operations).kind).toBe('create');
    });

    it("R-API-04 another directory's user is never matched by external id", () => {
      const foreign = storedUser('x@acme.io', { externalId: 'e-1', sourceDirectoryId: 'dir-other' });
      const plan = planUserChunk(new Map(), [employee('y@acme.io', { externalId: 'e-1' })], api(), CTX, byExternalId(foreign));
      expect(only(plan.operations).kind).toBe('create');
    });

    it('R-API-04 property: whatever the email, a record with a linked external id never creates a user', () => {
      fc.assert(
        fc.property(fc.constantFrom('a@acme.io', 'b@acme.io', 'OLD@acme.io'), fc.constantFrom<UserStatus>('active', 'inactive', 'deleted'), (email, status) => {
          const user = storedUser('old@acme.io', { externalId: 'e-1', status });
          const plan = planUserChunk(byEmail(user), [employee(email, { externalId: 'e-1' })], api(), CTX, byExternalId(user));
          expect(plan.operations.every((op) => op.kind !== 'create')).toBe(true);
          expect(plan.operations.every((op) => op.kind === 'create' || op.userId === user.id)).toBe(true);
        }),
      );
    });
  });

  describe('R-API-04 username attribute other than work email', () => {
    const numbered = api({ usernameAttribute: 'employeeNumber' });
    const byUsername = (...users: StoredUser[]) => ({ users: new Map(users.map((u) => [u.username as string, u])), claimedEarlier: new Map() });

    it('R-API-04 a username attribute other than workEmail matches by username, so an email change updates the user', () => {
      const ann = storedUser('ann@acme.io', { username: 'EMP-1', firstName: 'Ann' });
      const plan = planUserChunk(new Map(), [employee('ann.lee@acme.io', { externalId: 'e-1', username: 'EMP-1' })], numbered, CTX, new Map(), new Map(), byUsername(ann));
      const op = update(only(plan.operations));
      expect(op.userId).toBe(ann.id);
      expect(op.changes.email).toEqual({ from: 'ann@acme.io', to: 'ann.lee@acme.io' });
      expect(op.next).toMatchObject({ username: 'EMP-1', externalId: 'e-1' });
    });

    it('R-API-04 a new person gets the username; a user with the email but no username yet is adopted and gets it', () => {
      const created = only(planUserChunk(new Map(), [employee('new@acme.io', { username: 'EMP-9' })], numbered, CTX).operations);
      expect(created.kind === 'create' && created.user.username).toBe('EMP-9');
      const before = storedUser('old@acme.io');
      const adopted = update(only(planUserChunk(byEmail(before), [employee('old@acme.io', { username: 'EMP-2' })], numbered, CTX).operations));
      expect(adopted.userId).toBe(before.id);
      expect(adopted.changes.username).toEqual({ from: null, to: 'EMP-2' });
    });

    it('R-API-04 the same email under another username is EMAIL_TAKEN, not a merge of two people', () => {
      const other = storedUser('ann@acme.io', { username: 'EMP-1' });
      const plan = planUserChunk(byEmail(other), [employee('ann@acme.io', { username: 'EMP-2' })], numbered, CTX);
      expect(plan.operations).toEqual([]);
      expect(plan.problems.map((p) => p.code)).toEqual([RowProblemCode.EMAIL_TAKEN]);
    });

    it("R-API-04 another directory's username is USERNAME_TAKEN; an anonymized holder is never matched (R-API-07): a new user", () => {
      const foreign = storedUser('x@acme.io', { username: 'EMP-1', sourceDirectoryId: 'dir-other' });
      const taken = planUserChunk(new Map(), [employee('y@acme.io', { username: 'EMP-1' })], numbered, CTX, new Map(), new Map(), byUsername(foreign));
      expect(taken.problems.map((p) => p.code)).toEqual([RowProblemCode.USERNAME_TAKEN]);
      const anonymized = storedUser('anon-1@invalid', { username: 'EMP-3', status: 'anonymized' });
      const fresh = planUserChunk(new Map(), [employee('back@acme.io', { username: 'EMP-3' })], numbered, CTX, new Map(), new Map(), byUsername(anonymized));
      expect(only(fresh.operations).kind).toBe('create');
    });

    it('R-API-04 a record without a username, or with one an earlier record of the run has, is a problem; its row is skipped', () => {
      const plan = planUserChunk(
        new Map(),
        [employee('a@acme.io', { username: 'EMP-1' }), employee('b@acme.io', { username: 'EMP-1' }), employee('c@acme.io')],
        numbered,
        CTX,
        new Map(),
        new Map(),
        { users: new Map(), claimedEarlier: new Map([['EMP-7', { externalId: 'e-7' }]]) },
      );
      expect(plan.operations.map((op) => op.kind)).toEqual(['create']);
      expect(plan.problems.map((p) => p.code)).toEqual([RowProblemCode.DUPLICATE_USERNAME, RowProblemCode.MISSING_USERNAME]);
      const later = planUserChunk(new Map(), [employee('d@acme.io', { username: 'EMP-7' })], numbered, CTX, new Map(), new Map(), {
        users: new Map(),
        claimedEarlier: new Map([['EMP-7', { externalId: 'e-7' }]]),
      });
      expect(later.problems.map((p) => p.code)).toEqual([RowProblemCode.DUPLICATE_USERNAME]);
    });

    it('R-API-04 with workEmail users are matched by email and get no username', () => {
      const op = only(planUserChunk(new Map(), [employee('n@acme.io', { username: 'ignored' })], api(), CTX).operations);
      expect(op.kind === 'create' && op.user.username).toBeNull();
    });
  });

  describe('R-API-07 restore', () => {
    it('R-API-07 a deactivated user of this directory who reappears is reactivated when restore is on, kept when off', () => {
      const inactive = storedUser('ann@acme.io', { status: 'inactive', externalId: 'e-1' });
      expect(update(only(planUserChunk(byEmail(inactive), [employee('ann@acme.io', { externalId: 'e-1' })], api(), CTX).operations)).next.status).toBe('active');
      const kept = only(planUserChunk(byEmail(inactive), [employee('ann@acme.io', { externalId: 'e-1' })], api({ restore: false }), CTX).operations);
      expect(kept.kind).toBe('unchanged');
    });

    it('R-API-07 an anonymized user is never restored: the person becomes a new user', () => {
      const anonymized = storedUser('anon-1@anonymized.invalid', { status: 'anonymized', externalId: 'e-1' });
      const plan = planUserChunk(new Map(), [employee('ann@acme.io', { externalId: 'e-1' })], api(), CTX, byExternalId(anonymized));
      const op = only(plan.operations);
      expect(op.kind).toBe('create');
      expect(op.kind === 'create' && op.user.status).toBe('active');
    });

    it("R-API-07 R-API-10 another directory's deactivated user is neither restored nor taken over by this one", () => {
      const foreign = storedUser('ann@acme.io', { status: 'inactive', sourceDirectoryId: 'dir-other' });
      const plan = planUserChunk(byEmail(foreign), [employee('ann@acme.io', { externalId: 'e-1' })], api(), CTX);
      expect(plan.operations).toEqual([]);
      expect(plan.problems).toEqual([expect.objectContaining({ externalId: 'e-1', field: 'User Email', code: RowProblemCode.EMAIL_TAKEN })]);
    });
  });

  describe('R-API-06 orphans', () => {
    const users = [
      storedUser('ann@acme.io', { externalId: 'e-1' }),
      storedUser('bob@acme.io', { externalId: 'e-2' }),
      storedUser('cy@acme.io', { externalId: 'e-3', status: 'inactive' }),
      storedUser('dee@acme.io', { sourceDirectoryId: 'dir-other' }),
      storedUser('eve@acme.io', { sourceDirectoryId: null }),
    ];
    const seen = { emails: new Set(['ann@acme.io']), externalIds: new Set(['e-1']) };

    it('R-API-06 only active users of this directory the complete run did not see are orphans', () => {
      expect(users.filter((u) => isOrphan(u, seen, CTX)).map((u) => u.email)).toEqual(['bob@acme.io']);
      // Seen by external id only (the email changed in the source): not an orphan.
      expect(isOrphan(users[1], { emails: new Set(), externalIds: new Set(['e-2']) }, CTX)).toBe(false);
    });

    it('R-API-06 ignore / deactivate / delete per policy', () => {
      expect(planOrphans(users, seen, api({ orphans: 'ignore' }), CTX, 'complete')).toEqual([]);
      expect(update(only(planOrphans(users, seen, api({ orphans: 'deactivate' }), CTX, 'complete'))).next.status).toBe('inactive');
      const deleted = update(only(planOrphans(users, seen, api({ orphans: 'delete' }), CTX, 'complete')));
      expect(deleted.next.status).toBe('deleted');
      expect(summarize([deleted], []).deleted).toBe(1);
    });

    const userArb = fc.record({
      i: fc.integer({ min: 0, max: 5 }),
      status: fc.constantFrom<UserStatus>('active', 'inactive', 'deleted', 'anonymized'),
      owner: fc.constantFrom<string | null>(DIRECTORY_ID, 'dir-other', null),
      linked: fc.boolean(),
    });
    const currentArb = fc
      .uniqueArray(userArb, { selector: (u) => u.i, maxLength: 6 })
      .map((us) => us.map((u) => storedUser(`u${u.i}@acme.io`, { status: u.status, sourceDirectoryId: u.owner, externalId: u.linked ? `e-${u.i}` : null })));
    const incomingArb = fc
      .uniqueArray(fc.integer({ min: 0, max: 8 }), { maxLength: 8 })
      .chain((ids) => fc.tuple(...ids.map((i) => fc.record({ i: fc.constant(i), renamed: fc.boolean() }))))
      .map((rs) => rs.map((r): CanonicalEmployee => employee(r.renamed ? `renamed${r.i}@acme.io` : `u${r.i}@acme.io`, { externalId: `e-${r.i}` })));
    const policyArb = fc.record({
      orphans: fc.constantFrom<SyncPolicy['orphans']>('ignore', 'deactivate', 'delete'),
      restore: fc.boolean(),
      activateUsers: fc.boolean(),
      safeguard: fc.record({ count: fc.integer({ min: 0, max: 6 }), percent: fc.integer({ min: 0, max: 100 }) }),
    });

    it('R-API-06 property: an incomplete (or failed) run never deactivates or deletes anybody — it plans nothing at all', () => {
      fc.assert(
        fc.property(currentArb, incomingArb, policyArb, fc.constantFrom('incomplete' as const, 'failed' as const), (current, incoming, p, outcome) => {
          const seen = { emails: new Set<string>(), externalIds: new Set<string>() };
          expect(planOrphans(current, seen, api(p), CTX, outcome)).toEqual([]);
          const plan = planRun(current, incoming, api(p), CTX, outcome, new Set(current.map((u) => u.id)));
          expect(plan.operations).toEqual([]);
        }),
      );
    });

    it('R-API-06 R-SAFE-01 property: a complete run removes exactly the unseen active users of this directory, unless held', () => {
      fc.assert(
        fc.property(currentArb, incomingArb, policyArb, (current, incoming, p) => {
          const policy = api(p);
          const plan = planRun(current, incoming, policy, CTX, 'complete');
          const removed = plan.operations.filter((op) => op.kind === 'update' && op.changes.status?.from === 'active' && op.changes.status.to !== 'active');
          const expected = current.filter((u) => isOrphan(u, { emails: new Set(incoming.map((e) => e.email)), externalIds: new Set(incoming.map((e) => e.externalId as string)) }, CTX));
          const wouldGo = plan.safeguard.held ? plan.pendingRemovals : removed;
          for (const op of wouldGo) {
            const user = current.find((u) => u.id === (op.kind === 'update' ? op.userId : ''));
            expect(user?.status).toBe('active');
            expect(user?.sourceDirectoryId).toBe(DIRECTORY_ID);
          }
          if (policy.orphans === 'ignore') expect(wouldGo).toEqual([]);
          else expect(wouldGo.map((op) => (op.kind === 'update' ? op.userId : '')).sort()).toEqual(expected.map((u) => u.id).sort());
          if (plan.safeguard.held) expect(plan.operations).toEqual([]);
        }),
      );
    });

    it('R-API-04 R-API-06 property: planning the same complete run twice is a no-op the second time', () => {
      fc.assert(
        fc.property(currentArb, incomingArb, policyArb, (current, incoming, p) => {
          const policy = { ...api(p), safeguard: null };
          const first = planRun(current, incoming, policy, CTX, 'complete');
          const byId = new Map(current.map((u) => [u.id, u]));
          for (const op of first.operations) {
            if (op.kind === 'update') byId.set(op.userId, op.next);
            if (op.kind === 'create') byId.set(`new:${op.user.email}`, { ...op.user, id: `new:${op.user.email}` });
          }
          const second = planRun([...byId.values()], incoming, policy, CTX, 'complete');
          expect(second.operations.filter((op) => op.kind !== 'unchanged')).toEqual([]);
        }),
      );
    });

    it('R-SAFE-01 property: every removal is counted, a held run writes nothing, and an approval removes only held users', () => {
      const terminatedArb = fc.array(fc.boolean(), { minLength: 9, maxLength: 9 });
      fc.assert(
        fc.property(currentArb, incomingArb, policyArb, terminatedArb, (current, records, p, terminated) => {
          const policy = api(p);
          const incoming = records.map((e, i) => (terminated[i] ? { ...e, deactivationDate: '2025-06-01' } : e));
          const plan = planRun(current, incoming, policy, CTX, 'complete');
          const unguarded = planRun(current, incoming, { ...policy, safeguard: null }, CTX, 'complete');
          const removals = unguarded.operations.filter((op) => removalOf(op, policy, NOW) !== undefined);
          expect(plan.safeguard).toEqual(checkSafeguard(removals.length, plan.safeguard.directoryUsers, policy.safeguard));
          if (!plan.safeguard.held) return;
          expect(plan.operations).toEqual([]);
          expect(plan.pendingRemovals.map(idOf).sort()).toEqual(removals.map(idOf).sort());
          // Approving part of the list (the source or the directory changed since): never more than it.
          const some = new Set(plan.pendingRemovals.map(idOf).filter((_, i) => i % 2 === 0));
          const approved = planRun(current, incoming, policy, CTX, 'complete', some);
          for (const op of approved.operations) if (removalOf(op, policy, NOW) !== undefined) expect(some.has(idOf(op))).toBe(true);
        }),
      );
    });
  });

  describe('R-SAFE-01 safeguard', () => {
    it('R-SAFE-01 holds a run over the count or over the percentage, never one that removes nobody', () => {
      expect(checkSafeguard(51, 1000, { count: 50, percent: 20 }).held).toBe(true);
      expect(checkSafeguard(50, 1000, { count: 50, percent: 20 }).held).toBe(false);
      expect(checkSafeguard(3, 10, { count: 50, percent: 20 }).held).toBe(true); // 30 % of 10
      expect(checkSafeguard(2, 10, { count: 50, percent: 20 }).held).toBe(false); // exactly 20 %
      expect(checkSafeguard(0, 0, { count: 0, percent: 0 }).held).toBe(false);
      expect(checkSafeguard(1, 1000, { count: 0, percent: 100 }).held).toBe(true);
      expect(checkSafeguard(1000, 1000, null).held).toBe(false);
    });

    it('R-SAFE-01 a held run plans nothing until approved; approval applies exactly the held removals', () => {
      const current = Array.from({ length: 10 }, (_, i) => storedUser(`u${i}@acme.io`, { externalId: `e-${i}` }));
      const incoming = current.slice(0, 7).map((u) => employee(u.email, { externalId: u.externalId as string }));
      const held = planRun(current, incoming, api(), CTX, 'complete');
      expect(held.safeguard).toMatchObject({ held: true, removals: 3, directoryUsers: 10 });
      expect(held.operations).toEqual([]);
      const approved = planRun(current, incoming, api(), CTX, 'complete', new Set(held.pendingRemovals.map(idOf)));
      const removed = approved.operations.filter((op) => op.kind === 'update').map(idOf);
      expect(removed).toEqual(held.pendingRemovals.map(idOf));
    });

    it('R-SAFE-01 terminations the source states count like orphans: 3 of 10 marked INACTIVE are held, none is written', () => {
      const current = Array.from({ length: 10 }, (_, i) => storedUser(`u${i}@acme.io`, { externalId: `e-${i}` }));
      const incoming = current.map((u, i) => employee(u.email, { externalId: u.externalId as string, ...(i < 3 ? { deactivationDate: '2025-06-15' } : {}) }));
      const policy = api({ orphans: 'ignore' });
      const held = planRun(current, incoming, policy, CTX, 'complete');
      expect(held.safeguard).toMatchObject({ held: true, removals: 3, directoryUsers: 10 });
      expect(held.operations).toEqual([]);
      expect(held.pendingRemovals.map(idOf)).toEqual(['id:u0@acme.io', 'id:u1@acme.io', 'id:u2@acme.io']);
      // Two under the threshold: applied at once.
      const two = planRun(current, incoming.map((e, i) => (i === 2 ? employee(e.email, { externalId: e.externalId }) : e)), policy, CTX, 'complete');
      expect(two.safeguard.held).toBe(false);
      expect(two.operations.filter((op) => removalOf(op, policy, NOW) !== undefined)).toHaveLength(2);
    });

    it('R-SAFE-01 an approval applies exactly the held plan: a termination not in the held list keeps the user, not the rest of the record', () => {
      const current = Array.from({ length: 10 }, (_, i) => storedUser(`u${i}@acme.io`, { externalId: `e-${i}` }));
      const incoming = current.map((u, i) =>
        employee(u.email, { externalId: u.externalId as string, jobTitle: 'Engineer', ...(i < 4 ? { deactivationDate: '2025-06-01' } : {}) }),
      );
      const policy = api({ orphans: 'ignore' });
      const approved = planRun(current, incoming, policy, CTX, 'complete', new Set(['id:u0@acme.io', 'id:u1@acme.io']));
      const byId = new Map(approved.operations.map((op) => [idOf(op), op]));
      expect(update(byId.get('id:u0@acme.io') as UserOperation).next).toMatchObject({ status: 'inactive', jobTitle: 'Engineer' });
      const kept = update(byId.get('id:u3@acme.io') as UserOperation);
      expect(kept.next).toMatchObject({ status: 'active', jobTitle: 'Engineer' });
      expect(kept.changes).toEqual({ jobTitle: { from: null, to: 'Engineer' } });
      expect(approved.operations.filter((op) => removalOf(op, policy, NOW) !== undefined).map(idOf).sort()).toEqual(['id:u0@acme.io', 'id:u1@acme.io']);
    });

    it('R-SAFE-01 R-CSV-10 a past Deactivation Date is a removal of the run (due within its 24-hour grace); a later date is not', () => {
      const ann = storedUser('ann@acme.io');
      const plan = (date: string) => only(planUserChunk(byEmail(ann), [employee(ann.email, { deactivationDate: date })], CSV_USER_POLICY, CTX).operations);
      expect(removalOf(plan('2025-06-01'), CSV_USER_POLICY, NOW)).toBe('deactivate');
      expect(removalOf(plan('2025-06-30'), CSV_USER_POLICY, NOW)).toBeUndefined();
      // Reverted, the user keeps no scheduled deactivation and the update is gone.
      expect(withoutRemoval(plan('2025-06-01'))).toEqual({ kind: 'unchanged', ref: {}, userId: ann.id, email: ann.email });
      // A user created inactive was never active: not a removal.
      const created = only(planUserChunk(new Map(), [employee('new@acme.io', { deactivationDate: '2025-06-01' })], CSV_USER_POLICY, CTX).operations);
      expect(removalOf(created, CSV_USER_POLICY, NOW)).toBeUndefined();
    });
  });
});
