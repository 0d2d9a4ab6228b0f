import { RowProblemCode } from '@roster/contracts';
import { CSV, CTX, DIRECTORY_ID, NOW, directory, employee, storedUser } from '../test/fixtures';
import { userContentHash } from './hash';
import { placeholderUser, planUserChunk } from './plan-users';
import type { StoredUser, UserOperation } from './types';

const ann = storedUser('ann@acme.io', {
  firstName: 'Ann',
  lastName: 'Lee',
  jobTitle: 'Engineer',
  department: 'R&D',
  isOrgAdmin: true,
  customFields: { 'Shoe Size': '38', 'Cost Center': 'CC-1' },
});

function onlyOperation(ops: UserOperation[]): UserOperation {
  expect(ops).toHaveLength(1);
  return ops[0] as UserOperation;
}

function updated(op: UserOperation): Extract<UserOperation, { kind: 'update' }> {
  if (op.kind !== 'update') throw new Error(`expected an update, got ${op.kind}`);
  return op;
}

function created(op: UserOperation): Extract<UserOperation, { kind: 'create' }> {
  if (op.kind !== 'create') throw new Error(`expected a create, got ${op.kind}`);
  return op;
}

describe('planUserChunk', () => {
  it('R-CSV-05 an email matches the stored user case-insensitively: an update, not a second user', () => {
    const plan = planUserChunk(directory(ann), [employee('ANN@Acme.IO', { jobTitle: 'Lead', rowNumber: 2 })], CSV, CTX);

    const op = updated(onlyOperation(plan.operations));
    expect(op.userId).toBe(ann.id);
    expect(op.email).toBe('ann@acme.io');
    expect(op.next.email).toBe('ann@acme.io');
    expect(op.ref).toEqual({ rowNumber: 2 });
  });

  it('R-CSV-05 a new email creates an active user with the given fields and defaults for the rest', () => {
    const plan = planUserChunk(
      directory(),
      [employee('New.Person@Acme.io', { firstName: 'New', jobTitle: 'Analyst', customFields: { Pronouns: 'they' } })],
      CSV,
      CTX,
    );

    const { user } = created(onlyOperation(plan.operations));
    expect(user).toEqual({
      email: 'new.person@acme.io',
      status: 'active',
      firstName: 'New',
      lastName: null,
      displayName: null,
      jobTitle: 'Analyst',
      department: null,
      location: null,
      employeeId: null,
      startDate: null,
      isOrgAdmin: false,
      managerEmail: null,
      customFields: { Pronouns: 'they' },
      sourceDirectoryId: DIRECTORY_ID,
      externalId: null,
      deactivateAt: null,
      username: null,
      contentHash: userContentHash(user),
    });
    expect(plan.problems).toEqual([]);
  });

  it('R-CSV-07 a blank cell keeps the stored value (absent, empty or spaces)', () => {
    const records = [employee('ann@acme.io', { firstName: undefined, lastName: '', jobTitle: '   ' })];
    const plan = planUserChunk(directory(ann), records, CSV, CTX);

    expect(onlyOperation(plan.operations)).toEqual({ kind: 'unchanged', ref: {}, userId: ann.id, email: ann.email });
  });

  it('R-CSV-07 a value replaces the stored one and the update lists each change with from and to', () => {
    const plan = planUserChunk(directory(ann), [employee('ann@acme.io', { jobTitle: 'Lead', location: 'Paris' })], CSV, CTX);

    const op = updated(onlyOperation(plan.operations));
    expect(op.changes).toEqual({
      jobTitle: { from: 'Engineer', to: 'Lead' },
      location: { from: null, to: 'Paris' },
    });
    expect(op.next).toEqual({ ...ann, jobTitle: 'Lead', location: 'Paris', contentHash: userContentHash(op.next) });
    expect(op.next.contentHash).not.toBe(ann.contentHash);
  });

  it('R-CSV-07 custom fields merge key by key; a blank custom cell keeps its stored value', () => {
    const records = [employee('ann@acme.io', { customFields: { 'Shoe Size': '', 'Cost Center': 'CC-2', Pronouns: 'she' } })];
    const op = updated(onlyOperation(planUserChunk(directory(ann), records, CSV, CTX).operations));

    expect(op.next.customFields).toEqual({ 'Shoe Size': '38', 'Cost Center': 'CC-2', Pronouns: 'she' });
    expect(op.changes.customFields).toEqual({
      from: { 'Shoe Size': '38', 'Cost Center': 'CC-1' },
      to: { 'Shoe Size': '38', 'Cost Center': 'CC-2', Pronouns: 'she' },
    });
  });

  it('R-CSV-07 a record that says what is stored is unchanged', () => {
    const records = [employee('ann@acme.io', { firstName: 'Ann', isOrgAdmin: true, customFields: { 'Shoe Size': '38' } })];
    const op = onlyOperation(planUserChunk(directory(ann), records, CSV, CTX).operations);

    expect(op.kind).toBe('unchanged');
  });

  it.each([
    [true, false, true],
    [false, true, false],
    [undefined, true, true],
    [undefined, false, false],
  ])('R-CSV-12 Is Org Admin %p on a user who is admin=%p leaves admin=%p', (incoming, stored, expected) => {
    const user = storedUser('bob@acme.io', { isOrgAdmin: stored });
    const plan = planUserChunk(directory(user), [employee('bob@acme.io', { isOrgAdmin: incoming })], CSV, CTX);

    const op = onlyOperation(plan.operations);
    const after: StoredUser = op.kind === 'update' ? op.next : user;
    expect(after.isOrgAdmin).toBe(expected);
  });

  it('R-CSV-02 a repeated User Email in the chunk (any case) is a DUPLICATE_EMAIL problem; the first row wins', () => {
    const records = [
      employee('bob@acme.io', { rowNumber: 2, jobTitle: 'First' }),
      employee('BOB@acme.io', { rowNumber: 5, jobTitle: 'Second', managerEmail: 'ann@acme.io' }),
    ];
    const plan = planUserChunk(directory(), records, CSV, CTX);

    expect(created(onlyOperation(plan.operations)).user.jobTitle).toBe('First');
    expect(plan.problems).toEqual([
      {
        rowNumber: 5,
        field: 'User Email',
        code: RowProblemCode.DUPLICATE_EMAIL,
        message: 'bob@acme.io already appears in row 2; this row was skipped',
      },
    ]);
    expect(plan.managerLinks).toEqual([]);
  });

  it('R-CSV-06 stored users absent from the chunk get no operation', () => {
    const bob = storedUser('bob@acme.io', { status: 'active' });
    const plan = planUserChunk(directory(ann, bob), [employee('ann@acme.io', { jobTitle: 'Lead' })], CSV, CTX);

    expect(plan.operations.map((op) => (op.kind === 'create' ? op.user.email : op.email))).toEqual(['ann@acme.io']);
  });

  it('R-CSV-08 a Manager Email is handed to phase 2 as a link and does not touch the user row', () => {
    const records = [employee('ann@acme.io', { rowNumber: 3, managerEmail: 'Boss@Acme.io' })];
    const plan = planUserChunk(directory(ann), records, CSV, CTX);

    expect(onlyOperation(plan.operations).kind).toBe('unchanged');
    expect(plan.managerLinks).toEqual([{ rowNumber: 3, email: 'ann@acme.io', managerEmail: 'boss@acme.io' }]);
  });

  it('R-CSV-13 a blank Manager Email keeps the current manager: no link is asked for', () => {
    const plan = planUserChunk(directory(ann), [employee('ann@acme.io', { managerEmail: undefined })], CSV, CTX);

    expect(plan.managerLinks).toEqual([]);
  });

  it('R-CSV-15 a user named as their own manager is a SELF_MANAGER problem; the rest of the row is applied', () => {
    const records = [employee('ann@acme.io', { rowNumber: 4, managerEmail: 'ANN@acme.io', jobTitle: 'Lead' })];
    const plan = planUserChunk(directory(ann), records, CSV, CTX);

    expect(updated(onlyOperation(plan.operations)).next.jobTitle).toBe('Lead');
    expect(plan.managerLinks).toEqual([]);
    expect(plan.problems).toEqual([
      expect.objectContaining({ rowNumber: 4, field: 'Manager Email', code: RowProblemCode.SELF_MANAGER }),
    ]);
  });

  describe('R-SAFE-02 a user grown past MAX_RECORD_BYTES', () => {
    const big = (c: string) => c.repeat(200_000);

    it('R-SAFE-02 a record under the bound that would grow its stored user past it is its RECORD_TOO_LARGE problem; the user stays as stored, the rest applies', () => {
      const archivist = storedUser('archivist@acme.io', { jobTitle: 'Archivist', customFields: { Archive: big('a') } });
      const plan = planUserChunk(
        directory(archivist),
        [
          employee('archivist@acme.io', { rowNumber: 2, jobTitle: 'Chief archivist', managerEmail: 'boss@acme.io', customFields: { Annex: big('b') } }),
          employee('bob@acme.io', { rowNumber: 3, jobTitle: 'Clerk' }),
        ],
        CSV,
        CTX,
      );

      expect(created(onlyOperation(plan.operations)).user.email).toBe('bob@acme.io');
      expect(plan.managerLinks).toEqual([]); // the skipped record's manager link is not taken either
      expect(plan.problems).toEqual([
        {
          rowNumber: 2,
          code: RowProblemCode.RECORD_TOO_LARGE,
          message: expect.stringMatching(/^with this record, archivist@acme\.io would be 400\d{3} bytes of JSON, over the 327680 a user may have .*the user is as it was$/),
        },
      ]);
    });

    it('R-SAFE-02 a user a record would create over the bound is not created (multi-byte text counts by its bytes)', () => {
      const plan = planUserChunk(directory(), [employee('new@acme.io', { rowNumber: 4, customFields: { Notes: 'é'.repeat(170_000) } })], CSV, CTX);

      expect(plan.operations).toEqual([]);
      expect(plan.problems).toEqual([
        expect.objectContaining({ rowNumber: 4, code: RowProblemCode.RECORD_TOO_LARGE, message: expect.stringMatching(/^the user this record creates \(new@acme\.io\) would be 340\d{3} bytes/) }),
      ]);
    });

    it('R-SAFE-02 a record that brings a user over the bound back under it applies', () => {
      const hoarder = storedUser('hoarder@acme.io', { customFields: { Archive: big('a'), Annex: big('b') } });
      const plan = planUserChunk(directory(hoarder), [employee('hoarder@acme.io', { customFields: { Archive: 'gone', Annex: 'gone' } })], CSV, CTX);

      expect(updated(onlyOperation(plan.operations)).next.customFields).toEqual({ Archive: 'gone', Annex: 'gone' });
      expect(plan.problems).toEqual([]);
    });
  });

  describe('R-CSV-10 Deactivation Date', () => {
    it('R-CSV-10 a past date deactivates an existing active user 24 hours after the import', () => {
      const op = updated(
        onlyOperation(planUserChunk(directory(ann), [employee('ann@acme.io', { deactivationDate: '2025-06-01' })], CSV, CTX).operations),
      );

      expect(op.changes).toEqual({ deactivateAt: { from: null, to: '2025-06-16T10:30:00.000Z' } });
      expect(op.next.status).toBe('active');
    });

    it('R-CSV-10 a past date creates a new user deactivated', () => {
      const plan = planUserChunk(directory(), [employee('new@acme.io', { deactivationDate: '2025-06-14' })], CSV, CTX);

      const { user } = created(onlyOperation(plan.operations));
      expect(user.status).toBe('inactive');
      expect(user.deactivateAt).toBeNull();
    });

    it('R-CSV-10 a future date deactivates the user on that date (00:00 UTC)', () => {
      const plan = planUserChunk(
        directory(ann),
        [employee('ann@acme.io', { deactivationDate: '2025-07-01' }), employee('new@acme.io', { deactivationDate: '2025-06-15' })],
        CSV,
        CTX,
      );

      const [annOp, newOp] = plan.operations as [UserOperation, UserOperation];
      expect(updated(annOp).next).toMatchObject({ status: 'active', deactivateAt: '2025-07-01T00:00:00.000Z' });
      expect(created(newOp).user).toMatchObject({ status: 'active', deactivateAt: '2025-06-15T00:00:00.000Z' });
    });

    it('R-CSV-10 importing the same past date again does not postpone the scheduled deactivation', () => {
      const scheduled = storedUser('ann@acme.io', { deactivateAt: '2025-06-16T10:30:00.000Z' });
      const later = { ...CTX, now: new Date(NOW.getTime() + 3 * 60 * 60 * 1000) };
      const plan = planUserChunk(directory(scheduled), [employee('ann@acme.io', { deactivationDate: '2025-06-01' })], CSV, later);

      expect(onlyOperation(plan.operations).kind).toBe('unchanged');
    });

    it('R-CSV-10 R-EXP-01 the day of an already scheduled deactivation (as an export writes it) changes nothing', () => {
      const scheduled = storedUser('ann@acme.io', { deactivateAt: '2025-06-16T10:30:00.000Z' });
      const plan = planUserChunk(directory(scheduled), [employee('ann@acme.io', { deactivationDate: '2025-06-16' })], CSV, CTX);

      expect(onlyOperation(plan.operations).kind).toBe('unchanged');
    });

    it('R-CSV-10 a past date on a user who is already inactive changes nothing', () => {
      const gone = storedUser('ann@acme.io', { status: 'inactive' });
      const plan = planUserChunk(directory(gone), [employee('ann@acme.io', { deactivationDate: '2025-06-01' })], CSV, CTX);

      expect(onlyOperation(plan.operations).kind).toBe('unchanged');
    });

    it('R-CSV-07 a blank Deactivation Date keeps a scheduled deactivation', () => {
      const scheduled = storedUser('ann@acme.io', { deactivateAt: '2025-09-01T00:00:00.000Z' });
      const plan = planUserChunk(directory(scheduled), [employee('ann@acme.io', { jobTitle: 'Lead' })], CSV, CTX);

      expect(updated(onlyOperation(plan.operations)).next.deactivateAt).toBe('2025-09-01T00:00:00.000Z');
    });

    it('R-CSV-11 a Deactivation Date that is not a calendar date is a row problem; the rest of the row is applied', () => {
      const records = [employee('ann@acme.io', { rowNumber: 7, deactivationDate: '2025-02-30', jobTitle: 'Lead' })];
      const plan = planUserChunk(directory(ann), records, CSV, CTX);

      expect(updated(onlyOperation(plan.operations)).changes).toEqual({ jobTitle: { from: 'Engineer', to: 'Lead' } });
      expect(plan.problems).toEqual([
        expect.objectContaining({ rowNumber: 7, field: 'Deactivation Date', code: RowProblemCode.INVALID_DATE }),
      ]);
    });
  });

  it('R-DIR-05 a local user synced by the directory becomes owned by it; another directory keeps its user', () => {
    const local = storedUser('ann@acme.io', { sourceDirectoryId: null });
    const foreign = storedUser('bob@acme.io', { sourceDirectoryId: 'dir-api' });
    const plan = planUserChunk(directory(local, foreign), [employee('ann@acme.io'), employee('bob@acme.io')], CSV, CTX);

    const [annOp, bobOp] = plan.operations as [UserOperation, UserOperation];
    expect(updated(annOp).changes).toEqual({ sourceDirectoryId: { from: null, to: DIRECTORY_ID } });
    expect(bobOp.kind).toBe('unchanged');
  });

  it('keeps the external id a source sends and the stored one when it sends none', () => {
    const linked = storedUser('ann@acme.io', { externalId: 'hr-1' });
    const plan = planUserChunk(directory(linked), [employee('ann@acme.io'), employee('new@acme.io', { externalId: 'hr-2' })], CSV, CTX);

    const [annOp, newOp] = plan.operations as [UserOperation, UserOperation];
    expect(annOp.kind).toBe('unchanged');
    expect(created(newOp).user.externalId).toBe('hr-2');
    expect(newOp.ref).toEqual({ externalId: 'hr-2' });
  });
});

