import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { ApiClient } from './api/client';
import { type Session, clearSession, loadSession, saveSession } from './api/session';
import type { Tenant } from './api/types';
import { Console, type ConsoleContext, ErrorMessage, Loading, Page } from './components';
import { useResource } from './hooks';
import { DeadLetterPage, DeadLettersPage } from './pages/dead-letters';
import { DirectoriesPage } from './pages/directories';
import { DirectoryPage, NewDirectoryPage } from './pages/directory';
import { LoginPage } from './pages/login';
import { RunPage } from './pages/run';
import { ReplaysPage } from './pages/replays';
import { RunsPage } from './pages/runs';
import { TenantsPage } from './pages/tenants';
import { UserPage } from './pages/user';
import { UsersPage } from './pages/users';
import { Link, navigate, useLocation } from './router';
import { type Route, matchRoute, paths } from './routes';

const ROLE_LABELS = { operator: 'Operator', 'tenant-admin': 'Tenant admin', 'read-only': 'Read-only' } as const;

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession(window.sessionStorage));
  const [signedOutReason, setSignedOutReason] = useState<string>();
  const location = useLocation();
  const route = matchRoute(location.path, location.query);

  const signOut = (reason?: string) => {
    clearSession(window.sessionStorage);
    window.sessionStorage.removeItem(LAST_TENANT);
    setSession(null);
    setSignedOutReason(reason);
    navigate('login');
  };
  const api = useMemo(
    () =>
      new ApiClient({
        apiKey: () => loadSession(window.sessionStorage)?.apiKey ?? null,
        onUnauthenticated: (e) => signOut(`${e.message} Sign in again with a valid key.`),
      }),
    // Once: signOut only touches state setters, which are stable.
    [],
  );

  if (!session || route.page === 'login') {
    return (
      <Shell>
        <LoginPage
          api={api}
          reason={signedOutReason}
          signedIn={session}
          onSignedIn={(s, tenant) => {
            saveSession(window.sessionStorage, s);
            setSession(s);
            setSignedOutReason(undefined);
            const tenantId = s.tenantId ?? tenant?.id;
            navigate(tenantId ? paths.directories(tenantId) : paths.tenants(), { replace: true });
          }}
        />
      </Shell>
    );
  }
  return <SignedIn api={api} session={session} signOut={signOut} route={route} />;
}

/** The tenant an operator looked at last: the navigation keeps it on operator-wide pages. */
const LAST_TENANT = 'roster.console.tenant';

function tenantOf(route: Route, session: Session): string | undefined {
  if ('tenantId' in route && route.tenantId) return route.tenantId;
  return session.tenantId ?? window.sessionStorage.getItem(LAST_TENANT) ?? undefined;
}

