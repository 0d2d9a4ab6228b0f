import { CreateDirectoryBody, CreateSftpDirectoryBody, TestConnectionBody, UpdateDirectoryBody } from './schemas';

const base = {
  name: 'HR drop',
  type: 'sftp-csv',
  sftp: { host: 'sftp.acme.test', username: 'acme', password: 'pw', folder: '/in', hostKeyFingerprint: `SHA256:${'a'.repeat(43)}` },
};
const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('admin API schemas', () => {
  it('R-CSV-01 accepts a header mapping onto standard labels of the users and teams files', () => {
    const r = CreateSftpDirectoryBody.safeParse({ ...base, headerMapping: { 'E-mail': 'User Email', Équipe: 'Team Name' } });
    expect(r.success).toBe(true);
  });

  it('R-CSV-01 refuses a mapping to a label that is not standard, and two labels onto one', () => {
    const r = CreateSftpDirectoryBody.safeParse({ ...base, headerMapping: { Mail: 'Email Address', A: 'Teams', B: 'Teams' } });
    expect(messages(r)).toEqual([
      expect.stringMatching(/^headerMapping\.Mail: 'Email Address' is not a standard label; expected one of: User Email, /),
      "headerMapping.B: 'A' and 'B' both map to 'Teams'",
    ]);
  });

  it('R-DIR-04 defaults to a daily schedule and accepts every kind', () => {
    expect(CreateSftpDirectoryBody.parse(base).schedule).toEqual({ kind: 'daily', time: '02:00', timeZone: 'UTC' });
    for (const schedule of [
      { kind: 'disabled' },
      { kind: 'every', hours: 4 },
      { kind: 'daily', time: '06:30', timeZone: 'Europe/Paris' },
      { kind: 'weekly', day: 'monday', time: '23:59', timeZone: 'America/New_York' },
      { kind: 'cron', expression: '0 */4 * * 1-5' },
    ]) {
      expect(UpdateDirectoryBody.safeParse({ schedule }).success).toBe(true);
    }
  });

  it('R-DIR-04 refuses a bad time, time zone, interval or cron shape with the field', () => {
    const bad = [
      [{ kind: 'daily', time: '24:00' }, 'schedule.time: expected a time of day HH:MM (24 h)'],
      [{ kind: 'daily', time: '01:00', timeZone: 'Mars/Olympus' }, 'schedule.timeZone: expected an IANA time zone such as Europe/Paris or UTC'],
      [{ kind: 'every', hours: 0 }, 'schedule.hours: Too small: expected number to be >=1'],
      [{ kind: 'cron', expression: 'every day' }, 'schedule.expression: expected a cron expression of 5 or 6 fields'],
    ] as const;
    for (const [schedule, message] of bad) expect(messages(UpdateDirectoryBody.safeParse({ schedule }))).toContain(message);
  });

  it('R-SFTP-01 needs a password or a private key, and refuses a key that is not one', () => {
    const { password: _, ...noSecret } = base.sftp;
    expect(messages(CreateSftpDirectoryBody.safeParse({ ...base, sftp: noSecret }))).toEqual(['sftp.password: a password or a privateKey is required']);
    expect(messages(CreateSftpDirectoryBody.safeParse({ ...base, sftp: { ...noSecret, privateKey: 'ssh-ed25519 AAAA' } }))).toEqual([
      'sftp.privateKey: expected a PEM or OpenSSH private key',
    ]);
  });

  it('R-SFTP-01 tests unsaved settings without a pinned fingerprint', () => {
    const { hostKeyFingerprint: _, ...unpinned } = base.sftp;
    const body = TestConnectionBody.parse({ sftp: unpinned });
    if (body.type === 'hris-api') throw new Error('parsed as hris-api');
    const parsed = body.sftp;
    expect(parsed.port).toBe(22);
    expect(parsed.hostKeyFingerprint).toBeUndefined();
  });

  it('R-DIR-01 refuses unknown fields in a PATCH instead of ignoring them', () => {
    expect(messages(UpdateDirectoryBody.safeParse({ sftp: { hots: 'x' } }))).toEqual([expect.stringMatching(/hots/)]);
  });

  const hris = {
    name: 'Bridge',
    type: 'hris-api',
    hris: { baseUrl: 'https://api.merge.dev/api', accountToken: 'tok' },
  };

  it('R-API-01 creates an hris-api directory with the bridge provider, page size 100 and safe policy defaults', () => {
    const parsed = CreateDirectoryBody.parse(hris);
    if (parsed.type !== 'hris-api') throw new Error('parsed as sftp-csv');
    expect(parsed.hris).toEqual({ provider: 'merge', baseUrl: 'https://api.merge.dev/api', accountToken: 'tok', pageSize: 100, fieldMappings: [] });
    expect(parsed.policy).toEqual({
      usernameAttribute: 'workEmail',
      activateUsers: true,
      orphans: 'ignore',
      restore: false,
      synchronizeGroups: false,
      preserveGroups: true,
      removeLocalGroups: false,
      removeOtherDirectoryGroups: false,
      safeguard: { count: 50, percent: 20 },
    });
    expect(parsed.schedule).toEqual({ kind: 'daily', time: '02:00', timeZone: 'UTC' });
  });

  it('R-API-02 refuses a page size outside 1..100 at config time, saying why', () => {
    for (const pageSize of [0, 101, 1.5, '50']) {
      expect(messages(CreateDirectoryBody.safeParse({ ...hris, hris: { ...hris.hris, pageSize } }))).toEqual([
        "hris.pageSize: page size must be 1..100 (the bridge's maximum is 100)",
      ]);
    }
    expect(messages(UpdateDirectoryBody.safeParse({ hris: { pageSize: 101 } }))).toEqual(["hris.pageSize: page size must be 1..100 (the bridge's maximum is 100)"]);
    for (const pageSize of [1, 100]) expect(CreateDirectoryBody.safeParse({ ...hris, hris: { ...hris.hris, pageSize } }).success).toBe(true);
  });

  it('R-API-03 accepts the optional source fields, each once, and refuses others', () => {
    const ok = [
      { source: 'jobTitle', target: 'jobTitle' },
      { source: 'departmentGroupName', target: 'department' },
      { source: 'birthday', target: 'Birthday' },
    ];
    expect(CreateDirectoryBody.safeParse({ ...hris, hris: { ...hris.hris, fieldMappings: ok } }).success).toBe(true);
    expect(messages(CreateDirectoryBody.safeParse({ ...hris, hris: { ...hris.hris, fieldMappings: [...ok, { source: 'jobTitle', target: 'Title' }] } }))).toEqual([
      "hris.fieldMappings.3.source: 'jobTitle' is mapped twice; map each source field once",
    ]);
    expect(messages(CreateDirectoryBody.safeParse({ ...hris, hris: { ...hris.hris, fieldMappings: [{ source: 'salary', target: 'Pay' }] } }))).toEqual([
      expect.stringMatching(/^hris\.fieldMappings\.0\.source: /),
    ]);
  });

  it('R-SAFE-01 refuses a safeguard percentage over 100 and an unknown orphan policy', () => {
    expect(messages(CreateDirectoryBody.safeParse({ ...hris, policy: { orphans: 'archive', safeguard: { percent: 120 } } }))).toEqual([
      expect.stringMatching(/^policy\.orphans: /),
      expect.stringMatching(/^policy\.safeguard\.percent: /),
    ]);
  });

  it('R-API-01 tests unsaved hris-api settings by type', () => {
    const body = TestConnectionBody.parse({ type: 'hris-api', hris: { baseUrl: 'https://api.merge.dev/api', accountToken: 'tok' } });
    expect(body).toEqual({ type: 'hris-api', hris: { provider: 'merge', baseUrl: 'https://api.merge.dev/api', accountToken: 'tok' } });
  });
});