describe('planUserChunk with event sequences (R-EVT-02)', () => {
  // Job title and the manager were last set by event 40, the first name by event 10.
  const seen = { ...ann, fieldSequences: { email: 40, jobTitle: 40, managerEmail: 40, firstName: 10, 'customFields.Cost Center': 40 } };

  it('R-EVT-02 an event delivered late sets only what no newer event set: no field, manager or custom field goes back', () => {
    const late = employee('ann@acme.io', {
      jobTitle: 'Analyst',
      firstName: 'Annie',
      managerEmail: 'old.boss@acme.io',
      customFields: { 'Cost Center': 'CC-0', Pronouns: 'she' },
      sourceSequence: 39,
    });
    const plan = planUserChunk(directory(seen), [late], CSV, CTX);
    const op = updated(onlyOperation(plan.operations));
    expect(op.changes).toEqual({
      firstName: { from: 'Ann', to: 'Annie' },
      customFields: { from: { 'Shoe Size': '38', 'Cost Center': 'CC-1' }, to: { 'Shoe Size': '38', 'Cost Center': 'CC-1', Pronouns: 'she' } },
    });
    expect(plan.managerLinks).toEqual([]);
    expect(op.next.fieldSequences).toEqual({ ...seen.fieldSequences, firstName: 39, 'customFields.Pronouns': 39 });
  });

  it('R-EVT-02 a newer event sets every field it names, its manager too, and the user carries its sequence for them', () => {
    const plan = planUserChunk(directory(seen), [employee('ann@acme.io', { jobTitle: 'Principal', managerEmail: 'boss@acme.io', sourceSequence: 41 })], CSV, CTX);
    const op = updated(onlyOperation(plan.operations));
    expect(op.changes).toEqual({ jobTitle: { from: 'Engineer', to: 'Principal' } });
    expect(op.next.fieldSequences).toEqual({ ...seen.fieldSequences, email: 41, jobTitle: 41, managerEmail: 41 });
    expect(plan.managerLinks).toEqual([{ email: 'ann@acme.io', managerEmail: 'boss@acme.io' }]);
  });

  it('R-EVT-02 the same event again (a redelivery) applies the same values; a newer one that changes nothing still moves the sequences', () => {
    const again = planUserChunk(directory(seen), [employee('ann@acme.io', { jobTitle: 'Engineer', sourceSequence: 40 })], CSV, CTX);
    expect(onlyOperation(again.operations)).toEqual({ kind: 'unchanged', ref: {}, userId: ann.id, email: ann.email });
    const newer = planUserChunk(directory(seen), [employee('ann@acme.io', { jobTitle: 'Engineer', sourceSequence: 50 })], CSV, CTX);
    expect(onlyOperation(newer.operations)).toEqual({
      kind: 'unchanged',
      ref: {},
      userId: ann.id,
      email: ann.email,
      fieldSequences: { ...seen.fieldSequences, email: 50, jobTitle: 50 },
    });
  });

  it('R-EVT-02 teams a late event names are left alone when a newer event set them', () => {
    const withTeams = { ...ann, fieldSequences: { teams: 40 } };
    const late = planUserChunk(directory(withTeams), [employee('ann@acme.io', { teams: ['Old Team'], sourceSequence: 39 })], CSV, CTX);
    expect(late.staleTeams).toEqual(new Set(['ann@acme.io']));
    expect(late.staleGroups).toBeUndefined();
    const newer = planUserChunk(directory(withTeams), [employee('ann@acme.io', { teams: ['New Team'], sourceSequence: 41 })], CSV, CTX);
    expect(newer.staleTeams).toBeUndefined();
  });

  it('R-EVT-02 R-API-07 an upsert older than the termination that deactivated the user does not restore them', () => {
    const gone = { ...ann, status: 'inactive' as const, sourceDirectoryId: DIRECTORY_ID, fieldSequences: { deactivationDate: 40 } };
    const restoring = { ...CSV, restoreStatus: 'active' as const };
    const late = planUserChunk(directory(gone), [employee('ann@acme.io', { jobTitle: 'Lead', sourceSequence: 39 })], restoring, CTX);
    expect(updated(onlyOperation(late.operations)).next.status).toBe('inactive');
    const newer = planUserChunk(directory(gone), [employee('ann@acme.io', { jobTitle: 'Lead', sourceSequence: 41 })], restoring, CTX);
    expect(updated(onlyOperation(newer.operations)).next.status).toBe('active');
  });

  it('R-EVT-02 R-API-04 a late record of the same external id does not take back the email a newer event gave the user', () => {
    const moved = { ...ann, email: 'new@acme.io', externalId: 'X-1', sourceDirectoryId: DIRECTORY_ID, fieldSequences: { email: 20, externalId: 20 } };
    const api = { ...CSV, matchByExternalId: true };
    const late = employee('old@acme.io', { externalId: 'X-1', jobTitle: 'Lead', managerEmail: 'boss@acme.io', sourceSequence: 10 });
    const plan = planUserChunk(directory(), [late], api, CTX, new Map([['X-1', moved]]));
    const op = updated(onlyOperation(plan.operations));
    expect(op.next.email).toBe('new@acme.io');
    expect(op.changes).toEqual({ jobTitle: { from: 'Engineer', to: 'Lead' } });
    expect(plan.managerLinks).toEqual([{ externalId: 'X-1', email: 'new@acme.io', managerEmail: 'boss@acme.io' }]);
  });

  it('R-EVT-02 a record merged from a late and a newer event loses field by field: each field keeps its own event\'s sequence', () => {
    // Stored: the title from event 15. The micro-batch merged event 10 (title A) with event 20 (first name N).
    const stored = { ...ann, fieldSequences: { jobTitle: 15 } };
    const merged = employee('ann@acme.io', { jobTitle: 'A', firstName: 'N', sourceSequence: 20, fieldSequences: { email: 20, jobTitle: 10, firstName: 20 } });
    const op = updated(onlyOperation(planUserChunk(directory(stored), [merged], CSV, CTX).operations));
    expect(op.changes).toEqual({ firstName: { from: 'Ann', to: 'N' } });
    expect(op.next.fieldSequences).toEqual({ jobTitle: 15, firstName: 20, email: 20 });
  });

  it('R-EVT-02 R-API-07 a termination published before the upsert that restored the user, delivered late, does not deactivate them', () => {
    const restoring = { ...CSV, restoreStatus: 'active' as const };
    const gone = { ...ann, status: 'inactive' as const, sourceDirectoryId: DIRECTORY_ID, fieldSequences: { deactivationDate: 5 } };
    const rehired = updated(onlyOperation(planUserChunk(directory(gone), [employee('ann@acme.io', { jobTitle: 'Lead', sourceSequence: 20 })], restoring, CTX).operations));
    expect(rehired.next.status).toBe('active');
    expect(rehired.next.fieldSequences?.['deactivationDate']).toBe(20);
    const lateTermination = employee('ann@acme.io', { deactivationDate: '2025-01-01', sourceSequence: 10 });
    const after = planUserChunk(directory(rehired.next), [lateTermination], restoring, CTX);
    expect(onlyOperation(after.operations)).toMatchObject({ kind: 'unchanged' });
  });

  it('R-EVT-02 a new user from an event carries the sequences of the fields it set; file and API records carry none', () => {
    const fromEvent = created(onlyOperation(planUserChunk(directory(), [employee('new@acme.io', { firstName: 'N', jobTitle: ' ', sourceSequence: 7 })], CSV, CTX).operations));
    expect(fromEvent.user.fieldSequences).toEqual({ email: 7, firstName: 7 });
    const fromFile = created(onlyOperation(planUserChunk(directory(), [employee('new@acme.io', { firstName: 'N' })], CSV, CTX).operations));
    expect(fromFile.user.fieldSequences).toBeUndefined();
    // A user only a file or an API wrote has no sequences: every field of the first event applies.
    const op = updated(onlyOperation(planUserChunk(directory(ann), [employee('ann@acme.io', { jobTitle: 'Lead', sourceSequence: 1 })], CSV, CTX).operations));
    expect(op.next.fieldSequences).toEqual({ email: 1, jobTitle: 1 });
  });
});

describe('placeholderUser', () => {
  it('R-CSV-08 a manager who is not a user is created with default values, owned by the directory', () => {
    const user = placeholderUser('Boss@Acme.io', CSV, CTX);

    expect(user).toMatchObject({
      email: 'boss@acme.io',
      status: 'active',
      firstName: null,
      isOrgAdmin: false,
      managerEmail: null,
      customFields: {},
      sourceDirectoryId: DIRECTORY_ID,
    });
    expect(user.contentHash).toBe(userContentHash(user));
  });
});
