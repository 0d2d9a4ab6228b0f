/** Where the console is served (directory-config's static route; Vite's `base`). */
export const BASE = '/console/';

/** Every page of the console, with what its path carries. */
export type Route =
  | { page: 'login' }
  | { page: 'tenants' }
  | { page: 'directories'; tenantId: string }
  | { page: 'new-directory'; tenantId: string; type: NewDirectoryType }
  | { page: 'directory'; tenantId: string; directoryId: string }
  | { page: 'runs'; tenantId: string; directoryId?: string; status?: string }
  | { page: 'run'; tenantId: string; runId: string }
  | { page: 'dead-letters'; tenantId?: string }
  | { page: 'dead-letter'; tenantId?: string; sequence: number }
  | { page: 'users'; tenantId: string; filter: UsersFilter }
  | { page: 'user'; tenantId: string; userId: string }
  | { page: 'replays'; tenantId?: string }
  | { page: 'not-found'; path: string };

const ID = '([0-9a-fA-F-]{36})';

/** The directory types the console creates (R-DIR-02); an unknown `?type=` opens the SFTP form. */
export type NewDirectoryType = 'sftp-csv' | 'hris-api' | 'event';
const NEW_DIRECTORY_TYPES: readonly string[] = ['sftp-csv', 'hris-api', 'event'] satisfies NewDirectoryType[];
const newDirectoryTypeOf = (t: string | null): NewDirectoryType => (t && NEW_DIRECTORY_TYPES.includes(t) ? (t as NewDirectoryType) : 'sftp-csv');

/** The users page's search, filters and page cursor: all in its URL, so a search can be bookmarked and shared. */
export interface UsersFilter {
  q?: string;
  directoryId?: string;
  status?: string;
  team?: string;
  managerId?: string;
  /** Keyset cursor: the page starts after this email. */
  after?: string;
}

const USERS_FILTER_KEYS = ['q', 'directoryId', 'status', 'team', 'managerId', 'after'] as const;

function usersFilterOf(query: URLSearchParams): UsersFilter {
  const filter: UsersFilter = {};
  for (const k of USERS_FILTER_KEYS) {
    const v = query.get(k);
    if (v) filter[k] = v;
  }
  return filter;
}

/** The route of a path (under BASE) and query. */
export function matchRoute(pathname: string, query: URLSearchParams): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length).replace(/\/+$/, '') : pathname.replace(/^\/+|\/+$/g, '');
  const m = (pattern: string) => new RegExp(`^${pattern}$`).exec(path);
  let r: RegExpExecArray | null;
  if (path === '' || path === 'login') return { page: 'login' };
  if (path === 'tenants') return { page: 'tenants' };
  if ((r = m(`t/${ID}/directories`))) return { page: 'directories', tenantId: r[1] };
  if ((r = m(`t/${ID}/directories/new`))) return { page: 'new-directory', tenantId: r[1], type: newDirectoryTypeOf(query.get('type')) };
  if ((r = m(`t/${ID}/directories/${ID}`))) return { page: 'directory', tenantId: r[1], directoryId: r[2] };
  if ((r = m(`t/${ID}/runs`))) {
    return { page: 'runs', tenantId: r[1], directoryId: query.get('directory') ?? undefined, status: query.get('status') ?? undefined };
  }
  if ((r = m(`t/${ID}/runs/${ID}`))) return { page: 'run', tenantId: r[1], runId: r[2] };
  if ((r = m(`t/${ID}/dead-letters`))) return { page: 'dead-letters', tenantId: r[1] };
  if ((r = m(`t/${ID}/dead-letters/(\\d+)`))) return { page: 'dead-letter', tenantId: r[1], sequence: Number(r[2]) };
  if ((r = m(`t/${ID}/users`))) return { page: 'users', tenantId: r[1], filter: usersFilterOf(query) };
  if ((r = m(`t/${ID}/users/${ID}`))) return { page: 'user', tenantId: r[1], userId: r[2] };
  if ((r = m(`t/${ID}/replays`))) return { page: 'replays', tenantId: r[1] };
  if (path === 'operations/replays') return { page: 'replays' };
  if (path === 'operations/dead-letters') return { page: 'dead-letters' };
  if ((r = m('operations/dead-letters/(\\d+)'))) return { page: 'dead-letter', sequence: Number(r[1]) };
  return { page: 'not-found', path: pathname };
}

/** Paths of the pages, for links (relative to BASE). */
export const paths = {
  tenants: () => 'tenants',
  directories: (t: string) => `t/${t}/directories`,
  newDirectory: (t: string, type: NewDirectoryType) => `t/${t}/directories/new?type=${type}`,
  directory: (t: string, d: string) => `t/${t}/directories/${d}`,
  runs: (t: string, filter: { directoryId?: string; status?: string } = {}) => {
    const q = new URLSearchParams();
    if (filter.directoryId) q.set('directory', filter.directoryId);
    if (filter.status) q.set('status', filter.status);
    const s = q.toString();
    return `t/${t}/runs${s ? `?${s}` : ''}`;
  },
  run: (t: string, r: string) => `t/${t}/runs/${r}`,
  /** An operator's list spans every tenant; a tenant key's is its tenant's. */
  deadLetters: (t?: string) => (t ? `t/${t}/dead-letters` : 'operations/dead-letters'),
  deadLetter: (seq: number, t?: string) => (t ? `t/${t}/dead-letters/${seq}` : `operations/dead-letters/${seq}`),
  users: (t: string, filter: UsersFilter = {}) => {
    const q = new URLSearchParams();
    for (const k of USERS_FILTER_KEYS) if (filter[k]) q.set(k, filter[k] as string);
    const s = q.toString();
    return `t/${t}/users${s ? `?${s}` : ''}`;
  },
  user: (t: string, u: string) => `t/${t}/users/${u}`,
  /** An operator's replays span every tenant; a tenant key's are pinned to its tenant. */
  replays: (t?: string) => (t ? `t/${t}/replays` : 'operations/replays'),
};
