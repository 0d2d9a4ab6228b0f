import { emptyRunCounts, RowProblemCode } from '@roster/contracts';
import { CSV, CTX, directory, employee, storedUser } from '../test/fixtures';
import { addRunCounts, summarize } from './counts';
import { planUserChunk } from './plan-users';
import type { UserOperation } from './types';

describe('summarize', () => {
  it('R-DIR-03 counts created, updated and unchanged users, failed and skipped rows', () => {
    const current = directory(storedUser('ann@acme.io'), storedUser('bob@acme.io'));
    const plan = planUserChunk(
      current,
      [
        employee('ann@acme.io', { rowNumber: 2, jobTitle: 'Lead' }),
        employee('bob@acme.io', { rowNumber: 3 }),
        employee('cy@acme.io', { rowNumber: 4, managerEmail: 'cy@acme.io' }), // created, manager refused
        employee('ANN@acme.io', { rowNumber: 5 }), // duplicate: skipped
      ],
      CSV,
      CTX,
    );
    const ingestProblem = { rowNumber: 6, field: 'User Email', code: RowProblemCode.INVALID_EMAIL, message: 'not an email' };

    expect(summarize(plan.operations, [...plan.problems, ingestProblem])).toEqual({
      ...emptyRunCounts(),
      created: 1,
      updated: 1,
      unchanged: 1,
      failed: 1,
      skipped: 2,
    });
  });

  it('R-DIR-03 a row with several problems counts once', () => {
    const ops: UserOperation[] = [{ kind: 'unchanged', ref: { rowNumber: 2 }, userId: 'u1', email: 'ann@acme.io' }];
    const problems = [
      { rowNumber: 2, code: RowProblemCode.INVALID_DATE, message: 'bad date' },
      { rowNumber: 2, code: RowProblemCode.SELF_MANAGER, message: 'self' },
    ];

    expect(summarize(ops, problems)).toMatchObject({ unchanged: 1, failed: 1, skipped: 0 });
  });

  it('R-DIR-03 an update that changes the status counts as deactivated or restored', () => {
    const ann = storedUser('ann@acme.io');
    const update = (to: 'active' | 'inactive'): UserOperation => ({
      kind: 'update',
      ref: {},
      userId: ann.id,
      email: ann.email,
      changes: { status: { from: to === 'active' ? 'inactive' : 'active', to } },
      next: { ...ann, status: to },
    });

    expect(summarize([update('inactive'), update('active')], [])).toMatchObject({ deactivated: 1, restored: 1, updated: 0 });
  });

  it('adds the counts of two chunks', () => {
    const a = { ...emptyRunCounts(), created: 2, skipped: 1 };
    const b = { ...emptyRunCounts(), created: 1, failed: 3 };

    expect(addRunCounts(a, b)).toEqual({ ...emptyRunCounts(), created: 3, skipped: 1, failed: 3 });
  });
});
