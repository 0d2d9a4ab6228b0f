import type { ReactNode } from 'react';
import type { Directory, User } from '../api/types';
import { ErrorMessage, Loading, Page, useConsole } from '../components';
import { formatTime, personName } from '../format';
import { useResource } from '../hooks';
import { Link } from '../router';
import { paths } from '../routes';
import { StatusTag } from './users';

const CHAIN_END: Record<User['managerChainEnd'], string> = {
  top: '',
  loop: 'The chain loops back: a manager further up reports to someone already in it. Fix the managers in the source.',
  'depth-limit': 'Only the nearest 50 managers are shown.',
  missing: 'The next manager is not a user of this tenant any more.',
};

/** One user: profile, custom fields, teams and groups, the manager chain and the owning directory. */
export function UserPage({ tenantId, userId }: { tenantId: string; userId: string }) {
  const { api } = useConsole();
  const user = useResource(() => api.get<User>(`/v1/tenants/${tenantId}/users/${userId}`), [tenantId, userId]);
  const directories = useResource(() => api.get<Directory[]>(`/v1/tenants/${tenantId}/directories`), [tenantId]);
  const names = new Map((directories.data ?? []).map((d) => [d.id, d.name]));
  const back = <Link to={paths.users(tenantId)}>Back to users</Link>;

  if (user.error && !user.data) {
    return (
      <Page title="User not available">
        <ErrorMessage error={user.error} />
        <p>{back}</p>
      </Page>
    );
  }
  const u = user.data;
  if (!u || u.userId !== userId) return <Loading what="the user" />;
  const name = personName(u);
  const customFields = Object.entries(u.customFields).sort(([a], [b]) => a.localeCompare(b));
  const directory = (id: string | null, label: string | null = null) => {
    if (!id) return <span className="muted">none</span>;
    const known = label ?? names.get(id);
    return known ? <Link to={paths.directory(tenantId, id)}>{known}</Link> : <span className="muted">a deleted directory ({id.slice(0, 8)})</span>;
  };

  return (
    <Page title={name ?? u.email}>
      <p>{back}</p>
      <dl className="facts">
        <Fact term="Email">{u.email}</Fact>
        <Fact term="Status">
          <StatusTag status={u.status} />
          {u.deactivateAt ? ` — deactivation scheduled for ${formatTime(u.deactivateAt)}` : ''}
        </Fact>
        <Fact term="Owning directory">{directory(u.sourceDirectoryId, u.directoryName)}</Fact>
        <Fact term="Username">{u.username ?? <span className="muted">the work email</span>}</Fact>
        <Fact term="External ID">{u.externalId ?? <span className="muted">—</span>}</Fact>
        <Fact term="First name">{u.firstName ?? <span className="muted">—</span>}</Fact>
        <Fact term="Last name">{u.lastName ?? <span className="muted">—</span>}</Fact>
        <Fact term="Display name">{u.displayName ?? <span className="muted">—</span>}</Fact>
        <Fact term="Job title">{u.jobTitle ?? <span className="muted">—</span>}</Fact>
        <Fact term="Department">{u.department ?? <span className="muted">—</span>}</Fact>
        <Fact term="Location">{u.location ?? <span className="muted">—</span>}</Fact>
        <Fact term="Employee ID">{u.employeeId ?? <span className="muted">—</span>}</Fact>
        <Fact term="Start date">{u.startDate ?? <span className="muted">—</span>}</Fact>
        <Fact term="Org admin">{u.isOrgAdmin ? 'Yes' : 'No'}</Fact>
        <Fact term="Created">{formatTime(u.createdAt)}</Fact>
        <Fact term="Updated">{formatTime(u.updatedAt)}</Fact>
      </dl>

      <section aria-labelledby="managers">
        <h2 id="managers">Manager chain</h2>
        {u.managerChain.length === 0 && u.managerChainEnd === 'top' ? <p>{name ?? u.email} has no manager.</p> : null}
        {u.managerChain.length ? (
          <ol className="chain" aria-label={`Managers of ${name ?? u.email}, nearest first`}>
            {u.managerChain.map((m, i) => (
              <li key={m.userId}>
                <span className="chain-step">{i === 0 ? 'Manager' : `Level ${i + 1}`}</span>{' '}
                <Link to={paths.user(tenantId, m.userId)}>{personName(m) ?? m.email}</Link>
                {personName(m) ? <span className="muted"> {m.email}</span> : null}
                {m.jobTitle ? <span> — {m.jobTitle}</span> : null}
                {m.status !== 'active' ? (
                  <>
                    {' '}
                    <StatusTag status={m.status} />
                  </>
                ) : null}
              </li>
            ))}
          </ol>
        ) : null}
        {CHAIN_END[u.managerChainEnd] ? <p className="notice notice-warning">{CHAIN_END[u.managerChainEnd]}</p> : null}
        <p>
          {u.directReports === 0 ? (
            'No direct reports.'
          ) : (
            <Link to={paths.users(tenantId, { managerId: u.userId })}>
              {u.directReports} direct report{u.directReports === 1 ? '' : 's'}
            </Link>
          )}
        </p>
      </section>

      <section aria-labelledby="teams">
        <h2 id="teams">Teams and groups</h2>
        {u.teams.length === 0 && u.groups.length === 0 ? <p className="muted">Not in any team or group.</p> : null}
        {u.teams.length || u.groups.length ? (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Teams and groups of {name ?? u.email}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Through directory</th>
                </tr>
              </thead>
              <tbody>
                {u.teams.map((t) => (
                  <tr key={`t-${t.teamId}-${t.sourceDirectoryId}`}>
                    <th scope="row">
                      <Link to={paths.users(tenantId, { team: t.teamId })} aria-label={`${t.name}: everyone in the team`}>
                        {t.name}
                      </Link>
                    </th>
                    <td>Team</td>
                    <td>{directory(t.sourceDirectoryId)}</td>
                  </tr>
                ))}
                {u.groups.map((g) => (
                  <tr key={`g-${g.groupId}`}>
                    <th scope="row">{g.name}</th>
                    <td>Group ({g.type.toLowerCase().replace(/_/g, ' ')})</td>
                    <td>{directory(g.sourceDirectoryId)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="custom">
        <h2 id="custom">Custom fields</h2>
        {customFields.length === 0 ? <p className="muted">No custom field has a value.</p> : null}
        {customFields.length ? (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Custom fields of {name ?? u.email}</caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {customFields.map(([label, value]) => (
                  <tr key={label}>
                    <th scope="row">{label}</th>
                    <td>{value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </Page>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
