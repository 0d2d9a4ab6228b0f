import { heldReport } from './run-report';

describe('heldReport (R-SAFE-01)', () => {
  const run = {
    runId: '00000000-0000-4000-8000-0000000000a1',
    directoryId: '00000000-0000-4000-8000-0000000000d1',
    status: 'awaiting-approval' as const,
    notify: { directoryName: 'Workday', recipients: ['ops@acme.test'] },
    pendingRemovals: {
      deactivate: 30,
      delete: 0,
      directoryUsers: 100,
      threshold: { count: 10, percent: 20 },
      users: Array.from({ length: 25 }, (_, i) => ({ userId: '00000000-0000-4000-8000-000000000001', email: `gone${i}@acme.test`, action: 'deactivate' as const })),
    },
  };

  it('R-SAFE-01 says how many would go out of how many, against which threshold, lists the first ones and how to decide', () => {
    const { subject, text } = heldReport(run, 'tenant-1');
    expect(subject).toBe('Roster: Workday sync awaiting approval (30 users to deactivate)');
    expect(text).toContain("would deactivate 30 of the directory's 100 active users (30.0%), over the safeguard's threshold of 10 users or 20%");
    expect(text).toContain(`POST /v1/tenants/tenant-1/runs/${run.runId}/approve`);
    expect(text).toContain(`roster runs reject ${run.runId}`);
    expect(text).toContain('(first 20 of 30)');
    expect(text).toContain('- gone19@acme.test');
    expect(text).not.toContain('- gone20@acme.test');
  });

  it('R-SAFE-01 a run that would delete orphans and deactivate the users its source terminated says both, and each user\'s action', () => {
    const users = [
      { userId: run.runId, email: 'left@acme.test', action: 'delete' as const },
      { userId: run.runId, email: 'terminated@acme.test', action: 'deactivate' as const },
    ];
    const { subject, text } = heldReport({ ...run, pendingRemovals: { ...run.pendingRemovals, deactivate: 30, delete: 5, users } }, 'tenant-1');
    expect(subject).toBe('Roster: Workday sync awaiting approval (35 users to deactivate or delete)');
    expect(text).toContain("would deactivate 30 and delete 5, 35 of the directory's 100 active users (35.0%)");
    expect(text).toContain('- left@acme.test (delete)');
    expect(text).toContain('- terminated@acme.test (deactivate)');
  });
});
