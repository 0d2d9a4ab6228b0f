import { emptyRunCounts } from '@roster/contracts';
import { runReport } from './run-report';

const base = {
  runId: '00000000-0000-4000-8000-000000000001',
  directoryId: '00000000-0000-4000-8000-000000000002',
  notify: { directoryName: 'HR drop', recipients: ['hr@acme.test'] },
  finishedAt: '2026-11-25T08:00:00.000Z',
};

describe('run report mail', () => {
  it('R-NOT-01 names the file, the counts and the first problems with their row numbers', () => {
    const problems = Array.from({ length: 30 }, (_, i) => ({ rowNumber: i + 2, field: 'User Email', code: 'INVALID_EMAIL', message: `bad email ${i}` }));
    const { subject, text } = runReport({
      ...base,
      status: 'partially-succeeded',
      counts: { ...emptyRunCounts(), created: 3, skipped: 30 },
      problems,
      problemCount: 45,
      fileName: 'users.csv',
    });
    expect(subject).toBe('Roster: HR drop sync partially-succeeded (users.csv)');
    expect(text).toContain('File: users.csv');
    expect(text).toContain('Created: 3');
    expect(text).toContain('Problems: 45 (first 20 shown)');
    expect(text).toContain('- row 2, User Email: bad email 0 [INVALID_EMAIL]');
    expect(text).not.toContain('bad email 20');
  });

  it('R-NOT-01 mails a failure with its reason and says nothing changed', () => {
    const { subject, text } = runReport({
      ...base,
      status: 'failed',
      counts: emptyRunCounts(),
      problems: [],
      problemCount: 0,
      failure: { code: 'HOST_KEY_MISMATCH', message: 'host key of sftp.acme.test:22 changed' },
    });
    expect(subject).toBe('Roster: HR drop sync failed');
    expect(text).toContain('The run failed: host key of sftp.acme.test:22 changed [HOST_KEY_MISMATCH]');
    expect(text).toContain('Nothing was changed.');
  });

  it('does not repeat a location the message already gives', () => {
    const { text } = runReport({
      ...base,
      status: 'partially-succeeded',
      counts: emptyRunCounts(),
      problems: [{ rowNumber: 7, field: 'User Email', code: 'INVALID_EMAIL', message: 'users.csv row 7, User Email: "x" is not valid' }],
      problemCount: 1,
    });
    expect(text).toContain('- users.csv row 7, User Email: "x" is not valid [INVALID_EMAIL]');
  });
});
