import { type FormEvent, useEffect, useRef, useState } from 'react';
import { fieldErrorsOf } from '../api/client';
import { type Directory, USER_STATUSES, type UserStatus, type UsersPage as UsersPageData } from '../api/types';
import { ErrorSummary, Field, LiveStatus, Loading, Page, canWrite, messagesFor, useConsole } from '../components';
import { USER_STATUS_LABELS, personName } from '../format';
import { useAction, useResource } from '../hooks';
import { Link, navigate } from '../router';
import { type UsersFilter, paths } from '../routes';

const LIMIT = 50;

/** The users API's query for a filter (empty values left out). */
export function usersQuery(filter: UsersFilter, limit = LIMIT): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (typeof v === 'string' && v.trim()) q.set(k, k === 'after' ? v : v.trim());
  q.set('limit', String(limit));
  return q.toString();
}

export function StatusTag({ status }: { status: UserStatus }) {
  return <span className={`badge badge-user-${status}`}>{USER_STATUS_LABELS[status] ?? status}</span>;
}

/**
 * The tenant's users: a search (email or name prefix) with filters, paged on the server by email. The URL holds
 * the search and the page's cursor; "Previous" walks back the cursors this tab went through.
 */
export function UsersPage({ tenantId, filter }: { tenantId: string; filter: UsersFilter }) {
  const { api, session } = useConsole();
  const query = usersQuery(filter);
  const page = useResource(() => api.get<UsersPageData>(`/v1/tenants/${tenantId}/users?${query}`), [tenantId, query]);
  const directories = useResource(() => api.get<Directory[]>(`/v1/tenants/${tenantId}/directories`), [tenantId]);
  const manager = useResource(
    () => (filter.managerId ? api.get<{ email: string; displayName: string | null; firstName: string | null; lastName: string | null }>(`/v1/tenants/${tenantId}/users/${filter.managerId}`) : Promise.resolve(undefined)),
    [tenantId, filter.managerId],
  );
  const [form, setForm] = useState({ q: filter.q ?? '', directoryId: filter.directoryId ?? '', status: filter.status ?? '', team: filter.team ?? '' });
  // The cursors of the pages before this one, for "Previous page" ('' is the first page).
  const [previous, setPrevious] = useState<string[]>([]);
  const errors = page.error ? fieldErrorsOf(page.error) : {};
  const { after, ...search } = filter;

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setPrevious([]);
    navigate(paths.users(tenantId, { ...form, managerId: filter.managerId }));
  };
  const next = () => {
    if (!page.data?.nextAfter) return;
    setPrevious((p) => [...p, after ?? '']);
    navigate(paths.users(tenantId, { ...search, after: page.data.nextAfter }));
  };
  const back = () => {
    const cursor = previous[previous.length - 1];
    setPrevious((p) => p.slice(0, -1));
    navigate(paths.users(tenantId, { ...search, after: cursor || undefined }));
  };
  const first = previous.length === 0 && !after;
  const position = after ? (previous.length ? `page ${previous.length + 1}` : 'a later page') : 'page 1';
  const users = page.data?.users ?? [];

  return (
    <Page title="Users">
      <form className="filters" role="search" aria-label="Search users" onSubmit={apply} noValidate>
        <Field path="q" label="Search" hint="The start of an email or of a name." errors={messagesFor(errors, 'q')}>
          {(p) => <input {...p} type="search" spellCheck={false} value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} />}
        </Field>
        <Field path="directoryId" label="Directory" errors={messagesFor(errors, 'directoryId')}>
          {(p) => (
            <select {...p} value={form.directoryId} onChange={(e) => setForm({ ...form, directoryId: e.target.value })}>
              <option value="">All directories</option>
              {(directories.data ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field path="status" label="Status" errors={messagesFor(errors, 'status')}>
          {(p) => (
            <select {...p} value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
              <option value="">Any status</option>
              {USER_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {USER_STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field path="team" label="Team" hint="A team's name or ID." errors={messagesFor(errors, 'team')}>
          {(p) => <input {...p} type="text" value={form.team} onChange={(e) => setForm({ ...form, team: e.target.value })} />}
        </Field>
        <button type="submit">Search</button>
      </form>
      {filter.managerId ? (
        <p className="filter-note">
          Showing the direct reports of{' '}
          {manager.data ? <Link to={paths.user(tenantId, filter.managerId)}>{personName(manager.data) ?? manager.data.email}</Link> : 'a manager'}.{' '}
          <Link to={paths.users(tenantId, { ...search, managerId: undefined })}>Show everyone</Link>
        </p>
      ) : null}
      <ErrorSummary error={page.error} fields={errors} title="The users could not be listed" />
      {page.loading && !page.data ? <Loading what="users" /> : null}
      <LiveStatus>{page.data ? (users.length ? `${users.length} user${users.length === 1 ? '' : 's'} on ${position}.` : 'No user matches.') : ''}</LiveStatus>
      {page.data && users.length === 0 ? <p className="empty">No user matches{first ? '' : ' on this page'}.</p> : null}
      {users.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>
              Users by email, {position}
              {filter.q ? `, matching “${filter.q}”` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Directory</th>
                <th scope="col">Teams</th>
                <th scope="col">Job title</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.userId}>
                  <th scope="row">
                    <Link to={paths.user(tenantId, u.userId)}>{u.email}</Link>
                  </th>
                  <td>{personName(u) ?? <span className="muted">—</span>}</td>
                  <td>
                    <StatusTag status={u.status} />
                  </td>
                  <td>{u.directoryName ?? (u.sourceDirectoryId ? <span className="muted">deleted directory</span> : <span className="muted">none</span>)}</td>
                  <td>{u.teams.join(', ') || <span className="muted">—</span>}</td>
                  <td>{u.jobTitle ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav className="pager" aria-label="User pages">
        {previous.length ? (
          <button type="button" onClick={back}>
            Previous page
          </button>
        ) : after ? (
          <button type="button" onClick={() => navigate(paths.users(tenantId, search))}>
            First page
          </button>
        ) : null}
        {page.data?.nextAfter ? (
          <button type="button" onClick={next}>
            Next page
          </button>
        ) : null}
      </nav>
      {canWrite(session) ? <ExportUsers tenantId={tenantId} /> : null}
    </Page>
  );
}

/** R-EXP-01: the tenant's users as a users file, mailed to a user of the tenant. */
function ExportUsers({ tenantId }: { tenantId: string }) {
  const { api, tenant } = useConsole();
  const [email, setEmail] = useState(tenant?.ownerEmail ?? '');
  const exportUsers = useAction(() => api.post<{ exportId: string }>(`/v1/tenants/${tenantId}/exports`, { email }));
  const raw = exportUsers.error ? fieldErrorsOf(exportUsers.error) : {};
  // The API names the address `email` (validation) or, when it is not a user, `recipients`: both belong here.
  const emailErrors = [...messagesFor(raw, 'email'), ...messagesFor(raw, 'recipients')];
  const errors: Record<string, string[]> = emailErrors.length ? { 'export.email': emailErrors } : {};
  const done = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (exportUsers.result) done.current?.focus();
  }, [exportUsers.result]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await exportUsers.run();
  };
  return (
    <section aria-labelledby="export-title" className="export">
      <h2 id="export-title">Export users</h2>
      <p>Every user of the tenant as a users file (CSV, every standard and custom column), mailed as an attachment. The file imports back unchanged.</p>
      <ErrorSummary error={exportUsers.error} fields={errors} title="The export was not requested" />
      {exportUsers.result ? (
        <div className="notice notice-success" role="status" tabIndex={-1} ref={done}>
          <p>
            Export {exportUsers.result.exportId.slice(0, 8)} requested: the file will be mailed to <strong>{email}</strong> in a moment.
          </p>
        </div>
      ) : null}
      <form onSubmit={(e) => void submit(e)} noValidate className="narrow">
        <Field path="export.email" label="Send the file to" hint="A user of this tenant (an outsider is refused)." errors={emailErrors}>
          {(p) => <input {...p} type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <button type="submit" disabled={exportUsers.pending}>
          {exportUsers.pending ? 'Requesting…' : 'Export users'}
        </button>
      </form>
    </section>
  );
}
