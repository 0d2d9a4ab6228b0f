import { matchRoute, paths } from './routes';

const T = '6f1c2a9e-0000-4000-8000-000000000002';
const D = '6f1c2a9e-0000-4000-8000-000000000001';
const route = (p: string) => {
  const url = new URL(p, 'http://console.test');
  return matchRoute(url.pathname, url.searchParams);
};

describe('admin console routes (issue 9)', () => {
  it('every link the console makes leads back to its page', () => {
    expect(route(`/console/${paths.directories(T)}`)).toEqual({ page: 'directories', tenantId: T });
    expect(route(`/console/${paths.newDirectory(T, 'hris-api')}`)).toEqual({ page: 'new-directory', tenantId: T, type: 'hris-api' });
    expect(route(`/console/${paths.newDirectory(T, 'event')}`)).toEqual({ page: 'new-directory', tenantId: T, type: 'event' });
    expect(route(`/console/t/${T}/directories/new?type=ftp`)).toEqual({ page: 'new-directory', tenantId: T, type: 'sftp-csv' });
    expect(route(`/console/${paths.directory(T, D)}`)).toEqual({ page: 'directory', tenantId: T, directoryId: D });
    expect(route(`/console/${paths.runs(T, { directoryId: D, status: 'failed' })}`)).toEqual({ page: 'runs', tenantId: T, directoryId: D, status: 'failed' });
    expect(route(`/console/${paths.run(T, D)}`)).toEqual({ page: 'run', tenantId: T, runId: D });
    expect(route(`/console/${paths.deadLetters()}`)).toEqual({ page: 'dead-letters' });
    expect(route(`/console/${paths.deadLetter(42, T)}`)).toEqual({ page: 'dead-letter', tenantId: T, sequence: 42 });
    expect(route(`/console/${paths.users(T)}`)).toEqual({ page: 'users', tenantId: T, filter: {} });
    const filter = { q: 'ada lo', directoryId: D, status: 'active', team: 'R&D', managerId: D, after: 'a+b@x.test' };
    expect(route(`/console/${paths.users(T, filter)}`)).toEqual({ page: 'users', tenantId: T, filter });
    expect(route(`/console/${paths.user(T, D)}`)).toEqual({ page: 'user', tenantId: T, userId: D });
    expect(route(`/console/${paths.replays()}`)).toEqual({ page: 'replays' });
    expect(route(`/console/${paths.replays(T)}`)).toEqual({ page: 'replays', tenantId: T });
    expect(route('/console/')).toEqual({ page: 'login' });
    expect(route('/console/tenants/')).toEqual({ page: 'tenants' });
    expect(route('/console/t/not-a-tenant/directories')).toEqual({ page: 'not-found', path: '/console/t/not-a-tenant/directories' });
  });
});