function SignedIn({ api, session, signOut, route }: { api: ApiClient; session: Session; signOut: (r?: string) => void; route: Route }) {
  const tenantId = tenantOf(route, session);
  const routeTenant = 'tenantId' in route ? route.tenantId : undefined;
  useEffect(() => {
    if (routeTenant && session.role === 'operator') window.sessionStorage.setItem(LAST_TENANT, routeTenant);
  }, [routeTenant, session.role]);
  const tenant = useResource(() => (tenantId ? api.get<Tenant>(`/v1/tenants/${tenantId}`) : Promise.resolve(undefined)), [tenantId]);
  const ctx: ConsoleContext = { api, session, signOut, tenant: tenant.data?.id === tenantId ? tenant.data : undefined };
  const operator = session.role === 'operator';
  const current = route.page;

  return (
    <Console.Provider value={ctx}>
      <Shell
        header={
          <div className="session">
            {tenantId ? (
              <span>
                Tenant: <strong>{ctx.tenant?.name ?? '…'}</strong>
              </span>
            ) : null}
            <span className="role">{ROLE_LABELS[session.role]}</span>
            {operator ? <Link to={paths.tenants()}>{tenantId ? 'Switch tenant' : 'Tenants'}</Link> : null}
            <button type="button" className="link-button" onClick={() => signOut('You signed out.')}>
              Sign out
            </button>
          </div>
        }
        nav={
          <nav aria-label="Main">
            <ul>
              {tenantId ? (
                <>
                  <li>
                    <Link to={paths.directories(tenantId)} aria-current={current === 'directories' || current === 'directory' || current === 'new-directory' ? 'page' : undefined}>
                      Directories
                    </Link>
                  </li>
                  <li>
                    <Link to={paths.runs(tenantId)} aria-current={current === 'runs' || current === 'run' ? 'page' : undefined}>
                      Runs
                    </Link>
                  </li>
                  <li>
                    <Link to={paths.users(tenantId)} aria-current={current === 'users' || current === 'user' ? 'page' : undefined}>
                      Users
                    </Link>
                  </li>
                  {!operator ? (
                    <>
                      <li>
                        <Link to={paths.deadLetters(tenantId)} aria-current={current === 'dead-letters' || current === 'dead-letter' ? 'page' : undefined}>
                          Dead letters
                        </Link>
                      </li>
                      <li>
                        <Link to={paths.replays(tenantId)} aria-current={current === 'replays' ? 'page' : undefined}>
                          Replay
                        </Link>
                      </li>
                    </>
                  ) : null}
                </>
              ) : null}
              {operator ? (
                <li>
                  <Link to={paths.deadLetters()} aria-current={(current === 'dead-letters' || current === 'dead-letter') && !('tenantId' in route && route.tenantId) ? 'page' : undefined}>
                    Operations: dead letters
                  </Link>
                </li>
              ) : null}
              {operator ? (
                <li>
                  <Link to={paths.replays()} aria-current={current === 'replays' && !('tenantId' in route && route.tenantId) ? 'page' : undefined}>
                    Operations: replay
                  </Link>
                </li>
              ) : null}
            </ul>
          </nav>
        }
      >
        {tenant.error && routeTenant ? (
          <Page title="Tenant not available">
            <ErrorMessage error={tenant.error} />
            {operator ? <Link to={paths.tenants()}>Choose another tenant</Link> : null}
          </Page>
        ) : (
          <RoutePage route={route} ready={!routeTenant || Boolean(ctx.tenant)} />
        )}
      </Shell>
    </Console.Provider>
  );
}

function RoutePage({ route, ready }: { route: Route; ready: boolean }) {
  if (!ready) return <Loading what="the tenant" />;
  switch (route.page) {
    case 'tenants':
      return <TenantsPage />;
    case 'directories':
      return <DirectoriesPage tenantId={route.tenantId} />;
    case 'new-directory':
      return <NewDirectoryPage tenantId={route.tenantId} type={route.type} />;
    case 'directory':
      return <DirectoryPage tenantId={route.tenantId} directoryId={route.directoryId} />;
    case 'runs':
      return <RunsPage tenantId={route.tenantId} directoryId={route.directoryId} status={route.status} />;
    case 'run':
      return <RunPage tenantId={route.tenantId} runId={route.runId} />;
    case 'dead-letters':
      return <DeadLettersPage tenantId={route.tenantId} />;
    case 'dead-letter':
      return <DeadLetterPage tenantId={route.tenantId} sequence={route.sequence} />;
    case 'users': {
      // A new search starts over (its form and its "previous pages"); paging keeps them.
      const { after: _after, ...search } = route.filter;
      return <UsersPage key={JSON.stringify(search)} tenantId={route.tenantId} filter={route.filter} />;
    }
    case 'user':
      return <UserPage tenantId={route.tenantId} userId={route.userId} />;
    case 'replays':
      return <ReplaysPage tenantId={route.tenantId} />;
    case 'login':
      return null;
    case 'not-found':
      return (
        <Page title="Page not found">
          <p>
            There is no page at <code>{route.path}</code>.
          </p>
        </Page>
      );
  }
}

/** The landmarks every page has: a skip link, the banner, the navigation, the main content. */
function Shell({ children, header, nav }: { children: ReactNode; header?: ReactNode; nav?: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="banner">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            R
          </span>
          <span>Roster admin console</span>
        </div>
        {header}
      </header>
      {nav}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
