import { RowProblemCode } from '@roster/contracts';
import { planManagerLinks } from './plan-managers';
import type { ManagerLink } from './types';

const link = (rowNumber: number, email: string, managerEmail: string): ManagerLink => ({ rowNumber, email, managerEmail });
const users = (...emails: string[]) => new Set(emails);
const managers = (entries: Record<string, string | null> = {}) => new Map(Object.entries(entries));

describe('planManagerLinks', () => {
  it('R-CSV-08 links each user to the named manager and reports what the link was', () => {
    const plan = planManagerLinks([link(2, 'ann@x.io', 'bob@x.io')], users('ann@x.io', 'bob@x.io'), managers({ 'ann@x.io': 'cy@x.io' }));

    expect(plan).toEqual({
      placeholders: [],
      setManager: [{ email: 'ann@x.io', managerEmail: 'bob@x.io', previousManagerEmail: 'cy@x.io' }],
      problems: [],
    });
  });

  it('R-CSV-08 a manager who is not a user becomes one placeholder, however many rows name them', () => {
    const plan = planManagerLinks(
      [link(2, 'ann@x.io', 'boss@x.io'), link(3, 'bob@x.io', 'BOSS@x.io')],
      users('ann@x.io', 'bob@x.io'),
      managers(),
    );

    expect(plan.placeholders).toEqual(['boss@x.io']);
    expect(plan.setManager.map((change) => change.managerEmail)).toEqual(['boss@x.io', 'boss@x.io']);
  });

  it('R-CSV-05 emails in links match case-insensitively', () => {
    const plan = planManagerLinks([link(2, 'ANN@x.io', 'Bob@X.io')], users('ann@x.io', 'bob@x.io'), managers({ 'ann@x.io': 'bob@x.io' }));

    expect(plan).toEqual({ placeholders: [], setManager: [], problems: [] });
  });

  it('an unchanged link is not emitted', () => {
    const plan = planManagerLinks([link(2, 'ann@x.io', 'bob@x.io')], users('ann@x.io', 'bob@x.io'), managers({ 'ann@x.io': 'bob@x.io' }));

    expect(plan.setManager).toEqual([]);
  });

  it('R-CSV-15 two rows naming each other: the row that closes the loop is refused, the other is applied', () => {
    const plan = planManagerLinks(
      [link(2, 'ann@x.io', 'bob@x.io'), link(3, 'bob@x.io', 'ann@x.io')],
      users('ann@x.io', 'bob@x.io'),
      managers(),
    );

    expect(plan.setManager).toEqual([{ email: 'ann@x.io', managerEmail: 'bob@x.io', previousManagerEmail: null }]);
    expect(plan.problems).toEqual([
      {
        rowNumber: 3,
        field: 'Manager Email',
        code: RowProblemCode.MANAGER_LOOP,
        message: 'ann@x.io as manager of bob@x.io would make a manager loop (bob@x.io → ann@x.io → bob@x.io); the manager was not changed',
      },
    ]);
  });

  it('R-CSV-15 a loop through the current link of a user not re-linked in this run is refused', () => {
    const plan = planManagerLinks([link(2, 'ann@x.io', 'bob@x.io')], users('ann@x.io', 'bob@x.io'), managers({ 'bob@x.io': 'ann@x.io' }));

    expect(plan.setManager).toEqual([]);
    expect(plan.problems).toEqual([expect.objectContaining({ rowNumber: 2, code: RowProblemCode.MANAGER_LOOP })]);
  });

  it('R-CSV-15 a longer loop (ann → bob → cy → ann) is refused on the row that closes it', () => {
    const plan = planManagerLinks(
      [link(2, 'ann@x.io', 'bob@x.io'), link(3, 'bob@x.io', 'cy@x.io'), link(4, 'cy@x.io', 'ann@x.io'), link(5, 'dee@x.io', 'ann@x.io')],
      users('ann@x.io', 'bob@x.io', 'cy@x.io', 'dee@x.io'),
      managers(),
    );

    expect(plan.setManager.map((change) => change.email)).toEqual(['ann@x.io', 'bob@x.io', 'dee@x.io']);
    expect(plan.problems).toEqual([expect.objectContaining({ rowNumber: 4, code: RowProblemCode.MANAGER_LOOP })]);
  });

  it('R-CSV-15 a user who moves away in the same run does not block a link with their old one', () => {
    // bob reports to ann today; the file moves bob under cy and ann under bob: no loop in the result.
    const plan = planManagerLinks(
      [link(2, 'ann@x.io', 'bob@x.io'), link(3, 'bob@x.io', 'cy@x.io')],
      users('ann@x.io', 'bob@x.io', 'cy@x.io'),
      managers({ 'bob@x.io': 'ann@x.io' }),
    );

    expect(plan.problems).toEqual([]);
    expect(plan.setManager).toEqual([
      { email: 'ann@x.io', managerEmail: 'bob@x.io', previousManagerEmail: null },
      { email: 'bob@x.io', managerEmail: 'cy@x.io', previousManagerEmail: 'ann@x.io' },
    ]);
  });

  it('R-CSV-13 nothing is unlinked: users without a link keep their manager, deactivated or not', () => {
    const plan = planManagerLinks([link(2, 'ann@x.io', 'gone@x.io')], users('ann@x.io', 'bob@x.io', 'gone@x.io'), managers({ 'bob@x.io': 'gone@x.io' }));

    expect(plan.setManager).toEqual([{ email: 'ann@x.io', managerEmail: 'gone@x.io', previousManagerEmail: null }]);
  });

  it('R-CSV-15 a self link or a second link for one user is a problem, not a change', () => {
    const plan = planManagerLinks(
      [link(2, 'ann@x.io', 'ANN@x.io'), link(3, 'bob@x.io', 'cy@x.io'), link(4, 'bob@x.io', 'dee@x.io')],
      users('ann@x.io', 'bob@x.io', 'cy@x.io', 'dee@x.io'),
      managers(),
    );

    expect(plan.setManager).toEqual([{ email: 'bob@x.io', managerEmail: 'cy@x.io', previousManagerEmail: null }]);
    expect(plan.problems).toEqual([
      expect.objectContaining({ rowNumber: 2, field: 'Manager Email', code: RowProblemCode.SELF_MANAGER }),
      expect.objectContaining({ rowNumber: 4, field: 'User Email', code: RowProblemCode.DUPLICATE_EMAIL }),
    ]);
  });

  it('stops on a loop already stored without blaming a row that is not part of it', () => {
    const plan = planManagerLinks(
      [link(2, 'ann@x.io', 'bob@x.io')],
      users('ann@x.io', 'bob@x.io', 'cy@x.io'),
      managers({ 'bob@x.io': 'cy@x.io', 'cy@x.io': 'bob@x.io' }),
    );

    expect(plan.problems).toEqual([]);
    expect(plan.setManager).toHaveLength(1);
  });
});
